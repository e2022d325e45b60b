"""Out of coverage, tell a customer when the team is back - once per conversation per closed period."""

import re
from datetime import timedelta

from django.utils import dateformat, timezone

from oss_inbox.tickets.models import Message
from oss_inbox.tickets.services.lifecycle import ticket_reply

from . import clock
from .models import Acknowledgement, AcknowledgementSetting
from .policies import schedule_of


def ticket_acknowledge_if_closed(ticket, message, now=None):
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
    schedule = schedule_of(message.account).as_clock_schedule()
    reopens_at = closed_until(now, schedule)
    if reopens_at is None or clock.coverage_between(message.sent_at, now, schedule) > timedelta(0):
        return None
    claim, created = Acknowledgement.objects.get_or_create(
        account=message.account, thread_key=ticket.thread_key, reopens_at=reopens_at
    )
    if not created:
        return None
    text = setting.text.replace("{back_at}", back_at_words(reopens_at, now, schedule.tz))
    claim.message = ticket_reply(ticket=ticket, author=None, text=text, sent_at=now, automatic=True)
    claim.save(update_fields=["message"])
    return claim.message


def closed_until(moment, schedule):
    """When coverage next opens, if it is closed at `moment`; None while open (or never again)."""
    try:
        change_at, opens = clock.next_coverage_change(moment, schedule)
    except ValueError:  # always open, or never open again: nothing to promise
        return None
    return change_at if opens else None


def back_at_words(reopens_at, now, tz):
    """"7:00 AM CT", "7:00 AM CT tomorrow", "8:00 AM CT on Saturday" or with the date if far off."""
    local, today = reopens_at.astimezone(tz), now.astimezone(tz).date()
    words = f"{dateformat.format(local, 'g:i A')} {zone_words(local)}"
    days = (local.date() - today).days
    if days == 0:
        return words
    if days == 1:
        return f"{words} tomorrow"
    return f"{words} on {dateformat.format(local, 'l' if days < 7 else 'l, F j')}"


def zone_words(local):
    """"CT" for CST or CDT (customers don't care which), else the zone's own abbreviation."""
    name = local.tzname() or ""
    return f"{name[0]}T" if re.fullmatch(r"[A-Z][SD]T", name) else name
