"""Storm hours on a coverage schedule (pure): covered exactly when the schedule's own hours or the
storm's daily hours cover, and only between the storm's start and end; overnight windows and DST."""

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from oss_inbox.sla import clock
from oss_inbox.sla.storm_hours import StormSpan, with_storm_hours

CHICAGO = ZoneInfo("America/Chicago")


def local(*args):
    return datetime(*args, tzinfo=CHICAGO)


def span(starts_at, ends_at=None, opens_at=None, closes_at=None):
    return StormSpan(starts_at, ends_at, True, opens_at, closes_at, None, "")


def storm_covers(moment, storm):
    """The oracle: is `moment` in the storm's daily hours (local wall time)?"""
    if storm.opens_at is None:
        return True
    wall = moment.astimezone(CHICAGO).time()
    opens, closes = storm.opens_at, storm.closes_at
    if closes > opens:
        return opens <= wall < closes
    return wall >= opens or wall < closes


SCHEDULES = {
    "team hours": clock.DEFAULT_SOCIAL,
    "overnight own window": clock.Schedule(
        "America/Chicago", {day: [(time(7), time(12)), (time(22), time(2))] for day in range(5)}
    ),
    "closed weekends and a holiday": clock.Schedule(
        "America/Chicago", {day: [(time(9), time(17))] for day in range(5)}, {date(2026, 11, 26): []}
    ),
}
STORMS = {
    "24 hours": (None, None),
    "evening to small hours": (time(18), time(2)),
    "daytime": (time(6), time(20)),
    "until midnight": (time(5), time(0)),
}


@pytest.mark.parametrize("schedule_name", SCHEDULES)
@pytest.mark.parametrize("storm_name", STORMS)
@pytest.mark.parametrize(
    "starts_at, ends_at",
    [
        (local(2026, 10, 30, 21, 13), local(2026, 11, 3, 4, 47)),  # across the fall-back night
        (local(2026, 3, 6, 15, 0), local(2026, 3, 9, 1, 30)),  # across the spring-forward night
        (local(2026, 11, 25, 20, 0), None),  # still on, over a holiday
    ],
)
def test_covered_exactly_by_own_or_storm_hours_and_only_during_the_storm(
    schedule_name, storm_name, starts_at, ends_at
):
    own = SCHEDULES[schedule_name]
    storm = span(starts_at, ends_at, *STORMS[storm_name])
    extended = with_storm_hours(own, [storm], until=date(2026, 12, 20))
    rng = random.Random(f"{schedule_name}{storm_name}{starts_at}")
    low = starts_at - timedelta(days=2)
    high = (ends_at or starts_at + timedelta(days=5)) + timedelta(days=2)
    moments = [starts_at, starts_at - timedelta(microseconds=1)] + ([ends_at] if ends_at else [])
    moments += [low + (high - low) * rng.random() for _ in range(400)]
    for moment in moments:
        during = storm.holds(moment)
        expected = clock.is_covered_at(moment, own) or (during and storm_covers(moment, storm))
        assert clock.is_covered_at(moment, extended) == expected, moment.astimezone(CHICAGO)


def test_coverage_adds_up_with_the_storm():
    """Covered time over a span is the clock's sum: the storm's 24 hours on top of a closed weekend."""
    own = SCHEDULES["closed weekends and a holiday"]
    storm = span(local(2026, 11, 7, 12, 0), local(2026, 11, 8, 12, 0))  # Saturday noon to Sunday noon
    extended = with_storm_hours(own, [storm], until=date(2026, 12, 1))
    weekend = (local(2026, 11, 7, 0, 0), local(2026, 11, 9, 0, 0))
    assert clock.coverage_between(*weekend, own) == timedelta(0)
    assert clock.coverage_between(*weekend, extended) == timedelta(hours=24)
    due = clock.add_coverage_time(local(2026, 11, 7, 23, 0), timedelta(hours=14), extended)
    assert due == local(2026, 11, 9, 10, 0)  # 13 storm hours to Sunday noon, then Monday from 09:00


def test_no_storm_leaves_the_schedule_as_it_is():
    own = clock.DEFAULT_SOCIAL
    assert with_storm_hours(own, [], until=date(2026, 12, 1)) is own
    coverage_only = StormSpan(local(2026, 11, 6), None, False, None, None, timedelta(hours=1), "R")
    assert with_storm_hours(own, [coverage_only], until=date(2026, 12, 1)) is own


def test_a_storm_still_on_reaches_the_horizon_only():
    own = clock.DEFAULT_SOCIAL
    extended = with_storm_hours(own, [span(local(2026, 11, 6, 20, 0))], until=date(2026, 11, 20))
    assert clock.is_covered_at(local(2026, 11, 20, 3, 0), extended)
    assert not clock.is_covered_at(local(2026, 11, 21, 3, 0), extended)
    change, opens = clock.next_coverage_change(local(2026, 11, 7, 3, 0), extended)
    assert change.astimezone(UTC) == local(2026, 11, 21, 0, 0).astimezone(UTC) and not opens
