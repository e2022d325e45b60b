"""Laws of the coverage clock, checked on random schedules in zones with DST changes."""

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from oss_inbox.sla.clock import Schedule, add_coverage_time, coverage_between, next_coverage_change

# Drawing a random schedule costs hypothesis a few milliseconds; 100 examples a law keep the
# file at a few seconds. No deadline: the first call on a fresh schedule fills its caches.
LAWS = settings(max_examples=100, deadline=None)

ZONES = ["UTC", "America/Chicago", "Europe/London", "Australia/Lord_Howe"]
# 2026 DST changes of those zones; instants cluster around them so the laws meet DST days often.
DST_DAYS = [
    date(2026, 3, 8),
    date(2026, 11, 1),
    date(2026, 3, 29),
    date(2026, 10, 25),
    date(2026, 4, 5),
    date(2026, 10, 4),
]
UNIT = 15  # minutes: windows on a quarter-hour grid meet DST changes and each other exactly
DAY_UNITS = 24 * 60 // UNIT
WEEK_UNITS = 7 * DAY_UNITS
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
ONE_US = timedelta(microseconds=1)


def wall_time(units):
    minutes = units % DAY_UNITS * UNIT
    return time(minutes // 60, minutes % 60)


# Strategies built once: building them inside the composites costs more than the clock itself.
week_offsets = st.integers(0, WEEK_UNITS - 1)
gaps = st.integers(-DAY_UNITS // 4, DAY_UNITS).map(lambda units: max(units, 0))  # 1 in 5 adjacent
stretches = st.lists(st.tuples(gaps, st.integers(1, DAY_UNITS)), min_size=1, max_size=6)
day_offsets = st.integers(0, DAY_UNITS - 1)
day_stretches = st.lists(
    st.tuples(st.integers(1, DAY_UNITS // 2), st.integers(0, DAY_UNITS // 4)), max_size=2
)
any_day = st.dates(date(2026, 1, 1), date(2026, 12, 31))
override_days = st.lists(st.one_of(st.sampled_from(DST_DAYS), any_day), max_size=3)


@st.composite
def weekly_windows(draw):
    """Disjoint (possibly adjacent) stretches on a circular week, each on the day it starts.

    Disjoint on the circle means valid: no overlap within a day, none from an overnight spill,
    none from Sunday night into Monday.
    """
    first = draw(week_offsets)
    cursor, weekly = first, {}
    for gap, length in draw(stretches):
        cursor += gap
        if cursor + length > first + WEEK_UNITS:
            break
        if length < DAY_UNITS or cursor % DAY_UNITS == 0:  # else it reads as zero length
            window = (wall_time(cursor), wall_time(cursor + length))
            weekly.setdefault(cursor // DAY_UNITS % 7, []).append(window)
        cursor += length
    return weekly or {0: [(time(9), time(17))]}


@st.composite
def day_windows(draw):
    start, windows = draw(day_offsets), []
    for length, gap in draw(day_stretches):
        windows.append((wall_time(start), wall_time(start + length)))
        start += length + gap
        if start >= DAY_UNITS:
            break
    return windows


@st.composite
def schedules(draw):
    zone = draw(st.sampled_from(ZONES))
    weekly = draw(weekly_windows())
    overrides = {}
    for day in draw(override_days):
        candidate = {**overrides, day: draw(day_windows())}
        try:  # an override may clash with a neighbour's overnight spill; leave that one out
            Schedule(zone, weekly, candidate)
        except ValueError:
            continue
        overrides = candidate
    return Schedule(zone, weekly, overrides)


anywhere = st.integers(0, 365 * 24 * 3600 * 10**6).map(lambda us: YEAR_START + us * ONE_US)
on_grid = st.integers(0, 365 * DAY_UNITS).map(lambda units: YEAR_START + timedelta(minutes=units * UNIT))
near_dst = st.builds(
    lambda day, minutes: datetime.combine(day, time(0), UTC) + timedelta(minutes=minutes),
    st.sampled_from(DST_DAYS),
    st.integers(-3 * 24 * 60, 3 * 24 * 60),
)
instants = st.one_of(anywhere, on_grid, near_dst)
durations = st.one_of(
    st.integers(0, 3 * DAY_UNITS).map(lambda units: timedelta(minutes=units * UNIT)),
    st.integers(0, 30 * 24 * 3600 * 10**6).map(lambda us: us * ONE_US),
    st.integers(0, 200).map(lambda days: timedelta(days=days)),
)


def coverage_by_walking(start, end, schedule):
    """Coverage summed from the stretches next_coverage_change reports: a path with no week skip."""
    total, moment = timedelta(0), start
    while moment < end:
        try:
            change, covered_after = next_coverage_change(moment, schedule)
        except ValueError as error:
            return total + (end - moment if "stays open" in str(error) else timedelta(0))
        if not covered_after:
            total += min(change, end) - moment
        moment = change
    return total


@LAWS
@given(schedules(), instants, durations)
def test_coverage_up_to_the_due_time_is_the_duration(schedule, start, duration):
    due = add_coverage_time(start, duration, schedule)
    assert due >= start and due.tzinfo is UTC
    assert coverage_between(start, due, schedule) == duration


@LAWS
@given(schedules(), instants, durations)
def test_due_time_is_the_earliest_such_instant(schedule, start, duration):
    due = add_coverage_time(start, duration, schedule)
    if duration:
        assert coverage_between(start, due - ONE_US, schedule) < duration
    else:
        assert due == start


@LAWS
@given(schedules(), instants, durations, durations)
def test_adding_in_two_steps_equals_adding_once(schedule, start, first, second):
    halfway = add_coverage_time(start, first, schedule)
    at_once = add_coverage_time(start, first + second, schedule)
    assert add_coverage_time(halfway, second, schedule) == at_once


@LAWS
@given(schedules(), instants, instants, instants)
def test_coverage_is_additive(schedule, one, other, third):
    a, b, c = sorted((one, other, third))
    in_two = coverage_between(a, b, schedule) + coverage_between(b, c, schedule)
    assert coverage_between(a, c, schedule) == in_two


@LAWS
@given(schedules(), instants, instants)
def test_coverage_is_antisymmetric_and_bounded_by_elapsed_time(schedule, start, end):
    forward = coverage_between(start, end, schedule)
    assert coverage_between(end, start, schedule) == -forward
    assert timedelta(0) <= abs(forward) <= abs(end - start)


@LAWS
@given(schedules(), instants, durations, durations)
def test_due_time_grows_with_the_duration(schedule, start, one, other):
    shorter, longer = sorted((one, other))
    assert add_coverage_time(start, shorter, schedule) <= add_coverage_time(start, longer, schedule)


@LAWS
@given(schedules(), instants, st.integers(0, 21 * 24 * 60))
def test_coverage_matches_a_walk_over_coverage_changes(schedule, start, minutes):
    end = start + timedelta(minutes=minutes)
    assert coverage_between(start, end, schedule) == coverage_by_walking(start, end, schedule)


@LAWS
@given(schedules(), instants)
def test_next_change_flips_coverage(schedule, at):
    first = _next_change_or_none(at, schedule)
    if first is None:
        return  # coverage never changes again: the walk law covers that case
    change, covered_after = first
    assert change > at and change.tzinfo is UTC
    # Until a change, coverage is the opposite of what follows it.
    before_change = timedelta(0) if covered_after else change - at
    assert coverage_between(at, change, schedule) == before_change
    second = _next_change_or_none(change, schedule)
    if second is not None:
        following, covered_after_following = second
        assert covered_after_following is not covered_after
        covered = following - change if covered_after else timedelta(0)
        assert coverage_between(change, following, schedule) == covered


def _next_change_or_none(at, schedule):
    try:
        return next_coverage_change(at, schedule)
    except ValueError:
        return None


@LAWS
@given(schedules(), instants, st.integers(0, 2 * 365))
def test_long_spans_match_the_sum_of_their_days(schedule, start, days):
    # coverage_between skips whole weeks; summing day by day never does.
    cuts = [start + timedelta(days=n) for n in range(days + 1)]
    by_day = sum((coverage_between(a, b, schedule) for a, b in pairwise(cuts)), timedelta(0))
    assert coverage_between(cuts[0], cuts[-1], schedule) == by_day
