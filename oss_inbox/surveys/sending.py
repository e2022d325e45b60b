"""Which resolved tickets get a satisfaction survey, on which channel, exactly once.

Beat runs `surveys_send_due` every minute (tasks.send_surveys). For each ticket resolved at least
SURVEY_DELAY_MINUTES ago (and at most two days after that, SEND_WITHIN: switching surveys on, or a
long outage, does not survey old tickets) that has no survey yet, `survey_send`:
1. Locks the ticket and looks again: a ticket reopened meanwhile is not surveyed (resolved again,
   it is due again then).
2. Claims the ticket's one survey (Survey.ticket is one-to-one: a second worker's claim fails).
3. Decides: the channel (plans.py), or a reason to skip it, kept on the survey so the ticket is
   not looked at again.
4. Queues the survey in the one outbox (tickets.services.ticket_survey_send), in the same
   transaction as the claim: a worker dying before the commit leaves neither, and the next run
   sends it; after the commit the outbox delivers the message once, whatever happens to the task.

A ticket the channel refuses (ReplyRefused, InvalidChange) is skipped with the reason. A ticket
whose send fails for a reason nobody foresaw (a bug, odd data) is logged with its id and skipped
("Could not be sent: …", survey_skip_failed), so the batch and every later run go past it instead of
stopping at it each minute. The task's time limit and a database that is down or waited on a lock
(OperationalError) still end the run: the next one starts again, and nothing is skipped for them.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from oss_inbox.sla.storm_state import current_storm
from oss_inbox.tickets.models import Message, Ticket
from oss_inbox.tickets.services import InvalidChange, ReplyRefused, ticket_survey_send

from .models import Survey
from .plans import plan_for
from .texts import survey_context, survey_text

log = logging.getLogger(__name__)

# A survey goes out at most this long after it was due: a customer asked days later has moved on.
SEND_WITHIN = timedelta(days=2)
BATCH = 500
FAILED = "Could not be sent: an unexpected error (the server's log has the details)"


def paused(now: datetime | None = None) -> bool:
    """Surveys stop while settings.SURVEYS_PAUSED is set or storm mode is on (sla/storm.py); a
    ticket that comes due meanwhile is skipped for good, with that reason (a survey after a storm
    about an outage would be no kinder). They start again by themselves when the storm ends."""
    return settings.SURVEYS_PAUSED or current_storm(now) is not None


def survey_delay() -> timedelta:
    return timedelta(minutes=settings.SURVEY_DELAY_MINUTES)


def survey_window() -> timedelta:
    """How far back the due tickets are looked for: the delay, then SEND_WITHIN to send them in (a
    delay of three days looks five days back)."""
    return survey_delay() + SEND_WITHIN


def due_ticket_ids(now: datetime) -> list[int]:
    """Resolved tickets without a survey, resolved between the window and the delay ago. Read
    through the tickets' updated_at index: a ticket resolved since the window began was saved since."""
    oldest = now - survey_window()
    due = Ticket.objects.filter(
        updated_at__gte=oldest,
        status=Ticket.Status.RESOLVED,
        resolved_at__gt=oldest,
        resolved_at__lte=now - survey_delay(),
        survey__isnull=True,
    )
    return list(due.order_by("resolved_at", "pk").values_list("pk", flat=True)[:BATCH])


def surveys_send_due(now: datetime | None = None) -> list[Survey]:
    """Beat: every due ticket's survey, sent or skipped; returns the surveys made."""
    now = now or timezone.now()
    made = [_survey_send_or_skip(ticket_id, now) for ticket_id in due_ticket_ids(now)]
    return [survey for survey in made if survey is not None]


def _survey_send_or_skip(ticket_id, now):
    try:
        return survey_send(ticket_id, now=now)
    except (SoftTimeLimitExceeded, OperationalError):
        raise  # the run ends; the next one tries this ticket again
    except Exception:  # logged, and the ticket marked skipped: the batch and later runs go past it
        log.exception("The survey of ticket %s could not be sent; it is skipped", ticket_id)
        return survey_skip_failed(ticket_id, now=now)


@transaction.atomic
def survey_skip_failed(ticket_id: int, *, now: datetime) -> Survey | None:
    """Mark the ticket's survey skipped after its send failed unexpectedly (its own transaction: the
    send's was rolled back); None when it has a survey by now or is no longer resolved."""
    ticket = Ticket.objects.select_for_update(of=("self",)).filter(pk=ticket_id).first()
    if ticket is None or ticket.status != Ticket.Status.RESOLVED:
        return None
    try:
        with transaction.atomic():
            return Survey.objects.create(ticket=ticket, created_at=now, skipped_reason=FAILED)
    except IntegrityError:  # another worker has it
        return None


@transaction.atomic
def survey_send(ticket_id: int, *, now: datetime | None = None) -> Survey | None:
    """The ticket's survey, queued or skipped; None when it is not due (reopened, surveyed already)."""
    now = now or timezone.now()
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("account").filter(pk=ticket_id)
    ticket = ticket.first()
    if ticket is None or ticket.status != Ticket.Status.RESOLVED or ticket.resolved_at > now - survey_delay():
        return None
    try:
        with transaction.atomic():
            survey = Survey.objects.create(ticket=ticket, created_at=now, agent_id=_credited(ticket))
    except IntegrityError:  # another worker has it
        return None
    plan = plan_for(ticket, now, paused=paused(now))
    if plan.skipped:
        return _skip(survey, plan.skipped)
    survey.channel = plan.channel
    try:
        survey.message = ticket_survey_send(
            ticket=ticket, text=survey_text(survey), context=survey_context(survey), now=now
        )
    except ReplyRefused as refused:
        return _skip(survey, f"The channel would refuse it: {refused}")
    except InvalidChange as refused:  # the ticket cannot take it; the message says why, in plain words
        return _skip(survey, f"Could not be sent: {refused}")
    survey.sent_at = now
    survey.save(update_fields=["channel", "message", "sent_at"])
    return survey


def _skip(survey, reason):
    survey.skipped_reason = reason[:200]
    survey.save(update_fields=["channel", "skipped_reason"])
    log.info("No survey for ticket %s: %s", survey.ticket_id, reason)
    return survey


def _credited(ticket):
    """Who the rating counts for: the assignee at resolution, else whoever answered last."""
    if ticket.assignee_id:
        return ticket.assignee_id
    return (
        ticket.messages.filter(
            direction=Message.Direction.OUTBOUND, is_automatic=False, author_user__isnull=False
        )
        .order_by("-sent_at", "-id")
        .values_list("author_user_id", flat=True)
        .first()
    )
