"""One ticket's measurements, from its row, messages and status changes. Pure: no database.

Definitions (docs/dashboards.md explains them for supervisors):
- First response time: created_at to first_response_at (both kept by the ticket services;
  automatic acknowledgements never count). Within SLA when first_response_at <= first_response_due_at,
  counted on the local day the target fell due: the day the promise was kept or broken, so an
  unanswered ticket past due (selectors.missed_so_far) counts on the same day an answer would have.
- Resolution time: created_at to resolved_at, minus the time spent pending (waiting on the
  customer), as the SLA resolution clock counts it. Pending spans come from the status events.
- Follow-ups (next responses): after our first reply, each run of customer messages answered by
  our next reply. Its clock starts at the run's last message (as the SLA services count it) and
  runs for the policy's next-response target.
- Coverage hours: the same spans counted only while the account's schedule is open.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from oss_inbox.sla import clock

from .models import HOURS, hour_field


@dataclass
class History:
    """What the fact of one ticket is computed from."""

    ticket: object  # a tickets.Ticket with its account loaded
    messages: list = field(default_factory=list)  # [(sent_at, "inbound" | "outbound")], no automatic ones
    status_changes: list = field(default_factory=list)  # [(at, from, to)]


@dataclass(frozen=True)
class FollowUp:
    started_at: datetime  # the customer's last message before our reply
    due_at: datetime
    answered_at: datetime | None


def ticket_fact(history, schedule, next_target, tz):
    """(fact fields, contribution) of one ticket: see TicketFact and DailyRollup."""
    ticket = history.ticket
    fields = {
        "source_updated_at": ticket.updated_at,
        "created_at": ticket.created_at,
        "status": ticket.status,
        "resolved_at": ticket.resolved_at if ticket.status == "resolved" else None,
        "channel": ticket.account.kind,
        "assignee_id": ticket.assignee_id or 0,
        "is_key_account": ticket.is_key_account,
        "first_response_at": ticket.first_response_at,
        "first_response_due_at": ticket.first_response_due_at,
    }
    fields.update(first_response_times(ticket, schedule))
    fields.update(resolution_times(ticket, history.status_changes, schedule))
    follow_ups = follow_up_turns(history.messages, next_target)
    open_turn = follow_ups[-1] if follow_ups and follow_ups[-1].answered_at is None else None
    waiting = open_turn is not None and ticket.status in ("new", "open")  # pending pauses, resolved ends it
    fields["open_turn_at"] = open_turn.started_at if waiting else None
    fields["open_turn_due_at"] = open_turn.due_at if waiting else None
    fields["contribution"] = contribution(fields, history.messages, follow_ups, schedule, tz)
    return fields


def first_response_times(ticket, schedule):
    if ticket.first_response_at is None:
        return {"first_response_seconds": None, "first_response_coverage_seconds": None}
    return {
        "first_response_seconds": _seconds(ticket.first_response_at - ticket.created_at),
        "first_response_coverage_seconds": _seconds(
            clock.coverage_between(ticket.created_at, ticket.first_response_at, schedule)
        ),
    }


def resolution_times(ticket, status_changes, schedule):
    if ticket.status != "resolved" or ticket.resolved_at is None:
        return {"resolution_seconds": None, "resolution_coverage_seconds": None}
    start, end = ticket.created_at, ticket.resolved_at
    pauses = pending_pauses(status_changes, start, end)
    calendar = (end - start) - sum((until - since for since, until in pauses), timedelta(0))
    covered = clock.coverage_between(start, end, schedule) - sum(
        (clock.coverage_between(since, until, schedule) for since, until in pauses), timedelta(0)
    )
    return {"resolution_seconds": _seconds(calendar), "resolution_coverage_seconds": _seconds(covered)}


def pending_pauses(status_changes, start, end):
    """The spans the ticket was pending, clipped to [start, end]; one still running ends at `end`."""
    pauses, since = [], None
    for at, _, to in sorted(status_changes, key=lambda change: change[0]):
        if to == "pending" and since is None:
            since = at
        elif to != "pending" and since is not None:
            pauses.append((since, at))
            since = None
    if since is not None:
        pauses.append((since, end))
    clipped = [(max(since, start), min(until, end)) for since, until in pauses]
    return [(since, until) for since, until in clipped if until > since]


def follow_up_turns(messages, target):
    """Each follow-up after our first reply, with its due time and when we answered (or None)."""
    if target is None:
        return []
    turns, replied_once, waiting_from = [], False, None
    for sent_at, direction in sorted(messages):
        if direction == "outbound":
            if waiting_from is not None:
                turns.append(FollowUp(waiting_from, target.due(waiting_from), sent_at))
            replied_once, waiting_from = True, None
        elif replied_once:
            waiting_from = sent_at  # a later message restarts the clock, as in the SLA services
    if waiting_from is not None:
        turns.append(FollowUp(waiting_from, target.due(waiting_from), None))
    return turns


def contribution(fields, messages, follow_ups, schedule, tz):
    """{day: {rollup field: count}} that this ticket adds to DailyRollup."""
    days = defaultdict(lambda: defaultdict(int))
    days[_day(fields["created_at"], tz)]["tickets_created"] += 1
    if fields["resolved_at"] is not None:
        days[_day(fields["resolved_at"], tz)]["tickets_resolved"] += 1
    if fields["first_response_at"] is not None and fields["first_response_due_at"] is not None:
        met = fields["first_response_at"] <= fields["first_response_due_at"]
        outcome = "first_response_met" if met else "first_response_late"
        days[_day(fields["first_response_due_at"], tz)][outcome] += 1
    for sent_at, direction in messages:
        _count_message(days, sent_at, direction, schedule, tz)
    for turn in follow_ups:
        if turn.answered_at is not None:
            met = turn.answered_at <= turn.due_at
            days[_day(turn.started_at, tz)]["next_response_met" if met else "next_response_late"] += 1
    return {day: dict(counts) for day, counts in sorted(days.items())}


def _count_message(days, sent_at, direction, schedule, tz):
    day, hour = _local_day_hour(sent_at, tz)
    counts = days[day]
    if direction == "outbound":
        counts["messages_out"] += 1
        return
    counts["messages_in"] += 1
    counts[_HOUR_FIELDS[hour]] += 1
    if not clock.is_covered_at(sent_at, schedule):
        counts["messages_in_uncovered"] += 1


_HOUR_FIELDS = [hour_field(hour) for hour in HOURS]
_HOUR = timedelta(hours=1)
_ONE_US = timedelta(microseconds=1)
# {tz: {UTC hour as ordinal * 24 + hour: (local ISO date, local hour), or None}}: a first fill
# asks for the local date of ~15 million instants; a time zone's offset changes a few times a year.
_local_hours = {}


def _day(moment, tz):
    return _local_day_hour(moment, tz)[0]


def _local_day_hour(moment, tz):
    """(ISO date, hour) of the instant's local time in `tz`."""
    if moment.tzinfo is UTC:
        cache = _local_hours.get(tz)
        if cache is None:
            cache = _local_hours[tz] = {}
        key = moment.toordinal() * 24 + moment.hour
        found = cache.get(key, False)
        if found is False:
            found = cache[key] = _whole_hour(moment, tz)
        if found is not None:
            return found
    local = moment.astimezone(tz)
    return local.date().isoformat(), local.hour


def _whole_hour(moment, tz):
    """The local (ISO date, hour) of the UTC hour holding `moment`, if every instant in it has
    the same: one offset through the hour, a whole number of hours (else None: not cached)."""
    start = moment.replace(minute=0, second=0, microsecond=0)
    first, last = start.astimezone(tz), (start + _HOUR - _ONE_US).astimezone(tz)
    offset = first.utcoffset()
    if offset != last.utcoffset() or offset % _HOUR:
        return None
    return first.date().isoformat(), first.hour


def _seconds(delta):
    return int(delta.total_seconds())
