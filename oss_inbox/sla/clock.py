"""Coverage time: how much of a span the support team is on duty, and when a target runs out.

Pure functions over aware datetimes and a weekly `Schedule` in a time zone; no Django, no ORM.

Rules:
- Windows are local wall-clock times in the schedule's zone. An end of 00:00 is midnight at the
  end of the day; an end earlier than its start runs overnight into the next day. A window belongs
  to the date it starts on: an override (a holiday, special hours) replaces that date's windows,
  but not an overnight window that began the evening before.
- Lengths are real elapsed time. A nonexistent wall time (in a spring-forward gap) moves forward
  to the end of the gap; an ambiguous one (fall-back) takes its first occurrence (fold=0).
- Inputs are instants: they must be aware and are read at their UTC value. Results are in UTC.
- Coverage is the union of half-open intervals [opens, closes); adjacent windows make one stretch.
- coverage_between(start, end) with end before start is minus coverage_between(end, start), so
  additivity holds whatever the order of the three instants.

Why it is fast: instants are integer microseconds since the epoch; each local date's windows
become UTC intervals once per schedule (cached on the instance), by plain arithmetic on days
whose UTC offset does not change; whole Monday-to-Sunday weeks inside a long span count as one
cached total. The caches only ever gain entries computed from immutable data, so threads can
share a schedule (a race computes the same value twice).
"""

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

_UTC = UTC
_EPOCH = datetime(1970, 1, 1, tzinfo=_UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_ONE_US = timedelta(microseconds=1)
_DAY_US = 86_400_000_000
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Weekly windows recur every week, so two years with no coverage past the last override means
# the schedule has none; the bound turns an endless search into an error.
_NO_COVERAGE_DAYS = 731
# DST can only close a gap between windows (both ends move to the same instant), never open
# one, so a weekly gap shows in every week without a DST change: three weeks past the last
# override are enough to see it.
_CHANGE_HORIZON_DAYS = 22


class Schedule:
    """Weekly coverage windows in one time zone, with per-date overrides. Immutable by convention.

    `weekly` maps a weekday (0=Monday..6) to [(start, end), ...] of `datetime.time`; `overrides`
    maps a `date` to the windows that replace its weekly ones ([] = closed all day).
    """

    def __init__(self, tz, weekly, overrides=None):
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        if not isinstance(self.tz, tzinfo):
            raise ValueError(f"tz must be a time zone name or a tzinfo, got {tz!r}")
        self._weekly = _parse_weekly(weekly)
        self._overrides = _parse_overrides(overrides or {})
        self._check_overnight_spills()
        self._last_override = max(self._overrides, default=0)
        self._nominal_week = sum(end - start for day in self._weekly for start, end in day)
        self._key = (str(self.tz), self._weekly, tuple(sorted(self._overrides.items())))
        self._days, self._weeks = {}, {}

    @classmethod
    def always(cls):
        """Covered around the clock, every day, in UTC."""
        return cls("UTC", {day: [(time(0), time(0))] for day in range(7)})

    @property
    def weekly(self):
        """{weekday: ((start, end), ...)} as wall-clock times, the form the constructor takes."""
        return {day: _as_times(windows) for day, windows in enumerate(self._weekly) if windows}

    @property
    def overrides(self):
        """{date: ((start, end), ...)}; an empty tuple is a day closed by override."""
        return {date.fromordinal(day): _as_times(windows) for day, windows in sorted(self._overrides.items())}

    def __eq__(self, other):
        return isinstance(other, Schedule) and self._key == other._key

    def __hash__(self):
        return hash(self._key)

    def __repr__(self):
        return f"<Schedule {self.tz} with {len(self._overrides)} overrides>"

    def _check_overnight_spills(self):
        """An overnight window must end before the next day's first window starts."""
        for day in range(7):
            _check_spill(
                _WEEKDAYS[day], self._weekly[day], _WEEKDAYS[(day + 1) % 7], self._weekly[(day + 1) % 7]
            )
        for ordinal in self._overrides:
            for day in (ordinal - 1, ordinal):
                _check_spill(
                    self._label(day), self._windows_on(day), self._label(day + 1), self._windows_on(day + 1)
                )

    def _label(self, ordinal):
        day = date.fromordinal(ordinal)
        kind = "override" if ordinal in self._overrides else _WEEKDAYS[day.weekday()]
        return f"{day.isoformat()} ({kind})"

    def _windows_on(self, ordinal):
        windows = self._overrides.get(ordinal)
        return self._weekly[(ordinal - 1) % 7] if windows is None else windows

    def _local_ordinal(self, moment):
        return moment.astimezone(self.tz).toordinal()

    def _day(self, ordinal):
        """The date's windows as sorted, non-empty UTC intervals in microseconds (cached)."""
        intervals = self._days.get(ordinal)
        if intervals is None:
            intervals = self._days[ordinal] = self._build_day(ordinal)
        return intervals

    def _build_day(self, ordinal):
        windows = self._windows_on(ordinal)
        if not windows:
            return ()
        if self._offset_steady(ordinal, ordinal + 1):
            # One offset from this midnight past the end of any overnight spill: plain arithmetic.
            midnight = (ordinal - _EPOCH_ORDINAL) * _DAY_US - _midnight_offset(self.tz, ordinal)
            return tuple((midnight + start, midnight + end) for start, end in windows)
        pairs = [(self._wall_to_us(ordinal, start), self._wall_to_us(ordinal, end)) for start, end in windows]
        return tuple((start, end) for start, end in pairs if end > start)  # drop ones in a gap

    def _week_total(self, monday):
        """Real coverage of the windows of the seven dates from `monday` (cached)."""
        total = self._weeks.get(monday)
        if total is None:
            if self._is_plain_week(monday):
                total = self._nominal_week
            else:
                total = sum(end - start for day in range(monday, monday + 7) for start, end in self._day(day))
            self._weeks[monday] = total
        return total

    def _is_plain_week(self, monday):
        """No override, and one UTC offset from Monday 00:00 until the spill after Sunday ends."""
        if any(day in self._overrides for day in range(monday, monday + 7)):
            return False
        return self._offset_steady(monday, monday + 7)

    def _offset_steady(self, first, last):
        """Whether the UTC offset at each midnight from `first` to `last` + 1 is the same."""
        years = range(date.fromordinal(first).year, date.fromordinal(last).year + 1)
        return not any(first <= day <= last for year in years for day in _offset_change_days(self.tz, year))

    def _wall_to_us(self, ordinal, since_midnight):
        """The instant of a wall time `since_midnight` µs after the date's midnight (may spill)."""
        extra_days, of_day = divmod(since_midnight, _DAY_US)
        # fold=0: an ambiguous time's first occurrence.
        wall = datetime.combine(date.fromordinal(ordinal + extra_days), _time_of(of_day), tzinfo=self.tz)
        instant = (wall - _EPOCH) // _ONE_US
        if _from_us(instant).astimezone(self.tz).replace(tzinfo=None) == wall.replace(tzinfo=None):
            return instant
        return self._gap_end(instant, (wall.replace(fold=1) - _EPOCH) // _ONE_US)

    def _gap_end(self, one_reading, other_reading):
        """The instant a spring-forward gap ends, between the two readings of a wall time in it.

        zoneinfo exposes no transition list, so bisect on the UTC offset; this runs only for
        window ends that fall in a gap, a few times a year, and the result is cached.
        """
        before, after = sorted((one_reading, other_reading))
        offset_after = self._offset_at(after)
        while after - before > 1:
            middle = (before + after) // 2
            if self._offset_at(middle) == offset_after:
                after = middle
            else:
                before = middle
        return after

    def _offset_at(self, instant):
        return _from_us(instant).astimezone(self.tz).utcoffset()


@lru_cache(maxsize=512)
def _offset_change_days(tz, year):
    """Ordinals of the year's dates whose midnight UTC offset differs from the next midnight's.

    A DST change falls between those two midnights. Scanning a year once per zone (cached for
    every schedule in that zone) is cheaper than asking the zone about each date or week.
    """
    first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
    offsets = [_midnight_offset(tz, day) for day in range(first, last + 2)]
    return tuple(first + index for index in range(last - first + 1) if offsets[index] != offsets[index + 1])


def _midnight_offset(tz, ordinal):
    """The UTC offset in µs at the date's 00:00 (before the change if midnight is in a gap)."""
    return datetime.combine(date.fromordinal(ordinal), time(0), tzinfo=tz).utcoffset() // _ONE_US


def add_coverage_time(start, duration, schedule):
    """The earliest instant t >= start with coverage_between(start, t) == duration, in UTC.

    Steps: walk the local dates from the day before `start` (its overnight window may still be
    open); skip each whole later week whose total is less than what remains; within a day,
    spend the remainder window by window and stop inside the window where it runs out.
    """
    remaining = _duration_us(duration)
    moment = _instant_us(start, "start")
    if remaining == 0:
        return _from_us(moment)
    first_day = schedule._local_ordinal(start)
    day = last_covered = first_day - 1
    while day - last_covered <= _NO_COVERAGE_DAYS or day <= schedule._last_override:
        if day % 7 == 1 and day > first_day:  # a Monday wholly after start
            week = schedule._week_total(day)
            if week < remaining:
                remaining -= week
                last_covered, day = (day if week else last_covered), day + 7
                continue
        intervals = schedule._day(day)
        due, remaining = _spend(intervals, moment, remaining)
        if due is not None:
            return _from_us(due)
        last_covered, day = (day if intervals else last_covered), day + 1
    raise ValueError(f"schedule has no coverage after {start.isoformat()}")


def _spend(intervals, moment, remaining):
    """Spend `remaining` µs of coverage on intervals after `moment`: (due or None, left)."""
    for opens, closes in intervals:
        if closes > moment:
            opens = max(opens, moment)
            if remaining <= closes - opens:  # a target used up at closing is due at closing
                return opens + remaining, 0
            remaining -= closes - opens
    return None, remaining


def coverage_between(start, end, schedule):
    """Covered time between two instants; negative when `end` is before `start`."""
    low, high = _instant_us(start, "start"), _instant_us(end, "end")
    if high < low:
        return -coverage_between(end, start, schedule)
    first_day, last_day = schedule._local_ordinal(start), schedule._local_ordinal(end)
    total, day = 0, first_day - 1
    while day <= last_day:
        # A week starting after start's date ends (spill included) by end's date's midnight.
        if day % 7 == 1 and day > first_day and day + 8 <= last_day:
            total += schedule._week_total(day)
            day += 7
            continue
        for opens, closes in schedule._day(day):
            if closes > low and opens < high:
                total += min(closes, high) - max(opens, low)
        day += 1
    return timedelta(microseconds=total)


def is_covered_at(at, schedule):
    """Whether `at` lies in a coverage window: coverage_between(at, at + 1 µs) > 0, in a third of the time.

    Only the windows of `at`'s local date and the date before (an overnight window) can hold it.
    """
    moment = _instant_us(at, "at")
    day = schedule._local_ordinal(at)
    for ordinal in (day - 1, day):
        for opens, closes in schedule._day(ordinal):
            if opens <= moment < closes:
                return True
    return False


def next_coverage_change(at, schedule):
    """The first instant after `at` when coverage opens or closes, and whether it is open then.

    Adjacent windows are one stretch, so a seam between them is no change. Raises ValueError
    when coverage never changes again (open around the clock, or no windows left).
    """
    moment = _instant_us(at, "at")
    first_day = schedule._local_ordinal(at)
    horizon = max(first_day, schedule._last_override) + _CHANGE_HORIZON_DAYS
    open_until = None  # end of the covered stretch holding `at`, once found
    for day in range(first_day - 1, horizon + 1):
        for opens, closes in schedule._day(day):
            if closes <= moment:
                continue
            if open_until is None:
                if opens > moment:
                    return _from_us(opens), True
                open_until = closes
            elif opens > open_until:
                return _from_us(open_until), False
            else:
                open_until = closes
    state = "closed" if open_until is None else "open"
    raise ValueError(f"coverage stays {state} for good after {at.isoformat()}")


def _parse_weekly(weekly):
    unknown = set(weekly) - set(range(7))
    if unknown:
        raise ValueError(f"weekly keys must be weekdays 0 (Monday) to 6, got {sorted(unknown)!r}")
    return tuple(_parse_windows(weekly.get(day, ()), _WEEKDAYS[day]) for day in range(7))


def _parse_overrides(overrides):
    parsed = {}
    for day, windows in overrides.items():
        if isinstance(day, datetime) or not isinstance(day, date):
            raise ValueError(f"override keys must be dates, got {day!r}")
        parsed[day.toordinal()] = _parse_windows(windows, f"{day.isoformat()} (override)")
    return parsed


def _parse_windows(windows, label):
    """Windows as sorted (start, end) µs from midnight; end may pass midnight (up to 48h)."""
    parsed = sorted(_parse_window(start, end, label) for start, end in windows)
    for (start, end), (next_start, next_end) in pairwise(parsed):
        if end > next_start:
            raise ValueError(f"{label} windows {_span(start, end)} and {_span(next_start, next_end)} overlap")
    return tuple(parsed)


def _parse_window(start, end, label):
    for moment in (start, end):
        if not isinstance(moment, time) or moment.tzinfo is not None:
            raise ValueError(f"{label} window times must be plain datetime.time, got {moment!r}")
    start_us, end_us = _time_us(start), _time_us(end)
    if end_us == start_us and end_us != 0:
        raise ValueError(f"{label} window {_span(start_us, end_us)} has zero length")
    if end_us <= start_us:  # ends at midnight, or overnight into the next day
        end_us += _DAY_US
    return start_us, end_us


def _check_spill(label, windows, next_label, next_windows):
    if not windows or not next_windows:
        return
    start, end = windows[-1]  # sorted and disjoint, so the last one ends latest
    next_start, next_end = next_windows[0]
    if end - _DAY_US > next_start:
        raise ValueError(
            f"{label} overnight window {_span(start, end)} runs into the "
            f"{next_label} window {_span(next_start, next_end)}"
        )


def _as_times(windows):
    return tuple((_time_of(start), _time_of(end % _DAY_US)) for start, end in windows)


def _span(start, end):
    return f"{_clock(start)} to {_clock(end)}"


def _clock(since_midnight):
    moment = _time_of(since_midnight % _DAY_US)
    return moment.strftime("%H:%M") if moment.second == moment.microsecond == 0 else str(moment)


def _time_us(moment):
    seconds = (moment.hour * 60 + moment.minute) * 60 + moment.second
    return seconds * 1_000_000 + moment.microsecond


def _time_of(since_midnight):
    seconds, microsecond = divmod(since_midnight, 1_000_000)
    minutes, second = divmod(seconds, 60)
    return time(minutes // 60, minutes % 60, second, microsecond)


def _instant_us(moment, name):
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime, got {moment!r}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")
    return (moment - _EPOCH) // _ONE_US


def _duration_us(duration):
    if not isinstance(duration, timedelta):
        raise TypeError(f"duration must be a timedelta, got {duration!r}")
    if duration < timedelta(0):
        raise ValueError(f"duration must not be negative, got {duration}")
    return duration // _ONE_US


def _from_us(instant):
    return _EPOCH + timedelta(microseconds=instant)


DEFAULT_SOCIAL = Schedule(
    "America/Chicago",
    {
        **{weekday: [(time(7), time(22))] for weekday in range(5)},
        5: [(time(8), time(21))],
        6: [(time(8), time(21))],
    },
)
