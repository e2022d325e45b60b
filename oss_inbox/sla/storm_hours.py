"""Storm staffing on a coverage schedule: the storm's daily hours on top of the schedule's own, only
between the moment storm mode was turned on and the moment it was turned off.

Pure (no ORM): a storm becomes dated overrides of a `clock.Schedule`, one per local date it covers,
each the union of that date's own windows and the storm's hours, cut at the exact start and end. A
storm still on is extended to `until` (a horizon the caller moves on): the clock knows no "for
ever", and the header treats a change at the horizon as none (`beyond_horizon`).

Windows are counted in µs from the date's midnight, as `clock` stores them; a window of the
schedule's own that runs overnight keeps belonging to its date, so storm hours of the next date
start after it ends (the clock refuses an overnight window that runs into the next date's first).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from . import clock

_DAY = 86_400_000_000
_US = timedelta(microseconds=1)


@dataclass(frozen=True)
class StormSpan:
    """One storm period as the clock needs it (hashable: part of the built schedules' cache key)."""

    starts_at: datetime
    ends_at: datetime | None  # None: still on
    extend_coverage: bool
    opens_at: time | None  # both None: around the clock
    closes_at: time | None
    first_response_target: timedelta | None
    sla_reason: str

    def holds(self, moment: datetime) -> bool:
        return self.starts_at <= moment and (self.ends_at is None or moment < self.ends_at)


def with_storm_hours(schedule: clock.Schedule, spans, until: date) -> clock.Schedule:
    """`schedule` with every coverage-extending span's hours added; the same schedule if none."""
    extending = sorted((span for span in spans if span.extend_coverage), key=lambda span: span.starts_at)
    if not extending:
        return schedule
    overrides = {day: _us_windows(windows) for day, windows in schedule.overrides.items()}
    weekly = {day: _us_windows(windows) for day, windows in schedule.weekly.items()}
    for span in extending:
        _add_span(span, schedule.tz, overrides, weekly, until)
    return clock.Schedule(
        schedule.tz,
        schedule.weekly,
        {day: [_as_times(pair) for pair in _representable(windows)] for day, windows in overrides.items()},
    )


def _add_span(span, tz, overrides, weekly, until):
    first = span.starts_at.astimezone(tz)
    last = span.ends_at.astimezone(tz) if span.ends_at else None
    day, last_day = first.date(), last.date() if last else max(until, first.date())
    while day <= last_day:
        pieces = _storm_pieces(span)
        if day == first.date():
            pieces = _clip(pieces, _since_midnight(first), _DAY)
        if last is not None and day == last.date():
            pieces = _clip(pieces, 0, _since_midnight(last))
        before = _windows(day - timedelta(days=1), overrides, weekly)
        pieces = _clip(pieces, max([end - _DAY for _, end in before] + [0]), _DAY)
        overrides[day] = _merge([*_windows(day, overrides, weekly), *pieces])
        day += timedelta(days=1)


def _windows(day, overrides, weekly):
    found = overrides.get(day)
    return weekly.get(day.weekday(), []) if found is None else found


def _storm_pieces(span):
    """The storm's hours within one date: [(start, end)] µs, none past midnight."""
    if span.opens_at is None or span.closes_at is None:
        return [(0, _DAY)]
    opens, closes = _time_us(span.opens_at), _time_us(span.closes_at)
    if closes > opens:
        return [(opens, closes)]
    # Overnight (or up to midnight): the evening of this date and the small hours of this date.
    return [(0, closes), (opens, _DAY)] if closes else [(opens, _DAY)]


def _clip(pieces, low, high):
    return [(max(start, low), min(end, high)) for start, end in pieces if min(end, high) > max(start, low)]


def _merge(intervals):
    merged = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _representable(windows):
    """A window the clock can read is at most a day long (00:00-00:00 exactly a day): split longer
    ones (the storm's day joined to an own window running overnight) into two adjacent halves."""
    for start, end in windows:
        if end - start >= _DAY and (start, end) != (0, _DAY):
            middle = (start + end) // 2
            yield start, middle
            yield middle, end
        else:
            yield start, end


def _us_windows(windows):
    result = []
    for start, end in windows:
        start_us, end_us = _time_us(start), _time_us(end)
        result.append((start_us, end_us + _DAY if end_us <= start_us else end_us))
    return result


def _as_times(window):
    start, end = window
    return _time_of(start), _time_of(end % _DAY)


def _since_midnight(local):
    return _time_us(local.time())


def _time_us(moment):
    return ((moment.hour * 60 + moment.minute) * 60 + moment.second) * 1_000_000 + moment.microsecond


def _time_of(since_midnight):
    return (datetime.min + since_midnight * _US).time()


def beyond_horizon(moment: datetime | None, until: date, tz) -> bool:
    """Whether a coverage change found at `moment` is only the end of a running storm's horizon."""
    return moment is not None and moment.astimezone(tz).date() >= until
