"""The post-event report's arithmetic: plain rows in (report_rows.py reads them), figures out. Pure: no
database, no clock (every function is handed `now` or the range), so each figure is tested by hand.

Definitions (docs/storm.md, "After the storm", says them for supervisors):
- Reports per hour: customers' messages read as outage reports (OutageReport) on the report's tickets,
  by the message's kind, in hours of the coverage schedule's zone. Hours are counted in UTC and named
  in local time, so the night the clocks fall back has two "1 AM" hours (-05:00 and -06:00), and the
  night they spring forward has no 2 AM.
- First response: ticket created -> a person's first reply (not automatic, not failed for good, not a
  broadcast update). First update: the ticket joined the incident -> the first broadcast update sent
  to it (its reply sent). Median and p90 as PostgreSQL's percentile_cont (the dashboards' method).
- Updates sent: each broadcast update with its deliveries: sent, failed, skipped, still on the way.
- Backlog: at each sample instant, the tickets in the incident (a link open then) and not resolved.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from oss_inbox.stats import percentile

HOUR = timedelta(hours=1)
# The backlog's sample step: the finest that keeps the curve under MAX_SAMPLES points.
STEPS = [timedelta(minutes=m) for m in (15, 30, 60, 120, 180, 360, 720, 1440)]
MAX_SAMPLES = 200
FOREVER = datetime.max


@dataclass(frozen=True)
class Summary:
    """Durations in seconds: how many were measured, their median and 90th percentile; `missing`: the
    tickets still without one."""

    count: int
    median: float | None
    p90: float | None
    missing: int = 0


@dataclass(frozen=True)
class HourRow:
    start: datetime  # local, aware
    end: datetime
    by_kind: dict  # {message kind: reports}

    @property
    def total(self):
        return sum(self.by_kind.values())


@dataclass
class UpdateCounts:
    """One broadcast update's deliveries: `waiting` is pending, or queued and not yet sent or failed
    (sending, or unknown until reconciled)."""

    sent: int = 0
    failed: int = 0
    skipped: int = 0
    waiting: int = 0
    skip_reasons: dict = field(default_factory=dict)

    @property
    def planned(self):
        return self.sent + self.failed + self.skipped + self.waiting


def summarise(seconds, *, missing=0):
    ordered = sorted(seconds)
    return Summary(len(ordered), percentile(ordered, 0.5), percentile(ordered, 0.9), missing)


def reports_per_hour(counts, zone):
    """{(UTC hour start, message kind): reports} -> one HourRow per hour from the first to the last
    (hours without a report included, with zeros), named in `zone`."""
    if not counts:
        return []
    kinds = sorted({kind for _, kind in counts})
    hours = [hour for hour, _ in counts]
    first, last = min(hours), max(hours)
    rows = []
    hour = first
    while hour <= last:
        by_kind = {kind: counts.get((hour, kind), 0) for kind in kinds}
        rows.append(HourRow(hour.astimezone(zone), (hour + HOUR).astimezone(zone), by_kind))
        hour += HOUR
    return rows


def first_response(created, first_replies):
    """created {ticket: created_at}, first_replies {ticket: a person's first reply's time}."""
    return _waits(created, first_replies)


def first_update(joined, first_updates):
    """joined {ticket: when it joined the incident}, first_updates {ticket: first update sent}."""
    return _waits(joined, first_updates)


def _waits(since, until):
    """The seconds from each ticket's `since` to its `until`; tickets without an `until` are missing."""
    seconds = [
        max(0.0, (until[ticket] - at).total_seconds()) for ticket, at in since.items() if ticket in until
    ]
    return summarise(seconds, missing=len(since) - len(seconds))


def update_counts(rows):
    """[(update id, delivery state, reply's delivery state, skip reason, rows)] -> {update id: counts}."""
    counts = defaultdict(UpdateCounts)
    for update_id, state, reply_state, reason, number in rows:
        tally = counts[update_id]
        if state == "skipped":
            tally.skipped += number
            why = reason or "no reason given"
            tally.skip_reasons[why] = tally.skip_reasons.get(why, 0) + number
        elif state == "queued" and reply_state == "sent":
            tally.sent += number
        elif state == "queued" and reply_state == "failed":
            tally.failed += number
        else:
            tally.waiting += number
    return dict(counts)


def open_spans(created_at, changes, resolved_at=None):
    """When a ticket was unresolved: [(from, until or None)], from its creation and its status changes
    [(at, "resolved" | "reopened")]. A resolved ticket with no change recorded (an imported one) closes
    at `resolved_at`."""
    if not changes and resolved_at is not None:
        return [(created_at, resolved_at)]
    spans, since = [], created_at
    for at, change in sorted(changes, key=lambda pair: pair[0]):
        if change == "resolved" and since is not None:
            spans.append((since, at))
            since = None
        elif change == "reopened" and since is None:
            since = at
    if since is not None:
        spans.append((since, None))
    return spans


def backlog_step(start, end):
    span = end - start
    return next((step for step in STEPS if span / step <= MAX_SAMPLES), STEPS[-1])


def sample_times(start, end, step):
    """Instants from `start` rounded down to the step (in UTC: a quarter-hour there is one in every zone
    we serve) to `end`, and `end` itself: the curve ends on the backlog as it is (an incident ten
    minutes old would otherwise show only the empty quarter-hour before it began)."""
    seconds = step.total_seconds()
    first = datetime.fromtimestamp(start.timestamp() // seconds * seconds, start.tzinfo)
    times, at = [], first
    while at <= end:
        times.append(at)
        at += step
    if times[-1] < end:
        times.append(end)
    return times


def backlog(memberships, spans_by_ticket, times):
    """Open tickets in the incident at each instant of `times`. memberships [(ticket, linked_at,
    unlinked_at or None)]; spans_by_ticket {ticket: open_spans(...)}. One sweep over the changes."""
    deltas = []
    for ticket, linked_at, unlinked_at in memberships:
        for since, until in spans_by_ticket.get(ticket, ()):
            start = max(since, linked_at)
            end = _earliest(until, unlinked_at)
            if end is None or start < end:
                deltas.append((start, 1))
                if end is not None:
                    deltas.append((end, -1))
    deltas.sort(key=lambda pair: pair[0])
    values, level, index = [], 0, 0
    for at in times:
        while index < len(deltas) and deltas[index][0] <= at:
            level += deltas[index][1]
            index += 1
        values.append(level)
    return values


def last_change(memberships, spans_by_ticket):
    """The last moment the backlog may have moved (a ticket joined, left, was resolved or reopened)."""
    moments = [moment for _, linked, unlinked in memberships for moment in (linked, unlinked)]
    moments += [moment for spans in spans_by_ticket.values() for span in spans for moment in span]
    return max(filter(None, moments), default=None)


def _earliest(first, second):
    if first is None:
        return second
    if second is None:
        return first
    return min(first, second)


def etr_history(updates):
    """The timeline's ETR changes: [(at, new ETR or None, status, who)] from updates [(at, etr, status,
    who)] in order; the first entry with an ETR starts it."""
    history, current = [], None
    for at, etr, status, who in updates:
        if etr != current:
            history.append((at, etr, status, who))
            current = etr
    return history


def restoration_seconds(created_at, restored_at):
    if restored_at is None:
        return None
    return max(0.0, (restored_at - created_at).total_seconds())


def duration_words(seconds):
    """ "14 min", "2 h 05 min", "3 d 4 h": a duration for people; "—" when there is none."""
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def hour_words(local):
    """ "Nov 1 1:00 AM CDT": the zone's abbreviation tells apart the two 1 AMs of the night the clocks
    fall back (Django's date filter leaves an ambiguous hour's zone out)."""
    return f"{local:%b} {local.day} {local.hour % 12 or 12}:{local:%M} {local:%p} {local.tzname()}"
