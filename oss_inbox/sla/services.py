"""Due times of a ticket, recomputed by the ticket services on every event that changes them.

The foundation counts the one-day promise on the calendar clock; coverage schedules and SLA
policies (the coverage/SLA issue) plug in here without changing the callers.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone


def first_response_target():
    return timedelta(hours=settings.SLA_FIRST_RESPONSE_HOURS)


def ticket_sla_recompute(ticket, now=None):
    """Set the ticket's due times and SLA state in memory; the caller saves."""
    now = now or timezone.now()
    target = first_response_target()
    # Kept after the first response too, so that metrics can compare it with first_response_at.
    ticket.first_response_due_at = ticket.created_at + target
    awaiting_reply = (
        ticket.first_response_at is not None
        and ticket.last_inbound_at is not None
        and (ticket.last_outbound_at is None or ticket.last_inbound_at > ticket.last_outbound_at)
    )
    ticket.next_response_due_at = ticket.last_inbound_at + target if awaiting_reply else None
    running = [ticket.next_response_due_at] if awaiting_reply else []
    if ticket.first_response_at is None:
        running.append(ticket.first_response_due_at)
    ticket.sla_due_at = min(running) if running and ticket.is_open else None
    ticket.sla_state = _state(ticket, now)


def _state(ticket, now):
    if ticket.status == "pending":
        return "paused"
    if ticket.sla_due_at is None:
        return "met"
    if ticket.sla_due_at <= now:
        return "breached"
    if ticket.sla_due_at - now <= first_response_target() / 4:
        return "at_risk"
    return "ok"
