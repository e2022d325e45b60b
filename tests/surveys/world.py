"""Helpers of the surveys' tests: a resolved ticket per channel, surveys sent now as beat would."""

from dataclasses import replace
from datetime import timedelta

from django.utils import timezone

from oss_inbox.surveys.models import Survey
from oss_inbox.surveys.sending import surveys_send_due
from oss_inbox.tickets.models import Message, Ticket
from oss_inbox.tickets.services import ingest, ticket_reply, ticket_set_status
from oss_inbox.tickets.services.outbox import outbox_deliver
from tests import factories
from tests.channels.sandbox_accounts import poll

DUE = timedelta(minutes=31)  # SURVEY_DELAY_MINUTES is 30


def mail_account(sink):
    return factories.account(
        "email", name="Help mailbox",
        settings={**sink.settings(), "timeout_seconds": "5", "from_name": "Prairie Help"},
    )  # fmt: skip


def ticket_from(account, item, *, minutes_ago=60):
    """The customer's message, written `minutes_ago`, ingested: its ticket."""
    item = replace(item, sent_at=timezone.now() - timedelta(minutes=minutes_ago))
    ingest(account, [item])
    return Ticket.objects.get(messages__external_id=item.external_id)


def answer_and_resolve(ticket, agent, text="All fixed: a crew replaced the fuse. Anything else, write us."):
    """An agent's answer (as already delivered) and the resolution."""
    reply = ticket_reply(ticket=ticket, author=agent, text=text, delivered_as=f"answer-{ticket.pk}")
    ticket_set_status(ticket=ticket, status="resolved", actor=agent)
    ticket.refresh_from_db()
    return reply


def send_due(after=DUE):
    """Beat's run `after` the resolution (the clock is not moved: `now` is given)."""
    return surveys_send_due(now=timezone.now() + after)


def deliver(survey):
    """The outbox sends the survey's message, as the deliver task would."""
    state = outbox_deliver("reply", survey.message_id)
    return state, Message.objects.get(pk=survey.message_id)


def survey_of(ticket):
    return Survey.objects.get(ticket=ticket)


__all__ = ["poll"]
