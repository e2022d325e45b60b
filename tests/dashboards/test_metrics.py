"""Every dashboard number on the hand-made history (history.py), worked out by hand below.

The range is Sat Oct 31 to Mon Nov 30 2026 (31 local days), so it holds the night of the DST
change, a weekend, Thanksgiving and T2's pending pause; T7 lies before it.
"""

from datetime import date

import pytest

from oss_inbox.dashboards import live, selectors
from oss_inbox.dashboards.filters import Filters
from oss_inbox.dashboards.page import Sections
from oss_inbox.dashboards.percentiles import ALL
from oss_inbox.dashboards.rollup import rollup_refresh
from oss_inbox.dashboards.selectors import Compliance

from .history import NOW, build

pytestmark = pytest.mark.django_db

RANGE = Filters(date(2026, 10, 31), date(2026, 11, 30))
H = 3600


@pytest.fixture
def world(twitter, facebook, mailbox, agent, other_agent):
    made = build(twitter=twitter, facebook=facebook, mailbox=mailbox, dana=agent, lee=other_agent)
    rollup_refresh()
    return made


def shares(by_period):
    return {name: (cell.met, cell.decided) for name, cell in by_period.items()}


def test_first_responses_within_sla_per_period_and_channel(world):
    result = selectors.compliance(RANGE, NOW)["first_response"]
    # By the day each target fell due. Range: met T1 (due Nov 1), T6, T2, T9; late T5 (answered
    # Sat 14:00, due 11:00); T3 unanswered past its due time (Mon 10:00 < now); T4 and T8 not due
    # yet, so undecided. 4 of 6.
    # Today (Nov 30): T3 fell due this morning unanswered (breached): 0 of 1; T4, T8 undecided.
    # 7 days (Nov 24-30): T2, T9 met, T5, T3 not: 2 of 4. 30 days (Nov 1-30): all six: 4 of 6.
    assert shares(result[ALL]) == {"today": (0, 1), "7 days": (2, 4), "30 days": (4, 6), "range": (4, 6)}
    assert result[ALL]["today"].share == 0
    assert result[ALL]["range"].share == pytest.approx(4 / 6)
    assert shares(result["twitter"])["range"] == (3, 3)  # T1, T6, T9
    assert shares(result["email"])["range"] == (1, 2)  # T2 met, T5 late
    assert shares(result["facebook"])["range"] == (0, 1)  # T3 unanswered past due


def test_follow_ups_count_from_the_customers_last_message_on_coverage_hours(world):
    result = selectors.compliance(RANGE, NOW)["next_response"]
    # T2: Fri 10:00 + 2 coverage h = 12:00, answered 13:00: late. Sat 09:00 (while pending ->
    # open) due 11:00, answered 09:30: met. T5: Sun 20:30 + 30 min Sunday + 1.5 h Monday = Mon
    # 08:30, unanswered at noon: missed. T1's two night messages came before the first reply.
    assert shares(result[ALL]) == {"today": (0, 0), "7 days": (1, 3), "30 days": (1, 3), "range": (1, 3)}
    assert shares(result["email"])["range"] == (1, 3)
    assert result["twitter"]["range"].decided == 0 and result["twitter"]["range"].share is None


def test_response_times_in_calendar_and_coverage_hours(world):
    times = selectors.response_times(RANGE)[ALL]
    # First responses of tickets that arrived in the range, calendar seconds:
    # T6 30 min = 1800; T1 Sat 21:30 CDT -> Sun 09:00 CST is 12.5 h (the night has 25 hours) = 45000;
    # T5 Fri 21:00 -> Sat 14:00 = 61200; T9 Thu 12:00 -> Fri 07:30 = 70200; T2 Wed 20:00 -> Fri 08:00 =
    # 129600.
    # Median 61200; 90th: position 0.9 * 4 = 3.6 -> 70200 + 0.6 * (129600 - 70200) = 105840.
    assert times["first_response_seconds"] == [61200, 105840]
    # Coverage: T6 1800; T1 Sun 08:00-09:00 = 3600; T5 Fri 21-22 + Sat 08-14 = 25200;
    # T9 Thanksgiving closed, Fri 07:00-07:30 = 1800; T2 Wed 20-22 + Fri 07-08 = 10800.
    # Sorted 1800, 1800, 3600, 10800, 25200: median 3600; 90th 10800 + 0.6 * 14400 = 19440.
    assert times["first_response_coverage_seconds"] == [3600, 19440]
    # Resolutions made in the range: T1 13.5 h = 48600 (coverage Sun 08-10 = 7200); T9 20 h = 72000
    # (coverage 3600); T2 Wed 20:00 -> Sat 10:00 = 62 h less pending Fri 13:05 -> Sat 09:00
    # (19 h 55 m) = 151500, coverage 2 + 0 + 15 + 2 = 19 h less 8 h 55 m + 1 h = 32700.
    # Calendar 48600, 72000, 151500: median 72000, 90th 72000 + 0.8 * 79500 = 135600.
    assert times["resolution_seconds"] == [72000, 135600]
    # Coverage 3600, 7200, 32700: median 7200, 90th 7200 + 0.8 * 25500 = 27600.
    assert times["resolution_coverage_seconds"] == [7200, 27600]


def test_response_times_per_channel(world):
    times = selectors.response_times(RANGE)
    # X: 1800, 45000, 70200 -> median 45000, 90th 45000 + 0.8 * 25200 = 65160; coverage 1800,
    # 1800, 3600 -> 1800 and 3240. Email: 61200, 129600 -> 95400 and 122760.
    assert times["twitter"]["first_response_seconds"] == [45000, 65160]
    assert times["twitter"]["first_response_coverage_seconds"] == [1800, 3240]
    assert times["email"]["first_response_seconds"] == [95400, 122760]
    assert times["email"]["resolution_seconds"] == [151500, 151500]
    assert "facebook" not in times  # T3 and T8 are unanswered


def test_daily_volume_backlog_and_compliance(world):
    days = {day.day.isoformat(): day for day in selectors.trends(RANGE, NOW).days}
    assert len(days) == 31
    # Oct 31 21:30 CDT is still Saturday; both 01:30 messages belong to Sunday Nov 1.
    assert (days["2026-10-31"].counts["messages_in"], days["2026-11-01"].counts["messages_in"]) == (1, 2)
    # Nov 27: in T2 10:00, T5 21:00; out T9 07:30, T2 08:00, T2 13:00. T3's acknowledgement
    # (automatic) and T2's note are not replies.
    assert (days["2026-11-27"].counts["messages_in"], days["2026-11-27"].counts["messages_out"]) == (2, 3)
    assert days["2026-11-29"].counts["messages_out"] == 0
    # Backlog before the range: T7 created and resolved = 0. Then +T1, -T1, +T6, +T2, +T9,
    # +T5 -T9, -T2, +T3, +T4 +T8.
    backlog = {
        day: days[day].backlog
        for day in [
            "2026-10-31",
            "2026-11-01",
            "2026-11-23",
            "2026-11-25",
            "2026-11-26",
            "2026-11-27",
            "2026-11-28",
            "2026-11-29",
            "2026-11-30",
        ]
    }
    assert list(backlog.values()) == [1, 0, 1, 2, 3, 3, 2, 3, 5]
    # The last day's backlog is the open tickets now.
    assert live.open_counts(RANGE).total == 5
    # First responses within SLA by the day they fell due: T1 (arrived Oct 31) met on Nov 1, T2
    # and T9 met on Nov 27, T5 late on Nov 28, T3 missed so far on Nov 30; T4/T8 not due yet.
    assert days["2026-10-31"].first_response.decided == 0
    assert (days["2026-11-01"].first_response.met, days["2026-11-01"].first_response.decided) == (1, 1)
    assert days["2026-11-27"].first_response.share == 1
    assert days["2026-11-28"].first_response.share == 0
    assert days["2026-11-29"].first_response.decided == 0
    assert (days["2026-11-30"].first_response.missed_open, days["2026-11-30"].first_response.share) == (1, 0)


def test_heatmap_by_local_hour_of_week_and_demand_outside_hours(world):
    trends = selectors.trends(RANGE, NOW)
    heat = trends.heatmap  # [weekday Monday=0][hour]
    assert heat[6][1] == 2  # the DST night: 01:30 CDT and 01:30 CST are both Sunday 01:00
    assert heat[5][21] == 1 and heat[5][9] == 1  # T1 Sat 21:30; T2 Sat 09:00
    assert heat[6][20] == 2  # T3 20:00, T5 20:30
    assert heat[3][12] == 1  # T9 on Thanksgiving
    assert heat[0][8] == heat[0][9] == heat[0][11] == 1  # T8, T6, T4
    assert heat[2][20] == 1 and heat[4][10] == 1 and heat[4][21] == 1
    assert sum(map(sum, heat)) == trends.messages_in == 13
    # Outside hours: T1 21:30 Saturday (closes 21:00) and its two 01:30 messages; T9 on the
    # holiday. T5 Fri 21:00 and T3 Sun 20:00 are inside.
    assert trends.messages_in_uncovered == 4


def test_agents_table(world, agent, other_agent):
    rows = {
        row.name: row
        for row in selectors.agents(
            RANGE,
            NOW,
            staff=[agent, other_agent],
            open_by_assignee=live.open_counts(RANGE).by_assignee,
            active={},
        )
    }
    dana, lee = rows["Dana"], rows["Lee"]
    # Dana: T4, T5 open; resolved T1, T9; first responses T1, T9 met, T5 late: 2 of 3; median of
    # 45000, 61200, 70200 = 61200; replies T1, T9, T5.
    assert (dana.open, dana.resolved, dana.replies) == (2, 2, 3)
    assert (dana.first_response.met, dana.first_response.decided, dana.median_first_response) == (2, 3, 61200)
    # Lee: T6 pending, T8 open; resolved T2; T6 and T2 met; median of 1800 and 129600 = 65700;
    # replies T6 once and T2 three times.
    assert (lee.open, lee.resolved, lee.replies) == (2, 1, 4)
    assert (lee.first_response.met, lee.first_response.decided, lee.median_first_response) == (2, 2, 65700)


def test_now_alerts_and_oldest_waiting(world):
    alerts = live.sla_alerts(RANGE, NOW)
    # Breached: T5 (follow-up due 08:30), T3 (due 10:00); at risk: T8 (11:30 <= noon < 12:30).
    assert (alerts.breached, alerts.at_risk) == (2, 1)
    assert [ticket.pk for ticket in alerts.tickets] == [world["T5"].pk, world["T3"].pk, world["T8"].pk]
    # T3 waits since Sun 20:00 (its acknowledgement is no answer); T5 since 20:30.
    oldest = live.oldest_waiting(RANGE)
    assert oldest.pk == world["T3"].pk and oldest.waiting_since == world["T3"].created_at
    counts = live.open_counts(RANGE)
    assert dict(counts.by_channel["twitter"]) == {"open": 1, "pending": 1}
    assert dict(counts.by_channel["facebook"]) == {"new": 1, "open": 1}
    assert counts.unassigned == 1


def test_filters_narrow_every_number(world, agent):
    email = Filters(RANGE.start, RANGE.end, channel="email")
    assert shares(selectors.compliance(email, NOW)["first_response"][ALL])["range"] == (1, 2)
    key = Filters(RANGE.start, RANGE.end, key_accounts=True)  # T2 only
    assert shares(selectors.compliance(key, NOW)["next_response"][ALL])["range"] == (1, 2)
    assert selectors.response_times(key)[ALL]["resolution_coverage_seconds"] == [32700, 32700]
    dana = Filters(RANGE.start, RANGE.end, agent=agent.pk)
    assert shares(selectors.compliance(dana, NOW)["first_response"][ALL])["range"] == (2, 3)
    assert live.open_counts(dana).total == 2
    unassigned = Filters(RANGE.start, RANGE.end, agent=0)
    assert [ticket.pk for ticket in live.sla_alerts(unassigned, NOW).tickets] == [world["T3"].pk]


def test_a_range_of_one_week_leaves_older_tickets_to_the_backlog(world):
    week = Filters(date(2026, 11, 24), date(2026, 11, 30))
    days = selectors.trends(week, NOW).days
    # Before Nov 24: T7, T1 resolved; T6 still open: backlog 1 at the start.
    assert [day.backlog for day in days] == [1, 2, 3, 3, 2, 3, 5]
    # Resolutions in the week: T9 and T2 only.
    assert selectors.response_times(week)[ALL]["resolution_seconds"] == [111750, 143550]


def test_the_page_shares_one_look_up_of_unanswered_responses_and_gets_the_same_numbers(
    world, agent, other_agent
):
    sections = Sections(RANGE, NOW, [agent, other_agent])
    assert sections.compliance == selectors.compliance(RANGE, NOW)
    assert [day.first_response for day in sections.trends.days] == [
        day.first_response for day in selectors.trends(RANGE, NOW).days
    ]
    by_name = {row.name: row.first_response for row in sections.agents}
    assert by_name["Dana"] == Compliance(2, 1, 0) and by_name["Lee"] == Compliance(2, 0, 0)
