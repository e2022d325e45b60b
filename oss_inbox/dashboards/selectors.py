"""The dashboard's numbers over a period: read from DailyRollup and TicketFact (see rollup.py).

Each function takes the filters and `now`, and costs a handful of queries whatever the size of
the history: rollup rows are one per day and dimension, facts are read through their date indexes
and only for the chosen range; percentiles stay in PostgreSQL (`percentiles.py`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet, Sum

from oss_inbox.staff.roles import AGENT

from .filters import local_midnight, local_today, local_zone
from .models import COUNT_FIELDS, FIRST_RESPONSE, HOURS, RESOLUTION, DailyRollup, TicketFact, hour_field
from .percentiles import ALL, percentiles_by

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from .filters import Filters

FIRST_RESPONSE, RESOLUTION = tuple(FIRST_RESPONSE), tuple(RESOLUTION)

# A response unanswered past its due time: (kind, channel, assignee id, local day).
Missed = tuple[str, str, int, date]
# {ALL or (group field, value): {measure: [seconds, one per fraction]}} (percentiles.percentiles_by).
Percentiles = dict[str | tuple[str, object], dict[str, list[float | None]]]


@dataclass
class Compliance:
    """Responses within SLA: met, answered late, and still unanswered past their due time."""

    met: int = 0
    late: int = 0
    missed_open: int = 0

    @property
    def decided(self) -> int:
        return self.met + self.late + self.missed_open

    @property
    def share(self) -> float | None:
        return self.met / self.decided if self.decided else None


def periods(filters: Filters, now: datetime) -> dict[str, tuple[date, date]]:
    """{name: (first day, last day)}: today, the last 7 and 30 days, and the chosen range."""
    today = local_today(now)
    return {
        "today": (today, today),
        "7 days": (today - timedelta(days=6), today),
        "30 days": (today - timedelta(days=29), today),
        "range": (filters.start, filters.end),
    }


def missed_so_far(filters: Filters, now: datetime, first_day: date, last_day: date) -> list[Missed]:
    """[(kind, channel, assignee id, local day)] of responses unanswered past their due time.

    A first response counts on the day its target fell due (as met and late ones do in the
    rollup), so a ticket breached this morning is today's miss, not the arrival day's. A ticket
    resolved without a reply before its due time needed none; resolved after it, the promise was
    already broken. Follow-ups count on the day the customer wrote; resolving or pending ends
    them. Live: these change with `now`, not with the tickets.
    """
    start, end = local_midnight(first_day), local_midnight(last_day + timedelta(days=1))
    facts, zone = filters.on_derived(TicketFact.objects.all()), local_zone()
    unanswered = facts.filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__gt=F("first_response_due_at")),
        first_response_at__isnull=True,
        first_response_due_at__lte=now,
        first_response_due_at__gte=start,
        first_response_due_at__lt=end,
    ).values_list("channel", "assignee_id", "first_response_due_at")
    follow_ups = facts.filter(open_turn_due_at__lte=now, open_turn_at__gte=start, open_turn_at__lt=end)
    missed = [
        ("first_response", channel, agent, at.astimezone(zone).date()) for channel, agent, at in unanswered
    ]
    missed += [
        ("next_response", channel, agent, at.astimezone(zone).date())
        for channel, agent, at in follow_ups.values_list("channel", "assignee_id", "open_turn_at")
    ]
    return missed


def covered_days(filters: Filters, now: datetime) -> tuple[date, date]:
    """(first, last) local day of everything the page shows: the range and the fixed periods."""
    spans = periods(filters, now).values()
    return min(first for first, _ in spans), max(last for _, last in spans)


def compliance(
    filters: Filters, now: datetime, missed: list[Missed] | None = None
) -> dict[str, dict[str, dict[str, Compliance]]]:
    """{"first_response" | "next_response": {channel or ALL: {period: Compliance}}}.

    Met and late responses come from the rollup; unanswered ones past due from `missed`
    (missed_so_far() over at least covered_days(); looked up here when not given).
    """
    spans = periods(filters, now)
    low, high = covered_days(filters, now)

    def blank():
        return {name: Compliance() for name in spans}

    # The "all channels" row is there even with nothing to count.
    result = {kind: defaultdict(blank, {ALL: blank()}) for kind in ("first_response", "next_response")}
    for channel, kind, name, met, late in _answered(filters, spans, low, high):
        for group in (ALL, channel):
            result[kind][group][name].met += met
            result[kind][group][name].late += late
    if missed is None:
        missed = missed_so_far(filters, now, low, high)
    for kind, channel, _, day in missed:
        for name in [name for name, (first, last) in spans.items() if first <= day <= last]:
            for group in (ALL, channel):
                result[kind][group][name].missed_open += 1
    return {kind: dict(by_group) for kind, by_group in result.items()}


def _answered(filters, spans, low, high):
    """[(channel, kind, period, met, late)] from one rollup query with a sum per period."""
    sums = {
        f"{kind}_{outcome}__{index}": Sum(f"{kind}_{outcome}", filter=Q(day__range=span))
        for index, span in enumerate(spans.values())
        for kind in ("first_response", "next_response")
        for outcome in ("met", "late")
    }
    rows = filters.on_derived(DailyRollup.objects.filter(day__range=(low, high)))
    return [
        (row["channel"], kind, name, row[f"{kind}_met__{index}"] or 0, row[f"{kind}_late__{index}"] or 0)
        for row in rows.values("channel").annotate(**sums).order_by()
        for kind in ("first_response", "next_response")
        for index, name in enumerate(spans)
    ]


def answered_facts(filters: Filters) -> QuerySet[TicketFact]:
    """The facts of the tickets that arrived in the range and were answered."""
    start, end = filters.bounds()
    return filters.on_derived(
        TicketFact.objects.filter(
            created_at__gte=start, created_at__lt=end, first_response_seconds__isnull=False
        )
    )


def first_response_percentiles(filters: Filters) -> Percentiles:
    """Percentiles of first-response times of tickets that arrived in the range, in all, per
    channel and (the median of calendar time only) per assignee."""
    start, end = filters.bounds()
    answered = answered_facts(filters)
    # Agents: the page shows their median first response only.
    shown = {"assignee_id": {"first_response_seconds": (0.5,)}}
    over = ("created_at", start, end)  # the ranks are selected, not sorted (percentiles.py)
    return percentiles_by(answered, ["channel", "assignee_id"], FIRST_RESPONSE, over=over, shown=shown)


def resolution_percentiles(filters: Filters) -> Percentiles:
    """Percentiles of resolution times of tickets resolved in the range, in all and per channel."""
    start, end = filters.bounds()
    resolved = filters.on_derived(
        TicketFact.objects.filter(
            resolved_at__gte=start, resolved_at__lt=end, resolution_seconds__isnull=False
        )
    )
    return percentiles_by(resolved, ["channel"], RESOLUTION, over=("resolved_at", start, end))


def response_times(
    filters: Filters, first: Percentiles | None = None, resolution: Percentiles | None = None
) -> dict[str, dict[str, list[float | None]]]:
    """{channel or ALL: {measure: [median, 90th percentile] in seconds}} over the range.

    First responses of tickets that arrived in the range; resolutions made in the range.
    """
    first = first if first is not None else first_response_percentiles(filters)
    resolution = resolution if resolution is not None else resolution_percentiles(filters)
    channels = sorted({key[1] for key in [*first, *resolution] if key != ALL and key[0] == "channel"})
    empty = {measure: [None, None] for measure in FIRST_RESPONSE + RESOLUTION}
    return {
        group: {**empty, **first.get(key, {}), **resolution.get(key, {})}
        for group, key in [(ALL, ALL), *[(channel, ("channel", channel)) for channel in channels]]
    }


@dataclass
class Day:
    day: object
    counts: dict  # the DailyRollup counts summed over the filters
    backlog: int  # open tickets at the end of the day
    first_response: Compliance


@dataclass
class Trends:
    days: list
    heatmap: list = field(default_factory=list)  # 7 weekdays (Monday first) x 24 local hours
    messages_in: int = 0
    messages_in_uncovered: int = 0


def trends(filters: Filters, now: datetime, missed: list[Missed] | None = None) -> Trends:
    """Per local day of the range: volume, backlog at the end of the day, first responses within
    SLA; and inbound messages by hour of week for the coverage heatmap."""
    rollup = filters.on_derived(DailyRollup.objects.all())
    by_day, backlog = _daily_sums(rollup, filters), _backlog_before(rollup, filters.start)
    unanswered = defaultdict(int)
    for kind, _, _, day in _in_range(filters, now, missed):
        unanswered[day] += kind == "first_response"
    result = Trends([], [[0] * 24 for _ in range(7)])
    for day in (filters.start + timedelta(days=offset) for offset in range(filters.days)):
        counts = by_day.get(day) or dict.fromkeys(COUNT_FIELDS, 0)
        backlog += counts["tickets_created"] - counts["tickets_resolved"]
        met, late = counts["first_response_met"], counts["first_response_late"]
        result.days.append(Day(day, counts, backlog, Compliance(met, late, unanswered[day])))
        for hour in HOURS:
            result.heatmap[day.weekday()][hour] += counts[hour_field(hour)]
        result.messages_in += counts["messages_in"]
        result.messages_in_uncovered += counts["messages_in_uncovered"]
    return result


def _daily_sums(rollup, filters):
    rows = rollup.filter(day__range=(filters.start, filters.end)).values("day")
    sums = rows.annotate(**{name: Sum(name) for name in COUNT_FIELDS}).order_by()
    return {row["day"]: {name: row[name] or 0 for name in COUNT_FIELDS} for row in sums}


def _backlog_before(rollup, first_day):
    """Tickets created before the day and not resolved before it (each ticket counts once in
    each column, by its final resolution)."""
    before = rollup.filter(day__lt=first_day).aggregate(
        created=Sum("tickets_created"), resolved=Sum("tickets_resolved")
    )
    return (before["created"] or 0) - (before["resolved"] or 0)


@dataclass
class AgentRow:
    user_id: int
    name: str
    open: int = 0
    resolved: int = 0
    replies: int = 0
    first_response: Compliance = field(default_factory=Compliance)
    median_first_response: float | None = None
    last_active: object = None


def agents(
    filters: Filters,
    now: datetime,
    *,
    staff: Iterable[User],
    open_by_assignee: dict[int, dict[str, int]],
    active: dict[int, datetime],
    missed: list[Missed] | None = None,
    first: Percentiles | None = None,
) -> list[AgentRow]:
    """One row per person in the team (or the chosen agent) over the range, busiest first.

    Agents always have a row (an idle one is news too); others only when they took part.
    """
    totals = _agent_totals(filters)
    first = first if first is not None else first_response_percentiles(filters)
    unanswered = defaultdict(int)
    for kind, _, agent, _ in _in_range(filters, now, missed):
        unanswered[agent] += kind == "first_response"
    agent_ids = set(get_user_model().objects.filter(groups__name=AGENT).values_list("pk", flat=True))
    rows = []
    for user_id, name in _people(filters, staff, set(totals) | set(open_by_assignee)):
        total = totals.get(user_id, {})
        row = AgentRow(
            user_id,
            name,
            open=sum(open_by_assignee.get(user_id, {}).values()),
            resolved=total.get("resolved") or 0,
            replies=total.get("replies") or 0,
            first_response=Compliance(total.get("met") or 0, total.get("late") or 0, unanswered[user_id]),
            median_first_response=first.get(("assignee_id", user_id), {}).get(
                "first_response_seconds", [None]
            )[0],
            last_active=active.get(user_id),
        )
        if (
            user_id in agent_ids
            or row.open
            or row.resolved
            or row.replies
            or row.first_response.decided
            or row.last_active
        ):
            rows.append(row)
    return sorted(rows, key=lambda row: (-row.open, -row.resolved, row.name))


def _agent_totals(filters):
    rollup = filters.on_derived(DailyRollup.objects.filter(day__range=(filters.start, filters.end)))
    rows = rollup.values("assignee_id").annotate(
        resolved=Sum("tickets_resolved"),
        replies=Sum("messages_out"),
        met=Sum("first_response_met"),
        late=Sum("first_response_late"),
    )
    return {row["assignee_id"]: row for row in rows.order_by()}


def _in_range(filters, now, missed):
    if missed is None:
        return missed_so_far(filters, now, filters.start, filters.end)
    return [item for item in missed if filters.start <= item[3] <= filters.end]


def _people(filters, staff, seen_ids):
    """[(user id, name)]: the team plus anyone else with tickets; only the chosen agent if any."""
    names = {user.pk: user.get_full_name() or user.get_username() for user in staff}
    others = seen_ids - set(names) - {0}
    for user in get_user_model().objects.filter(pk__in=others):
        names[user.pk] = user.get_full_name() or user.get_username()
    if filters.agent is not None:
        return [(filters.agent, names.get(filters.agent, "Unassigned"))] if filters.agent in names else []
    return sorted(names.items(), key=lambda item: item[1].lower())
