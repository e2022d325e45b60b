"""The dashboard's safety measures: the life-safety tickets (issue 16) that arrived in the range.

Read live from the tickets, not from the rollups: safety tickets are a few dozen a month, and
ticket_safety_created_idx (created_at, where safety != "") finds them whatever the history's size.
Three queries whatever the range: the tickets, the people's timeline entries on them, and their
flagged reports and human replies (both through the (ticket, time) indexes).

Definitions (the page states them for supervisors):
- Reported: when the first customer message the detector flagged arrived; for a ticket marked a
  safety report by hand, when the ticket arrived. Usually the same instant as the ticket's arrival.
- First touch: the first thing a person did on the ticket from the report on: a reply, a note, a
  claim, an assignment, a change of status, priority or tags, marking its safety category; that is
  the earliest timeline entry with a person as its actor, or the first human reply, whichever is
  first. Automatic messages (the safety advice, acknowledgements) and the system's own entries
  (detection, escalation, SLA; an entry with a `reason`, which followed from another change:
  key-account routing, the priority a report or critical care sets) are no touch.
- Time to first touch: from the report to the first touch. A ticket nobody touched yet has waited
  until now (or until the system closed it): it counts in the worst figure, as "still waiting".
- Answered within 15 minutes: a person's reply sent within 15 minutes of the report (a reply that
  failed for good is no answer). A ticket counts once it is answered or its 15 minutes are up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from django.db.models import Q

from oss_inbox.safety.detector import CATEGORY_NAMES
from oss_inbox.tickets.models import Message, Ticket, TicketEvent

from .filters import local_zone
from .percentiles import percentile

if TYPE_CHECKING:
    from .filters import Filters

ANSWER_WITHIN = timedelta(minutes=15)  # the Safety policy's promise (issue 16)
TOUCH_KINDS = (
    TicketEvent.Kind.REPLIED,
    TicketEvent.Kind.NOTE,
    TicketEvent.Kind.CLAIMED,
    TicketEvent.Kind.ASSIGNED,
    TicketEvent.Kind.STATUS,
    TicketEvent.Kind.PRIORITY,
    TicketEvent.Kind.TAGGED,
    TicketEvent.Kind.SAFETY,
)


@dataclass(frozen=True)
class SafetyTicket:
    pk: int
    category: str
    reported_at: datetime
    touched_at: datetime | None  # the first touch, None if nobody touched it yet
    answered_at: datetime | None  # the first human reply from the report on
    closed_at: datetime | None  # resolved without anyone touching it (by the system)

    def wait(self, now: datetime) -> timedelta:
        """Time to first touch; for one not yet touched, the time it has waited so far."""
        end = self.touched_at or self.closed_at or now
        return max(end - self.reported_at, timedelta(0))

    def answered_in_time(self, now: datetime) -> bool | None:
        """Answered within 15 minutes; None while its 15 minutes are still running unanswered."""
        due = self.reported_at + ANSWER_WITHIN
        if self.answered_at is not None and self.answered_at <= due:
            return True
        return False if self.answered_at is not None or now > due else None


@dataclass
class SafetyGroup:
    """The figures of some safety tickets (all of them, one hour of the day, one category).

    Each figure is worked out once, on first use: the group is complete by then (safety_summary)."""

    now: datetime
    tickets: list[SafetyTicket] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.tickets)

    @cached_property
    def touched(self) -> list[SafetyTicket]:
        return [ticket for ticket in self.tickets if ticket.touched_at is not None]

    @cached_property
    def untouched(self) -> list[SafetyTicket]:
        return [ticket for ticket in self.tickets if ticket.touched_at is None]

    @cached_property
    def median_touch(self) -> timedelta | None:
        """The median time to first touch of the touched tickets (the others have no time yet)."""
        seconds = sorted(ticket.wait(self.now).total_seconds() for ticket in self.touched)
        middle = percentile(seconds, 0.5)
        return None if middle is None else timedelta(seconds=middle)

    @cached_property
    def worst(self) -> SafetyTicket | None:
        """The longest time to first touch, a ticket still waiting included."""
        return max(self.tickets, key=lambda ticket: (ticket.wait(self.now), -ticket.pk), default=None)

    @property
    def worst_wait(self) -> timedelta | None:
        worst = self.worst
        return None if worst is None else worst.wait(self.now)

    @cached_property
    def answered(self) -> int:
        return sum(ticket.answered_in_time(self.now) is True for ticket in self.tickets)

    @cached_property
    def due(self) -> int:
        """Tickets answered, or whose 15 minutes are up: the "N" of "n of N"."""
        return sum(ticket.answered_in_time(self.now) is not None for ticket in self.tickets)

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.due if self.due else None


@dataclass
class SafetySummary:
    all: SafetyGroup
    by_hour: list[SafetyGroup]  # 24, local hour of the report
    by_category: list[tuple[str, SafetyGroup]]  # (category name, group), in the detector's order


def safety_summary(tickets: list[SafetyTicket], now: datetime) -> SafetySummary:
    """The figures in all, by local hour of the report and by category. Pure: no database."""
    zone = local_zone()
    summary = SafetySummary(SafetyGroup(now, list(tickets)), [SafetyGroup(now) for _ in range(24)], [])
    by_category = {}
    for ticket in tickets:
        summary.by_hour[ticket.reported_at.astimezone(zone).hour].tickets.append(ticket)
        by_category.setdefault(ticket.category, SafetyGroup(now)).tickets.append(ticket)
    order = list(CATEGORY_NAMES)
    for category in sorted(by_category, key=lambda c: (order.index(c) if c in order else len(order), c)):
        summary.by_category.append((CATEGORY_NAMES.get(category, category), by_category[category]))
    return summary


def safety_tickets(filters: Filters) -> list[SafetyTicket]:
    """The safety tickets that arrived in the range (and match the filters), with their report,
    first touch and first human reply: three queries."""
    start, end = filters.bounds()
    chosen = filters.on_tickets(
        Ticket.objects.exclude(safety="").filter(created_at__gte=start, created_at__lt=end)
    )
    rows = list(
        chosen.order_by("created_at", "pk").values_list("pk", "safety", "created_at", "status", "resolved_at")
    )
    if not rows:
        return []
    reports, replies = _reports_and_replies(chosen)
    touches = _touches(chosen)
    result = []
    for pk, category, created_at, status, resolved_at in rows:
        reported_at = reports.get(pk, created_at)
        answered_at = min((at for at in replies.get(pk, ()) if at >= reported_at), default=None)
        touched_at = min(
            (at for at in [*touches.get(pk, ()), answered_at] if at is not None and at >= reported_at),
            default=None,
        )
        closed_at = resolved_at if status == Ticket.Status.RESOLVED and touched_at is None else None
        result.append(SafetyTicket(pk, category, reported_at, touched_at, answered_at, closed_at))
    return result


def _reports_and_replies(chosen):
    """({ticket: first flagged report's time}, {ticket: [human replies' times]})."""
    messages = Message.objects.filter(ticket__in=chosen.values("pk"), is_automatic=False).filter(
        Q(direction=Message.Direction.INBOUND, context__has_key="safety")
        | Q(direction=Message.Direction.OUTBOUND)
    )
    reports, replies = {}, {}
    rows = messages.order_by().values_list("ticket_id", "direction", "sent_at", "delivery_state")
    for ticket_id, direction, sent_at, delivery_state in rows:
        if direction == Message.Direction.INBOUND:
            reports[ticket_id] = min(sent_at, reports.get(ticket_id, sent_at))
        elif delivery_state != Message.Delivery.FAILED:
            replies.setdefault(ticket_id, []).append(sent_at)
    return reports, replies


def _touches(chosen):
    """{ticket: [times of timeline entries a person made]}."""
    events = TicketEvent.objects.filter(
        ticket__in=chosen.values("pk"), actor__isnull=False, kind__in=TOUCH_KINDS
    )
    touches = {}
    rows = events.order_by().values_list("ticket_id", "data__reason", "created_at")
    for ticket_id, reason, created_at in rows:
        # An entry with a reason followed from something else, though it names who did that: the
        # key-account routing of an organization's change, the priority a report or critical care sets.
        if reason is not None:
            continue
        touches.setdefault(ticket_id, []).append(created_at)
    return touches
