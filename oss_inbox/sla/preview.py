"""The editor's preview: covered hours of the next days under a draft, beside the saved schedule."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone

from . import clock

PREVIEW_DAYS = 14
_PROBE = timedelta(seconds=1)


@dataclass(frozen=True)
class Stretch:
    left: float  # percent of the day from midnight, for the bar
    width: float
    text: str  # "07:00–22:00"


@dataclass(frozen=True)
class PreviewDay:
    day: object
    label: str
    covered: timedelta
    stretches: tuple
    changed: bool  # differs from the saved schedule


def schedule_preview(draft_schedule, saved_schedule=None, labels=None, now=None):
    """(days, draft total, saved total or None) for the next PREVIEW_DAYS local dates."""
    now = now or timezone.now()
    today = now.astimezone(draft_schedule.tz).date()
    days, saved_total = [], timedelta(0)
    for offset in range(PREVIEW_DAYS):
        day = today + timedelta(days=offset)
        covered, stretches = day_coverage(draft_schedule, day)
        saved = day_coverage(saved_schedule, day)[0] if saved_schedule else covered
        saved_total += saved
        days.append(
            PreviewDay(day, (labels or {}).get(day.isoformat(), ""), covered, stretches, saved != covered)
        )
    total = sum((day.covered for day in days), timedelta(0))
    return days, total, saved_total if saved_schedule else None


def day_coverage(schedule, day):
    """(covered time, stretches) of one local date, walking the schedule's openings and closings."""
    start = datetime.combine(day, time(0), tzinfo=schedule.tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=schedule.tz)
    length = (end - start) / 100
    covered, stretches, cursor = timedelta(0), [], start
    is_open = clock.coverage_between(start, start + _PROBE, schedule) > timedelta(0)
    while cursor < end:
        change = _next_change(cursor, schedule, end)
        if is_open:
            covered += change - cursor
            stretches.append(
                Stretch(
                    (cursor - start) / length, (change - cursor) / length, _span(cursor, change, schedule)
                )
            )
        cursor, is_open = change, not is_open
    return covered, tuple(stretches)


def hours_words(duration):
    """ "15h", "13h 30m", "0h"."""
    minutes = round(duration.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes}m" if minutes else f"{hours}h"


def _next_change(moment, schedule, end):
    try:
        return min(clock.next_coverage_change(moment, schedule)[0], end)
    except ValueError:  # no change ahead: the rest of the day stays as it is
        return end


def _span(start, end, schedule):
    first, last = start.astimezone(schedule.tz), end.astimezone(schedule.tz)
    # A window that ends at the next midnight reads 24:00, not 00:00.
    ends_at_midnight = last.date() > first.date() and last.time() == time(0)
    return f"{first:%H:%M}–{'24:00' if ends_at_midnight else f'{last:%H:%M}'}"
