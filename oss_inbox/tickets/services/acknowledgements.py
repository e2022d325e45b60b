"""Out of coverage, tell a customer when the team is back - once per conversation per closed period."""

import logging
from datetime import datetime, timedelta

from django.utils import timezone

from oss_inbox.sla import clock
from oss_inbox.sla.acknowledgements import back_at_words, closed_until
from oss_inbox.sla.models import Acknowledgement, AcknowledgementSetting
from oss_inbox.sla.policies import clock_schedule_of

from ..models import Message, Ticket
from .lifecycle import ReplyRefused, ticket_reply

log = logging.getLogger(__name__)

__all__ = ["closed_until", "ticket_acknowledge_if_closed"]


def ticket_acknowledge_if_closed(
    ticket: Ticket, message: Message, now: datetime | None = None
) -> Message | None:
    """Queue the automatic acknowledgement of a customer's message, if one is due; returns it.

    Called by ingest right after a customer's message is applied to its ticket. Steps:
    1. Only a customer's own message (never an auto-reply or bounce) of a kind switched on.
    2. Only while the account's coverage is closed, and only if the team has not been on duty
       since the customer wrote (an old message fetched late needs no "we're back at").
    3. Claim (account, conversation, reopening instant) with a unique insert: a second message
       in the same closed period, or a replayed poll, finds the claim and sends nothing.
    4. Queue the text through the reply path, marked automatic: no first response, no SLA.
    """
    if message.direction != Message.Direction.INBOUND or message.is_automatic:
        return None
    setting = AcknowledgementSetting.objects.filter(kind=message.kind, enabled=True).first()
    if setting is None:
        return None
    now = now or timezone.now()
    schedule = clock_schedule_of(message.account)
    reopens_at = closed_until(now, schedule)
    if reopens_at is None or clock.coverage_between(message.sent_at, now, schedule) > timedelta(0):
        return None
    claim, created = Acknowledgement.objects.get_or_create(
        account=message.account, thread_key=ticket.thread_key, reopens_at=reopens_at
    )
    if not created:
        return None
    text = setting.text.replace("{back_at}", back_at_words(reopens_at, now, schedule.tz))
    try:
        claim.message = ticket_reply(ticket=ticket, author=None, text=text, sent_at=now, automatic=True)
    except ReplyRefused as refused:  # e.g. a text too long for X: the customer's message still goes in
        log.warning("No acknowledgement on ticket %s: %s", ticket.pk, refused)
        return None
    claim.save(update_fields=["message"])
    return claim.message
