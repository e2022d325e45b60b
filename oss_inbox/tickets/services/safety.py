"""Life-safety reports: what ingest does when the detector fires on a customer's message.

1. The ticket becomes a safety ticket (its `safety` category): Urgent, on the Safety SLA policy,
   pinned above every queue view. The message keeps what matched and why (`context["safety"]`).
2. It escalates at once: in coverage hours to the supervisors (and the assignee); outside them to
   whoever is on call, by notification, email and, if given, an email-to-SMS address. Nobody on
   call: the supervisors, so that a report is never told to no one.
3. The customer gets the utility's safety advice at once, once per ticket and kind of hazard,
   through the outbox (a reply, marked automatic: it is no answer and stops no SLA clock).
A report fetched long after it was written (an account connected with a backlog, a channel down
for a day) is still a safety ticket, but pages nobody and gets no advice: that moment has passed,
and an agent decides.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction

from oss_inbox.safety.defaults import TOPIC_OF
from oss_inbox.safety.detector import CATEGORY_NAMES
from oss_inbox.safety.models import SafetyReply, SafetyReplySent
from oss_inbox.safety.oncall import on_call_now
from oss_inbox.sla.acknowledgements import closed_until
from oss_inbox.staff.notifications import mails_send_after_commit, notification_send

from ..models import Message, Ticket, TicketEvent
from .escalation import supervisors
from .lifecycle import InvalidChange, ReplyRefused, _change, _require_actor, ticket_reply

if TYPE_CHECKING:
    from oss_inbox.safety.detector import Detection
    from oss_inbox.sla import clock

log = logging.getLogger(__name__)
SMS_CHARS = 160
# Older than this when fetched: flagged, but no page and no advice. A day, not less: an email's
# sent time is its Date header, which a sender's clock or zone can put hours off.
STALE_AFTER = timedelta(hours=24)


def is_stale(message: Message, now: datetime) -> bool:
    return now - message.sent_at > STALE_AFTER


def detection_data(detection: Detection) -> dict:
    """What a message keeps of a detection, so the agent sees why (message.context["safety"])."""
    return {
        "category": detection.category,
        "label": CATEGORY_NAMES[detection.category],
        "matched": detection.matched,
        "phrase": detection.phrase.pattern,
        "language": detection.language or detection.phrase.language,
        "why": detection.why,
    }


def same_hazard(category: str, data: dict) -> bool:
    """Whether a new report is of the kind of hazard the ticket is flagged for (the same advice)."""
    return TOPIC_OF.get(category) == TOPIC_OF[data["category"]]


def report_again_data(data: dict) -> dict:
    """The timeline entry of a new report on a ticket that is a safety ticket already."""
    return {**{key: data[key] for key in ("category", "label", "matched", "why")}, "again": True}


def mark_as_safety(ticket: Ticket, data: dict) -> list[tuple[str, dict]]:
    """Make an unsaved or locked ticket a safety ticket; returns the timeline entries (none if it
    already was one). The caller saves the ticket and recomputes its SLA."""
    if ticket.safety:
        return []
    ticket.safety = data["category"]
    entries = [(TicketEvent.Kind.SAFETY, {key: data[key] for key in ("category", "label", "matched", "why")})]
    if ticket.priority < Ticket.Priority.URGENT:
        entries.append(
            (
                TicketEvent.Kind.PRIORITY,
                {"from": ticket.priority, "to": Ticket.Priority.URGENT, "reason": "safety"},
            )
        )
        ticket.priority = Ticket.Priority.URGENT
    return entries


@transaction.atomic
def ticket_set_safety(*, ticket: Ticket, category: str, actor, now: datetime | None = None) -> Ticket:
    """An agent marks a ticket a safety report the detector missed (category), or clears a false
    alarm (""): the Safety policy then applies, or no longer does, and the priority the report
    raised goes back to what it was; the timeline says who did it.
    Marking by hand neither notifies (the agent is on it) nor sends the advice (the agent answers)."""
    _require_actor(actor)
    if category and category not in CATEGORY_NAMES:
        raise InvalidChange("Choose what kind of safety report it is.")

    def mark(ticket):
        if ticket.safety == category:
            return []
        if not category:
            previous, ticket.safety = ticket.safety, ""
            cleared = {"category": "", "cleared": previous, "label": "not a safety report"}
            return [(TicketEvent.Kind.SAFETY, cleared), *_priority_before_safety(ticket)]
        data = {
            "category": category,
            "label": CATEGORY_NAMES[category],
            "matched": "",
            "why": "marked by hand",
        }
        ticket.safety = ""
        return mark_as_safety(ticket, data)

    _change(ticket, mark, actor=actor, now=now)
    return ticket


def _priority_before_safety(ticket):
    """A false alarm gives back the priority the report raised (unless someone changed it since)."""
    raised = (
        ticket.events.filter(kind=TicketEvent.Kind.PRIORITY, data__reason="safety").order_by("-pk").first()
    )
    if raised is None or ticket.priority != raised.data["to"]:
        return []
    previous, ticket.priority = ticket.priority, raised.data["from"]
    return [
        (
            TicketEvent.Kind.PRIORITY,
            {"from": previous, "to": ticket.priority, "reason": "not a safety report"},
        )
    ]


@dataclass(frozen=True)
class Responders:
    """Who hears of safety reports at one moment, and the advice texts in force: read once for a
    whole batch of ingest, however many reports it holds (a storm brings many at once)."""

    in_hours: bool
    on_call: tuple  # OnCall settings, with their users
    supervisors: tuple
    advice: dict  # (message kind, topic, language) -> the text of an enabled safety reply

    @classmethod
    def at(cls, now: datetime, schedule: clock.Schedule) -> Responders:
        in_hours = closed_until(now, schedule) is None
        enabled = SafetyReply.objects.filter(enabled=True).values_list("kind", "topic", "language", "text")
        return cls(
            in_hours=in_hours,
            on_call=() if in_hours else tuple(on_call_now(now)),
            supervisors=tuple(supervisors()),
            advice={(kind, topic, language): text for kind, topic, language, text in enabled},
        )


def safety_escalate(ticket: Ticket, event: TicketEvent, data: dict, responders: Responders) -> list:
    """Tell people of a new safety ticket at once: in coverage hours the supervisors and the
    assignee; outside them whoever is on call (and their text address); nobody on call, the
    supervisors. Returns who was told."""
    in_hours, on_call = responders.in_hours, responders.on_call
    if in_hours or not on_call:
        recipients = [ticket.assignee, *responders.supervisors]
    else:
        recipients = [setting.user for setting in on_call]
    where = "" if in_hours else (" (on call)" if on_call else " - nobody is on call")
    text = f"Safety: {data['label']} on #{ticket.pk}{where}: \u201c{data['matched']}\u201d"
    link = settings.SITE_URL.rstrip("/") + ticket.get_absolute_url()
    body = (
        f"A life-safety report arrived; its first response is due in minutes.\n\n{data['why']}\n\n"
        f"Customer: {ticket.contact}\nChannel: {ticket.account}\n\n{link}\n"
    )
    notification_send(recipients=recipients, ticket=ticket, event=event, text=text, body=body)
    texts = [setting.sms_email for setting in on_call if setting.sms_email]
    if texts:
        short = f"SAFETY #{ticket.pk}: {data['label']}: {data['matched']} {link}"[:SMS_CHARS]
        mails_send_after_commit([("Safety report", short, settings.DEFAULT_FROM_EMAIL, texts)])
    if not in_hours and not on_call:
        log.warning(
            "Safety ticket %s arrived out of hours and nobody is on call: told the supervisors", ticket.pk
        )
    return recipients


def safety_reply(
    ticket: Ticket, message: Message, data: dict, *, now: datetime, advice: dict
) -> Message | None:
    """Queue the safety advice for the message's conversation, once per kind of hazard; returns it, or
    None (already sent on this ticket, switched off for the channel, or refused by it). `advice` is
    Responders.advice: the text in the report's language, else the English one."""
    if message.is_automatic:  # an auto-reply or a bounce: nobody to advise, and it would answer itself
        return None
    topic = TOPIC_OF[data["category"]]
    text = advice.get((message.kind, topic, data["language"])) or advice.get((message.kind, topic, "en"))
    if text is None:
        return None
    try:
        with transaction.atomic():  # the claim goes with the reply: a refused reply claims nothing
            try:
                with transaction.atomic():
                    claim = SafetyReplySent.objects.create(ticket=ticket, topic=topic)
            except IntegrityError:  # this conversation was advised on this hazard already
                return None
            claim.message = ticket_reply(
                ticket=ticket, author=None, text=text, sent_at=now, automatic=True,
                context={"safety_advice": topic}, event_kind=TicketEvent.Kind.SAFETY,
            )  # fmt: skip
            claim.save(update_fields=["message"])
    except ReplyRefused as refused:  # e.g. a text edited too long for X: the report itself still goes in
        log.warning("No safety reply on ticket %s: %s", ticket.pk, refused)
        return None
    return claim.message
