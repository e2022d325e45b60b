"""The post-event report's arithmetic (incidents/report.py), each figure worked out by hand: reports per
hour named in Chicago time across the night the clocks fall back and the night they spring forward,
medians and 90th percentiles, delivery counts, and the backlog of tickets in and not resolved."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from oss_inbox.incidents import report

CHICAGO = ZoneInfo("America/Chicago")


def utc(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def test_reports_per_hour_are_utc_hours_named_in_local_time_with_two_1am_hours_when_clocks_fall_back():
    # 2026-11-01 07:00 UTC: 2:00 AM CDT becomes 1:00 AM CST.
    counts = {
        (utc(1, 5), "mention"): 2,
        (utc(1, 6), "mention"): 3,
        (utc(1, 7), "email"): 1,
        (utc(1, 8), "mention"): 4,
    }

    rows = report.reports_per_hour(counts, CHICAGO)

    assert [row.start.isoformat() for row in rows] == [
        "2026-11-01T00:00:00-05:00",
        "2026-11-01T01:00:00-05:00",
        "2026-11-01T01:00:00-06:00",
        "2026-11-01T02:00:00-06:00",
    ]
    assert [row.by_kind for row in rows] == [
        {"email": 0, "mention": 2},
        {"email": 0, "mention": 3},
        {"email": 1, "mention": 0},
        {"email": 0, "mention": 4},
    ]
    assert [row.total for row in rows] == [2, 3, 1, 4]
    assert rows[1].end == rows[2].start  # one hour each, none lost
    assert [report.hour_words(row.start) for row in rows[1:3]] == ["Nov 1 1:00 AM CDT", "Nov 1 1:00 AM CST"]


def test_reports_per_hour_have_no_2am_when_clocks_spring_forward_and_quiet_hours_count_zero():
    # 2026-03-08 08:00 UTC: 2:00 AM CST becomes 3:00 AM CDT.
    counts = {
        (datetime(2026, 3, 8, 7, tzinfo=UTC), "messenger"): 1,
        (datetime(2026, 3, 8, 9, tzinfo=UTC), "messenger"): 2,
    }

    rows = report.reports_per_hour(counts, CHICAGO)

    assert [row.start.strftime("%H:%M%z") for row in rows] == ["01:00-0600", "03:00-0500", "04:00-0500"]
    assert [row.total for row in rows] == [1, 0, 2]


def test_median_and_p90_interpolate_between_ranks_as_the_dashboards_do():
    summary = report.summarise([600, 60, 300, 120, 3600], missing=2)

    # sorted 60 120 300 600 3600: median the 3rd; p90 at position 3.6 = 600 + 0.6 * 3000
    assert summary == report.Summary(count=5, median=300.0, p90=2400.0, missing=2)
    assert report.summarise([]) == report.Summary(0, None, None, 0)


def test_first_response_and_first_update_count_the_waits_and_the_tickets_still_waiting():
    created = {1: utc(2, 15), 2: utc(2, 15, 10), 3: utc(2, 15, 20)}
    replies = {1: utc(2, 15, 30), 2: utc(2, 15, 20)}  # ticket 3 unanswered

    assert report.first_response(created, replies) == report.Summary(2, 1200.0, 1680.0, 1)
    joined = {1: utc(2, 15, 5), 2: utc(2, 15, 10), 3: utc(2, 15, 20)}
    updates = {1: utc(2, 16, 5), 2: utc(2, 16, 5), 3: utc(2, 16, 5)}
    assert report.first_update(joined, updates) == report.Summary(3, 3300.0, 3540.0, 0)


def test_update_counts_tell_sent_failed_skipped_and_on_the_way_apart():
    rows = [
        (7, "queued", "sent", "", 3),
        (7, "queued", "failed", "", 1),
        (7, "skipped", None, "Messenger's 24-hour window closed", 2),
        (7, "pending", None, "", 1),
        (7, "queued", "queued", "", 1),
        (8, "queued", "sent", "", 4),
    ]

    counts = report.update_counts(rows)

    assert (counts[7].sent, counts[7].failed, counts[7].skipped, counts[7].waiting, counts[7].planned) == (
        3,
        1,
        2,
        2,
        8,
    )
    assert counts[7].skip_reasons == {"Messenger's 24-hour window closed": 2}
    assert counts[8].planned == counts[8].sent == 4


def test_backlog_counts_tickets_in_the_incident_and_not_resolved_at_each_instant():
    start = utc(2, 15)
    times = report.sample_times(start + timedelta(minutes=7), utc(2, 16, 30), timedelta(minutes=15))
    assert times[0] == start and times[-1] == utc(2, 16, 30) and len(times) == 7
    spans = {
        1: report.open_spans(utc(2, 14, 50), [(utc(2, 16, 10), "resolved")]),
        # resolved at 15:20, the customer wrote back at 15:50 (reopened): open again
        2: report.open_spans(utc(2, 15, 5), [(utc(2, 15, 20), "resolved"), (utc(2, 15, 50), "reopened")]),
        3: report.open_spans(utc(2, 15, 25), []),  # moved out by an agent at 16:00
        4: report.open_spans(utc(2, 15, 40), [], resolved_at=utc(2, 16, 20)),  # resolved, no event kept
    }
    memberships = [
        (1, utc(2, 15, 1), None),
        (2, utc(2, 15, 5), None),
        (3, utc(2, 15, 25), utc(2, 16)),
        (4, utc(2, 15, 40), None),
    ]

    counts = report.backlog(memberships, spans, times)

    # 15:00 none linked yet; 15:15 #1, #2; 15:30 #1, #3 (#2 resolved); 15:45 #1, #3, #4;
    # 16:00 #1, #2, #4 (#3 left); 16:15 #2, #4; 16:30 #2
    assert counts == [0, 2, 2, 3, 3, 2, 1]
    assert report.last_change(memberships, spans) == utc(2, 16, 20)  # #4 resolved
    spans[1] = report.open_spans(utc(2, 14, 50), [(utc(2, 16, 10), "resolved"), (utc(2, 17), "reopened")])
    assert report.last_change(memberships, spans) == utc(2, 17)  # a reopening moves it too


def test_the_backlog_step_keeps_a_long_storm_under_two_hundred_points():
    assert report.backlog_step(utc(2, 0), utc(3, 0)) == timedelta(minutes=15)
    assert report.backlog_step(utc(2, 0), utc(9, 0)) == timedelta(hours=1)


def test_etr_history_keeps_only_the_changes():
    first, second = utc(2, 20), utc(2, 22)
    updates = [
        (utc(2, 15), None, "Investigating", "the system"),
        (utc(2, 15, 30), first, "Crews working", "Sam"),
        (utc(2, 16), first, "Crews working", "Sam"),  # a note, ETR unchanged
        (utc(2, 17), second, "Crews working", "Sam"),
        (utc(2, 18), None, "Crews working", "Sam"),  # withdrawn
    ]

    assert report.etr_history(updates) == [updates[1], updates[3], updates[4]]


def test_durations_read_as_people_say_them():
    assert report.duration_words(None) == "—"
    assert report.duration_words(840) == "14 min"
    assert report.duration_words(2 * 3600 + 300) == "2 h 05 min"
    assert report.duration_words(3 * 86400 + 4 * 3600) == "3 d 4 h"
    assert report.restoration_seconds(utc(2, 15), utc(2, 18, 40)) == 13200.0
    assert report.restoration_seconds(utc(2, 15), None) is None


def test_a_young_incidents_backlog_ends_on_its_tickets_now_not_on_the_empty_quarter_before_it():
    created, now = utc(2, 16, 23), utc(2, 16, 25)
    times = report.sample_times(created, now, timedelta(minutes=15))
    assert times == [utc(2, 16, 15), now]
    spans = {1: report.open_spans(utc(2, 16, 23), []), 2: report.open_spans(utc(2, 16, 24), [])}
    memberships = [(1, utc(2, 16, 23), None), (2, utc(2, 16, 24), None)]
    assert report.backlog(memberships, spans, times) == [0, 2]
