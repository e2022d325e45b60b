"""Due times of a ticket, recomputed by the ticket services on every event that changes them.

`ticket_sla_recompute(ticket, now)` sets the fields in memory; the caller saves. Steps:
1. Open or close the pending pause: pending stops the resolution clock.
2. Choose the ticket's policy (`policies.py`) and count each target on its clock (calendar, or the
   account's coverage hours): first response from the ticket's creation; next response from the
   customer's latest message after our last reply; resolution from creation, minus paused time.
   Each target also gets its at-risk instant (when `at_risk_percent` of it is left).
3. The earliest running due time is `sla_due_at` (nothing runs while pending or resolved); the
   state follows from it and `now`.
4. Tell the SLA scan when to look next (`sla_escalate_at`): at the at-risk instant, then at the
   due time, each once per due time (`sla_escalated`, `sla_escalated_for`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from celery import current_app
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import SlaRecomputeOwed
from .policies import SlaRules
from .states import SlaState, SlaTicket, TicketStatus

if TYPE_CHECKING:
    from .policies import CalendarClock, CoverageClock

# The fields a recompute may change: a bulk recompute saves only these, so that it never
# overwrites a status or an assignee another request changed meanwhile.
SLA_FIELDS = [
    "first_response_due_at",
    "next_response_due_at",
    "resolution_due_at",
    "sla_due_at",
    "sla_at_risk_at",
    "sla_state",
    "sla_paused_at",
    "sla_pauses",
    "sla_escalated",
    "sla_escalated_for",
    "sla_escalate_at",
]
RECOMPUTE_TASK = "oss_inbox.tickets.tasks.sla_recompute_open"
# Longer than a recompute may run (the task's hard time limit is 330 s): beat starts another after it.
RECOMPUTE_RUNS_FOR = timedelta(minutes=6)


@dataclass(frozen=True)
class Due:
    due_at: datetime
    at_risk_at: datetime


def ticket_sla_recompute(
    ticket: SlaTicket, now: datetime | None = None, *, rules: SlaRules | None = None
) -> None:
    """Set the ticket's due times, SLA state and next escalation in memory; the caller saves."""
    now = now or timezone.now()
    rules = rules or SlaRules()
    _track_pause(ticket, now)
    policy = rules.policy_for(ticket)
    first = _target(ticket, rules, policy, "first_response", ticket.created_at)
    customer_wrote_at = ticket.last_inbound_at if awaiting_next_response(ticket) else None
    following = _target(ticket, rules, policy, "next_response", customer_wrote_at)
    resolution = (
        None if ticket.sla_paused_at else _target(ticket, rules, policy, "resolution", ticket.created_at)
    )
    ticket.first_response_due_at, ticket.next_response_due_at, ticket.resolution_due_at = (
        due.due_at if due else None for due in (first, following, resolution)
    )
    running = [due for due in (None if ticket.first_response_at else first, following, resolution) if due]
    if ticket.status not in (TicketStatus.NEW, TicketStatus.OPEN):
        running = []  # pending pauses every timer; resolved stops them
    ticket.sla_due_at = min((due.due_at for due in running), default=None)
    ticket.sla_at_risk_at = min((due.at_risk_at for due in running), default=None)
    ticket.sla_state = sla_state_at(ticket, now)
    _schedule_escalation(ticket)


def awaiting_next_response(ticket: SlaTicket) -> bool:
    """We answered once, and the customer has written since our last reply."""
    return (
        ticket.first_response_at is not None
        and ticket.last_inbound_at is not None
        and (ticket.last_outbound_at is None or ticket.last_inbound_at > ticket.last_outbound_at)
    )


def sla_state_at(ticket: SlaTicket, now: datetime) -> str:
    """The ticket's SLA state at `now`, from its stored due and at-risk instants."""
    if not ticket.is_open:
        return SlaState.MET
    if ticket.status == TicketStatus.PENDING:
        return SlaState.PAUSED
    if ticket.sla_due_at is None:
        return SlaState.MET
    if ticket.sla_due_at <= now:
        return SlaState.BREACHED
    if ticket.sla_at_risk_at is not None and ticket.sla_at_risk_at <= now:
        return SlaState.AT_RISK
    return SlaState.OK


def escalated_level(ticket: SlaTicket) -> str:
    """What the scan already escalated for the current due time: "", "at_risk" or "breached"."""
    return ticket.sla_escalated if ticket.sla_escalated_for == ticket.sla_due_at else ""


def _target(ticket, rules, policy, name, start):
    target = getattr(policy, f"{name}_target")
    if target is None or start is None:
        return None
    clock = rules.clock(getattr(policy, f"{name}_clock"), ticket, policy)
    pauses = _pauses(ticket) if name == "resolution" else ()
    left_at_risk = target * policy.at_risk_percent / 100
    return Due(
        add_skipping(clock, start, target, pauses), add_skipping(clock, start, target - left_at_risk, pauses)
    )


def add_skipping(
    clock: CalendarClock | CoverageClock,
    start: datetime,
    duration: timedelta,
    pauses: Iterable[tuple[datetime, datetime]],
) -> datetime:
    """Like clock.add(start, duration), but time inside the (sorted) pauses does not count."""
    remaining, cursor = duration, start
    for paused_from, paused_until in pauses:
        if paused_until <= cursor:
            continue
        due = clock.add(cursor, remaining)
        if due <= paused_from:
            return due
        remaining -= clock.between(cursor, max(cursor, paused_from))
        cursor = paused_until
    return clock.add(cursor, remaining)


def _pauses(ticket):
    return sorted(
        (datetime.fromisoformat(begin), datetime.fromisoformat(end)) for begin, end in ticket.sla_pauses
    )


def _track_pause(ticket, now):
    pending = ticket.status == TicketStatus.PENDING
    if pending and ticket.sla_paused_at is None:
        ticket.sla_paused_at = now
    elif not pending and ticket.sla_paused_at is not None:
        resumed = max(now, ticket.sla_paused_at)
        ticket.sla_pauses = [*ticket.sla_pauses, [ticket.sla_paused_at.isoformat(), resumed.isoformat()]]
        ticket.sla_paused_at = None


def _schedule_escalation(ticket):
    level = escalated_level(ticket)
    if ticket.sla_due_at is None or level == SlaState.BREACHED:
        ticket.sla_escalate_at = None
    elif level == SlaState.AT_RISK:
        ticket.sla_escalate_at = ticket.sla_due_at
    else:
        ticket.sla_escalate_at = ticket.sla_at_risk_at


def sla_settings_changed() -> None:
    """A schedule or policy changed: record in this transaction that open tickets owe a recompute
    (beat converges it, sla_recompute_if_owed), and ask a worker for it at once after commit."""
    owed = owed_row()
    SlaRecomputeOwed.objects.filter(pk=owed.pk).update(changed=F("changed") + 1)
    transaction.on_commit(sla_recompute_ask)


def sla_recompute_if_owed(now: datetime | None = None) -> bool:
    """Beat, every minute: if a change is not yet applied and no recompute started in the last
    RECOMPUTE_RUNS_FOR, start one (the message sent at the change was lost: a broker restarted,
    a worker died). Returns whether it asked for one."""
    now = now or timezone.now()
    owed = owed_row()
    asked = (
        SlaRecomputeOwed.objects.filter(pk=owed.pk, applied__lt=F("changed"))
        .filter(Q(started_at__isnull=True) | Q(started_at__lt=now - RECOMPUTE_RUNS_FOR))
        .update(started_at=now)
    )
    if asked:
        transaction.on_commit(sla_recompute_ask)
    return bool(asked)


def owed_row() -> SlaRecomputeOwed:
    return SlaRecomputeOwed.objects.get_or_create(pk=1)[0]


def sla_recompute_ask() -> None:
    # By name: the recompute writes tickets, which belong to the layer above (tickets.services.sla).
    current_app.tasks[RECOMPUTE_TASK].delay()
