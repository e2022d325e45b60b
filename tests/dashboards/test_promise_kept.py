"""Promise kept: a first response counts on the day its target fell due, answered or not.

The complaint (issue 17, item 5): "Promise kept 100.0% today (56 of 56)" beside "3 breached".
Today's answered tickets counted on the day they arrived, while a ticket that arrived yesterday
and breached this morning counted on yesterday: today never held a miss. Now every first response
(met, late, or unanswered past due) counts on the local day its due time fell, today and in the
rollup's past days alike. The clock is fixed (time_machine); times are Chicago wall clock.
"""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from oss_inbox.dashboards import selectors
from oss_inbox.dashboards.filters import Filters
from oss_inbox.dashboards.percentiles import ALL
from oss_inbox.dashboards.rollup import rollup_refresh

from .history import at, set_rules, ticket

pytestmark = pytest.mark.django_db

NOW = at("2026-12-08 12:00")  # a Tuesday
WEEK = Filters(date(2026, 12, 1), date(2026, 12, 8))


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def today(clock, twitter, agent):
    """One ticket breached this morning, unanswered; one answered on time, due later today."""
    set_rules()
    made = {
        "breached": ticket(
            twitter,
            at("2026-12-07 14:00"),
            assignee=agent,
            due=at("2026-12-08 09:00"),
            messages=[(at("2026-12-07 14:00"), "inbound")],
            sla_due=at("2026-12-08 09:00"),
        ),
        "answered": ticket(
            twitter,
            at("2026-12-08 08:00"),
            assignee=agent,
            answered=at("2026-12-08 08:30"),
            due=at("2026-12-08 12:30"),
            messages=[(at("2026-12-08 08:00"), "inbound"), (at("2026-12-08 08:30"), "outbound")],
        ),
    }
    rollup_refresh()
    return made


def test_a_ticket_breached_this_morning_is_a_miss_in_todays_figure(today):
    cell = selectors.compliance(WEEK, NOW)["first_response"][ALL]["today"]
    assert (cell.met, cell.late, cell.missed_open) == (1, 0, 1)
    assert cell.share == 0.5


def test_the_dashboard_shows_todays_miss_beside_the_breached_tile(client, supervisor, today):
    client.force_login(supervisor)
    page = client.get(
        reverse("dashboards:page"), {"start": "2026-12-01", "end": "2026-12-08"}
    ).content.decode()
    assert "first responses within SLA, due today (1 of 2, 1 still unanswered)" in page
    assert "100.0%" not in page


@pytest.fixture
def past_day(clock, twitter, agent):
    """Thursday Dec 3: five first responses fell due; the week after, nothing else happened."""
    set_rules()
    inbound = [(at("2026-12-02 20:00"), "inbound")]
    made = {
        # Still unanswered, five days past due.
        "unanswered": ticket(twitter, at("2026-12-02 20:00"), due=at("2026-12-03 10:00"), messages=inbound),
        # Answered after its due time: late, on the day it fell due (not the day it arrived).
        "late": ticket(
            twitter,
            at("2026-12-02 21:00"),
            answered=at("2026-12-03 13:00"),
            due=at("2026-12-03 11:00"),
            messages=[(at("2026-12-02 21:00"), "inbound"), (at("2026-12-03 13:00"), "outbound")],
        ),
        "met": ticket(
            twitter,
            at("2026-12-03 07:00"),
            answered=at("2026-12-03 08:00"),
            due=at("2026-12-03 11:00"),
            messages=[(at("2026-12-03 07:00"), "inbound"), (at("2026-12-03 08:00"), "outbound")],
        ),
        # Resolved without a reply after its due time: the customer had waited past the promise.
        "closed_late": ticket(
            twitter,
            at("2026-12-02 19:00"),
            status="resolved",
            due=at("2026-12-03 09:00"),
            resolved=at("2026-12-03 15:00"),
            messages=[(at("2026-12-02 19:00"), "inbound")],
        ),
        # Resolved without a reply before its due time: it needed none, so it is not counted.
        "needed_none": ticket(
            twitter,
            at("2026-12-03 08:00"),
            status="resolved",
            due=at("2026-12-03 12:00"),
            resolved=at("2026-12-03 09:00"),
            messages=[(at("2026-12-03 08:00"), "inbound")],
        ),
    }
    rollup_refresh()
    return made


def test_a_past_days_misses_count_on_the_day_their_target_fell_due(past_day):
    days = {day.day: day.first_response for day in selectors.trends(WEEK, NOW).days}
    thursday = days[date(2026, 12, 3)]
    assert (thursday.met, thursday.late, thursday.missed_open) == (1, 1, 2)
    assert thursday.share == 0.25
    assert days[date(2026, 12, 2)].decided == 0  # the day most of them arrived
    week = selectors.compliance(WEEK, NOW)["first_response"][ALL]
    assert (week["range"].met, week["range"].decided) == (1, 4)
    assert week["today"].decided == 0


def test_the_day_by_day_download_shows_the_past_days_misses(client, supervisor, past_day):
    client.force_login(supervisor)
    body = client.get(
        reverse("dashboards:export", args=["daily"]), {"start": "2026-12-01", "end": "2026-12-08"}
    ).content.decode()
    header, *rows = [line.split(",") for line in body.strip().splitlines()]
    thursday = dict(zip(header, next(row for row in rows if row[0] == "2026-12-03"), strict=True))
    assert (thursday["First responses due"], thursday["First responses within SLA (%)"]) == ("4", "25.0")
