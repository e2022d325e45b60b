"""The "Now" section: read live from the tickets through their open-ticket indexes.

Every query here is bounded by the open tickets (or the last hours of activity), never by the
history: the partial index on open tickets' due times, the (assignee, status) index and the
updated_at index do the narrowing.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Count, DateTimeField, F, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from oss_inbox.sla import clock
from oss_inbox.tickets.models import OPEN_STATUSES, Message, Ticket, TicketEvent

ALERT_LIMIT = 20
# Someone who claimed, replied, assigned or changed a status this recently is on shift.
ON_SHIFT_WINDOW = timedelta(hours=2)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class OpenCounts:
    by_channel: dict  # {channel: {status: n}}
    by_assignee: dict  # {user id: {status: n}}
    unassigned: int
    total: int


def open_counts(filters):
    """Open tickets by channel, status and assignee, from one grouped query."""
    tickets = filters.on_tickets(Ticket.objects.filter(status__in=OPEN_STATUSES))
    rows = tickets.values("account__kind", "status", "assignee_id").annotate(count=Count("id")).order_by()
    counts = OpenCounts(defaultdict(lambda: defaultdict(int)), defaultdict(lambda: defaultdict(int)), 0, 0)
    for row in rows:
        counts.by_channel[row["account__kind"]][row["status"]] += row["count"]
        counts.total += row["count"]
        if row["assignee_id"] is None:
            counts.unassigned += row["count"]
        else:
            counts.by_assignee[row["assignee_id"]][row["status"]] += row["count"]
    return counts


@dataclass
class Alerts:
    breached: int
    at_risk: int
    tickets: list  # the most urgent first, each with .alert = "breached" | "at_risk"


def sla_alerts(filters, now, limit=ALERT_LIMIT):
    """Breached and at-risk tickets now, from the stored due and at-risk instants (as the queue)."""
    breached, at_risk = Q(sla_due_at__lte=now), Q(sla_at_risk_at__lte=now, sla_due_at__gt=now)
    running = filters.on_tickets(Ticket.objects.filter(status__in=OPEN_STATUSES)).filter(breached | at_risk)
    counts = running.aggregate(breached=Count("id", filter=breached), at_risk=Count("id", filter=at_risk))
    tickets = list(
        running.select_related("contact", "account", "assignee").order_by("sla_due_at", "id")[:limit]
    )
    for ticket in tickets:
        ticket.alert = "breached" if ticket.sla_due_at <= now else "at_risk"
    return Alerts(counts["breached"], counts["at_risk"], tickets)


def oldest_waiting(filters):
    """The open ticket whose customer has waited longest for us, with `waiting_since` set.

    A customer waits from their first message after our last reply (automatic ones aside);
    pending tickets wait on the customer, so they are left out.
    """
    first_unanswered = (
        Message.objects.filter(
            ticket=OuterRef("pk"),
            direction=Message.Direction.INBOUND,
            is_automatic=False,
            sent_at__gt=Coalesce(OuterRef("last_outbound_at"), Value(_EPOCH, output_field=DateTimeField())),
        )
        .order_by("sent_at")
        .values("sent_at")[:1]
    )
    waiting = filters.on_tickets(
        Ticket.objects.filter(status__in=["new", "open"], last_inbound_at__isnull=False)
    )
    waiting = waiting.filter(Q(last_outbound_at__isnull=True) | Q(last_inbound_at__gt=F("last_outbound_at")))
    waiting = waiting.annotate(waiting_since=Subquery(first_unanswered)).filter(waiting_since__isnull=False)
    return waiting.select_related("contact", "account").order_by("waiting_since", "id").first()


@dataclass(frozen=True)
class CoverageNow:
    name: str
    channels: tuple
    covered: bool
    changes_at: datetime | None


def coverage_now(schedules, now):
    """For each schedule (`sla_access.account_schedules`): open now, and until when."""
    lines = []
    for row, built, members in schedules:
        kinds = tuple(dict.fromkeys(account.get_kind_display() for account in members if account.pk))
        try:
            changes_at, opens = clock.next_coverage_change(now, built)
            covered = not opens
        except ValueError:  # open around the clock, or never again
            changes_at, covered = (
                None,
                clock.coverage_between(now, now + timedelta(minutes=1), built) > timedelta(0),
            )
        lines.append(CoverageNow(row.name, kinds, covered, changes_at))
    return lines


def active_staff(now):
    """{user id: last activity} of people who acted on a ticket in the last ON_SHIFT_WINDOW.

    Every such action also moves the ticket's updated_at, so joining on it keeps the scan to
    recently touched tickets (TicketEvent has no index on its time alone).
    """
    since = now - ON_SHIFT_WINDOW
    events = TicketEvent.objects.filter(
        created_at__gte=since, ticket__updated_at__gte=since, actor__isnull=False
    )
    rows = events.values("actor_id").annotate(last=Max("created_at")).order_by()
    return {row["actor_id"]: row["last"] for row in rows}
