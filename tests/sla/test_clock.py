"""Coverage clock cases written from the rules: hours, weekends, overrides, overnight, DST."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from oss_inbox.sla.clock import (
    DEFAULT_SOCIAL,
    Schedule,
    add_coverage_time,
    coverage_between,
    next_coverage_change,
)

CHICAGO = ZoneInfo("America/Chicago")
H = timedelta(hours=1)
WEEKDAYS = range(5)

OFFICE_WEEKLY = {day: [(time(9), time(17))] for day in WEEKDAYS}
OFFICE = Schedule(CHICAGO, OFFICE_WEEKLY)


def local(year, month, day, hour=0, minute=0, fold=0):
    return datetime(year, month, day, hour, minute, tzinfo=CHICAGO, fold=fold)


def due_local(start, duration, schedule):
    return add_coverage_time(start, duration, schedule).astimezone(CHICAGO)


def daily(start, end, days=range(7)):
    return Schedule(CHICAGO, {day: [(start, end)] for day in days})


# -- arrivals before, inside and after hours -------------------------------------------------------
# 2026-03-02 is a Monday.


def test_arrival_before_hours_starts_counting_at_opening():
    assert due_local(local(2026, 3, 2, 6), 2 * H, OFFICE) == local(2026, 3, 2, 11)


def test_arrival_inside_hours_counts_at_once():
    assert due_local(local(2026, 3, 2, 10, 30), 2 * H, OFFICE) == local(2026, 3, 2, 12, 30)


def test_arrival_after_hours_carries_to_next_morning():
    assert due_local(local(2026, 3, 2, 18), 2 * H, OFFICE) == local(2026, 3, 3, 11)


def test_target_running_past_closing_continues_next_day():
    assert due_local(local(2026, 3, 2, 16), 3 * H, OFFICE) == local(2026, 3, 3, 11)


def test_target_used_up_exactly_at_closing_is_due_at_closing():
    assert due_local(local(2026, 3, 2, 15), 2 * H, OFFICE) == local(2026, 3, 2, 17)


def test_friday_evening_arrival_waits_for_monday():
    assert due_local(local(2026, 3, 6, 16), 2 * H, OFFICE) == local(2026, 3, 9, 10)


def test_weekend_arrival_starts_monday():
    assert due_local(local(2026, 3, 7, 12), 4 * H, OFFICE) == local(2026, 3, 9, 13)


def test_issue_example_friday_2150_with_four_hours_is_due_saturday_1150():
    # 10 minutes on Friday until 22:00, then 3h50m from Saturday's 08:00 opening.
    friday_late = local(2026, 3, 13, 21, 50)
    assert due_local(friday_late, 4 * H, DEFAULT_SOCIAL) == local(2026, 3, 14, 11, 50)


def test_results_are_in_utc():
    due = add_coverage_time(local(2026, 3, 2, 10), H, OFFICE)
    assert due.tzinfo is UTC
    assert due == datetime(2026, 3, 2, 17, tzinfo=UTC)


def test_zero_duration_returns_start_in_utc():
    start = local(2026, 3, 7, 12)  # Saturday, closed
    due = add_coverage_time(start, timedelta(0), OFFICE)
    assert due == start and due.tzinfo is UTC


def test_durations_of_weeks_count_whole_weeks_of_coverage():
    # 40 office hours a week: 80 hours from Monday 09:00 is due two weeks later at Friday 17:00.
    assert due_local(local(2026, 3, 2, 9), 80 * H, OFFICE) == local(2026, 3, 13, 17)
    assert due_local(local(2026, 3, 2, 9), 81 * H, OFFICE) == local(2026, 3, 16, 10)


def test_coverage_between_counts_only_hours_inside_windows():
    assert coverage_between(local(2026, 3, 2, 6), local(2026, 3, 2, 12), OFFICE) == 3 * H
    assert coverage_between(local(2026, 3, 6, 16), local(2026, 3, 9, 10), OFFICE) == 2 * H


def test_coverage_between_backwards_is_negative():
    assert coverage_between(local(2026, 3, 2, 12), local(2026, 3, 2, 6), OFFICE) == -3 * H


def test_coverage_over_a_year_of_the_default_schedule():
    # 2026: 261 weekdays of 15 hours and 104 weekend days of 13 hours; DST gains and loses one hour
    # overnight, when the team is off.
    total = coverage_between(local(2026, 1, 1), local(2027, 1, 1), DEFAULT_SOCIAL)
    assert total == (261 * 15 + 104 * 13) * H


def test_always_adds_wall_time():
    start = datetime(2026, 3, 8, 1, tzinfo=UTC)
    month = timedelta(days=30)
    assert add_coverage_time(start, month, Schedule.always()) == start + month


# -- overrides -------------------------------------------------------------------------------------


def test_holiday_override_closes_the_day():
    holiday = Schedule(CHICAGO, OFFICE_WEEKLY, {date(2026, 3, 3): []})
    assert due_local(local(2026, 3, 2, 16), 2 * H, holiday) == local(2026, 3, 4, 10)
    assert coverage_between(local(2026, 3, 3), local(2026, 3, 4), holiday) == timedelta(0)


def test_special_hours_override_replaces_weekly_windows():
    special = Schedule(CHICAGO, OFFICE_WEEKLY, {date(2026, 3, 3): [(time(12), time(14))]})
    assert coverage_between(local(2026, 3, 3), local(2026, 3, 4), special) == 2 * H
    assert due_local(local(2026, 3, 3, 8), 3 * H, special) == local(2026, 3, 4, 10)


def test_override_can_open_a_weekend_day():
    saturday = Schedule(CHICAGO, OFFICE_WEEKLY, {date(2026, 3, 7): [(time(10), time(12))]})
    assert due_local(local(2026, 3, 6, 16), 2 * H, saturday) == local(2026, 3, 7, 11)


def test_holiday_does_not_cut_overnight_window_started_the_evening_before():
    nights = Schedule(CHICAGO, {day: [(time(22), time(6))] for day in range(7)}, {date(2026, 3, 3): []})
    # Monday's 22:00-06:00 still runs into Tuesday; Tuesday night is closed.
    assert coverage_between(local(2026, 3, 2, 12), local(2026, 3, 4, 12), nights) == 8 * H


# -- overnight and several windows -----------------------------------------------------------------


def test_overnight_window_runs_into_next_morning():
    nights = daily(time(22), time(6))
    assert due_local(local(2026, 3, 2, 23), 5 * H, nights) == local(2026, 3, 3, 4)
    assert due_local(local(2026, 3, 3, 2), 5 * H, nights) == local(2026, 3, 3, 23)


def test_overnight_window_across_a_weekend():
    # Weeknights only, Monday to Friday: Friday night runs to Saturday 06:00, then nothing until
    # Monday 22:00.
    nights = daily(time(22), time(6), days=WEEKDAYS)
    assert due_local(local(2026, 3, 6, 23), 8 * H, nights) == local(2026, 3, 9, 23)
    assert coverage_between(local(2026, 3, 7, 3), local(2026, 3, 9, 23), nights) == 4 * H


def test_several_windows_a_day():
    two_shifts = [(time(13), time(17)), (time(8), time(12))]  # any order
    split = Schedule(CHICAGO, {day: two_shifts for day in WEEKDAYS})
    assert due_local(local(2026, 3, 2, 11), 2 * H, split) == local(2026, 3, 2, 14)
    assert coverage_between(local(2026, 3, 2), local(2026, 3, 3), split) == 8 * H


def test_window_ending_at_midnight_meets_next_day_window():
    late = Schedule(CHICAGO, {0: [(time(20), time(0))], 1: [(time(0), time(2))]})
    assert due_local(local(2026, 3, 2, 23), 2 * H, late) == local(2026, 3, 3, 1)


# -- DST in America/Chicago ------------------------------------------------------------------------


def test_spring_forward_window_is_two_real_hours():
    small_hours = daily(time(1), time(4))
    assert coverage_between(local(2026, 3, 8), local(2026, 3, 9), small_hours) == 2 * H
    assert due_local(local(2026, 3, 8), 2 * H, small_hours) == local(2026, 3, 8, 4)


def test_fall_back_window_is_four_real_hours():
    small_hours = daily(time(1), time(4))
    assert coverage_between(local(2026, 11, 1), local(2026, 11, 2), small_hours) == 4 * H
    # One hour in, it is 01:00 again: the second, CST occurrence (07:00 UTC).
    due = add_coverage_time(local(2026, 11, 1), H, small_hours)
    assert due == datetime(2026, 11, 1, 7, tzinfo=UTC)
    assert due.astimezone(CHICAGO).fold == 1


def test_nonexistent_window_start_moves_forward_to_end_of_gap():
    from_half_past_two = daily(time(2, 30), time(5))
    change, covered = next_coverage_change(local(2026, 3, 8), from_half_past_two)
    assert covered and change == datetime(2026, 3, 8, 8, tzinfo=UTC)  # 03:00 CDT
    assert coverage_between(local(2026, 3, 8), local(2026, 3, 9), from_half_past_two) == 2 * H


def test_ambiguous_window_start_takes_first_occurrence():
    from_half_past_one = daily(time(1, 30), time(3))
    change, _ = next_coverage_change(local(2026, 11, 1), from_half_past_one)
    assert change == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 CDT
    assert coverage_between(local(2026, 11, 1), local(2026, 11, 2), from_half_past_one) == 2.5 * H


def test_window_wholly_in_the_gap_is_empty_that_day():
    in_gap = daily(time(2, 10), time(2, 50))
    assert coverage_between(local(2026, 3, 8), local(2026, 3, 9), in_gap) == timedelta(0)
    assert due_local(local(2026, 3, 8), timedelta(minutes=40), in_gap) == local(2026, 3, 9, 2, 50)


def test_europe_london_is_supported_too():
    london = ZoneInfo("Europe/London")
    small_hours = Schedule(london, {day: [(time(0, 30), time(2, 30))] for day in range(7)})
    start = datetime(2026, 3, 29, tzinfo=london)  # spring forward at 01:00
    assert coverage_between(start, start + timedelta(days=1), small_hours) == H


# -- next_coverage_change --------------------------------------------------------------------------


def test_next_change_before_hours_is_opening():
    assert next_coverage_change(local(2026, 3, 2, 6), OFFICE) == (local(2026, 3, 2, 9), True)


def test_next_change_inside_hours_is_closing():
    assert next_coverage_change(local(2026, 3, 2, 10), OFFICE) == (local(2026, 3, 2, 17), False)


def test_next_change_at_opening_instant_is_the_closing():
    assert next_coverage_change(local(2026, 3, 2, 9), OFFICE) == (local(2026, 3, 2, 17), False)


def test_next_change_on_friday_evening_is_monday_opening():
    assert next_coverage_change(local(2026, 3, 6, 17), OFFICE) == (local(2026, 3, 9, 9), True)


def test_next_change_skips_the_seam_between_adjacent_windows():
    seamed = Schedule(CHICAGO, {0: [(time(9), time(12)), (time(12), time(17))]})
    assert next_coverage_change(local(2026, 3, 2, 10), seamed) == (local(2026, 3, 2, 17), False)
    assert next_coverage_change(local(2026, 3, 2, 12), seamed) == (local(2026, 3, 2, 17), False)


def test_next_change_skips_the_midnight_seam_of_overnight_coverage():
    evenings = Schedule(CHICAGO, {0: [(time(20), time(0))], 1: [(time(0), time(6))]})
    assert next_coverage_change(local(2026, 3, 2, 21), evenings) == (local(2026, 3, 3, 6), False)


def test_next_change_raises_when_coverage_never_changes():
    with pytest.raises(ValueError, match="stays open"):
        next_coverage_change(local(2026, 3, 2), Schedule.always())
    with pytest.raises(ValueError, match="stays closed"):
        next_coverage_change(local(2026, 3, 2), Schedule(CHICAGO, {}))


# -- validation ------------------------------------------------------------------------------------


def test_overlapping_windows_are_rejected_naming_the_day():
    message = "Monday windows 09:00 to 12:00 and 11:00 to 13:00 overlap"
    with pytest.raises(ValueError, match=message):
        Schedule(CHICAGO, {0: [(time(9), time(12)), (time(11), time(13))]})


def test_zero_length_window_is_rejected():
    with pytest.raises(ValueError, match="Tuesday window 09:00 to 09:00 has zero length"):
        Schedule(CHICAGO, {1: [(time(9), time(9))]})


def test_overnight_window_running_into_next_day_window_is_rejected():
    with pytest.raises(
        ValueError,
        match="Friday overnight window 22:00 to 06:00 runs into the Saturday window 05:00 to 10:00",
    ):
        Schedule(CHICAGO, {4: [(time(22), time(6))], 5: [(time(5), time(10))]})


def test_overnight_window_running_into_an_override_is_rejected():
    message = r"2026-03-02 \(Monday\) overnight window 22:00 to 06:00 .* 2026-03-03 \(override\)"
    with pytest.raises(ValueError, match=message):
        Schedule(CHICAGO, {0: [(time(22), time(6))]}, {date(2026, 3, 3): [(time(5), time(7))]})


def test_overlapping_override_windows_are_rejected():
    with pytest.raises(ValueError, match=r"2026-12-24 \(override\) windows"):
        Schedule(CHICAGO, {}, {date(2026, 12, 24): [(time(8), time(12)), (time(10), time(11))]})


def test_adjacent_and_midnight_to_midnight_windows_are_allowed():
    Schedule(CHICAGO, {0: [(time(9), time(12)), (time(12), time(17))]})
    Schedule(CHICAGO, {0: [(time(22), time(6))], 1: [(time(6), time(9))]})
    assert coverage_between(local(2026, 3, 2), local(2026, 3, 3), daily(time(0), time(0))) == 24 * H


def test_bad_weekday_key_is_rejected():
    with pytest.raises(ValueError, match="weekdays"):
        Schedule(CHICAGO, {7: [(time(9), time(17))]})


def test_naive_datetimes_are_rejected():
    naive = datetime(2026, 3, 2, 10)
    with pytest.raises(ValueError, match="start must be timezone-aware"):
        add_coverage_time(naive, H, OFFICE)
    with pytest.raises(ValueError, match="end must be timezone-aware"):
        coverage_between(local(2026, 3, 2), naive, OFFICE)
    with pytest.raises(ValueError, match="at must be timezone-aware"):
        next_coverage_change(naive, OFFICE)


def test_negative_duration_is_rejected():
    with pytest.raises(ValueError, match="negative"):
        add_coverage_time(local(2026, 3, 2), -H, OFFICE)


def test_schedule_without_windows_raises_instead_of_looping():
    with pytest.raises(ValueError, match="no coverage"):
        add_coverage_time(local(2026, 3, 2), H, Schedule(CHICAGO, {}))


def test_schedule_with_only_a_past_override_has_no_coverage_after_it():
    once = Schedule(CHICAGO, {}, {date(2026, 3, 3): [(time(9), time(10))]})
    assert due_local(local(2026, 3, 2), H, once) == local(2026, 3, 3, 10)
    with pytest.raises(ValueError, match="no coverage"):
        add_coverage_time(local(2026, 3, 2), 2 * H, once)


def test_equal_schedules_are_equal_and_hash_alike():
    by_name = Schedule("America/Chicago", {day: [(time(9), time(17))] for day in range(7)})
    assert daily(time(9), time(17)) == by_name
    assert len({daily(time(9), time(17)), by_name, OFFICE}) == 2


def test_schedule_reads_back_the_windows_it_was_given():
    given = Schedule(
        CHICAGO,
        {0: [(time(22), time(6))], 1: [(time(20), time(0))]},
        {date(2026, 12, 25): [], date(2026, 12, 24): [(time(9), time(12))]},
    )
    assert given.weekly == {0: ((time(22), time(6)),), 1: ((time(20), time(0)),)}
    assert given.overrides == {date(2026, 12, 24): ((time(9), time(12)),), date(2026, 12, 25): ()}
    assert Schedule(given.tz, given.weekly, given.overrides) == given


def test_override_keys_must_be_dates():
    with pytest.raises(ValueError, match="override keys must be dates"):
        Schedule(CHICAGO, {}, {datetime(2026, 12, 25, tzinfo=CHICAGO): []})
