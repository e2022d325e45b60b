"""The dashboard page: who may see it, htmx partials, CSV exports, and a bounded number of queries."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from oss_inbox.dashboards.filters import local_today
from oss_inbox.dashboards.rollup import rollup_refresh

from .history import at, build, ticket

pytestmark = pytest.mark.django_db
PAGE = reverse("dashboards:page")


@pytest.fixture
def world(twitter, facebook, mailbox, agent, other_agent):
    made = build(twitter=twitter, facebook=facebook, mailbox=mailbox, dana=agent, lee=other_agent)
    rollup_refresh()
    return made


def history_range():
    return {"start": "2026-10-31", "end": "2026-11-30"}


@pytest.mark.parametrize("who", ["supervisor", "admin_user"])
def test_supervisors_and_admins_see_the_dashboard_and_its_link(client, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(PAGE)
    assert response.status_code == 200
    assert 'id="dashboard"' in response.content.decode()
    assert f'href="{PAGE}"' in client.get(reverse("inbox:queue")).content.decode()


@pytest.mark.parametrize("who", ["agent", "outsider"])
def test_agents_get_403_and_no_link(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(PAGE).status_code == 403
    assert client.get(reverse("dashboards:export", args=["daily"])).status_code == 403
    if who == "agent":
        assert f'href="{PAGE}"' not in client.get(reverse("inbox:queue")).content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "login" in response["Location"]


def test_filter_change_returns_the_dashboard_partial_only(client, supervisor, world):
    client.force_login(supervisor)
    response = client.get(
        PAGE,
        {**history_range(), "channel": "email"},
        headers={"HX-Request": "true", "HX-Target": "dashboard"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="dashboard"') and "<html" not in html
    assert 'id="filters"' in html and 'id="dashboard-body"' in html


def test_the_minute_poll_returns_the_body_only(client, supervisor, world):
    client.force_login(supervisor)
    response = client.get(
        PAGE, history_range(), headers={"HX-Request": "true", "HX-Target": "dashboard-body"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="dashboard-body"') and 'id="filters"' not in html
    assert 'hx-trigger="every 60s"' in html


def test_csv_export_holds_the_numbers_of_the_page_table(client, supervisor, world):
    client.force_login(supervisor)
    page = client.get(PAGE, history_range()).context["board"]
    response = client.get(reverse("dashboards:export", args=["first_responses"]), history_range())
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="first_responses-2026-10-31-to-2026-11-30.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    table = page.tables["first_responses"]
    assert rows == [table.columns, *table.rows]
    # T1, T6, T2, T9 met; T5 late (T3's due time is after the real "now" on some dates: not counted here).
    assert rows[1][0] == "All channels" and rows[1][5] == "4"


@pytest.mark.parametrize(
    "slug", ["open", "alerts", "first_responses", "follow_ups", "times", "daily", "heatmap", "agents"]
)
def test_every_table_exports(client, supervisor, world, slug):
    client.force_login(supervisor)
    response = client.get(reverse("dashboards:export", args=[slug]), history_range())
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    # A heading, and rows (alerts depend on the real clock: none before the history's "now").
    assert rows[0] and (len(rows) >= 2 or slug == "alerts")


def test_unknown_table_is_404(client, supervisor):
    client.force_login(supervisor)
    assert client.get(reverse("dashboards:export", args=["salaries"])).status_code == 404


def test_invalid_range_says_so_and_shows_the_last_30_days(client, supervisor):
    client.force_login(supervisor)
    response = client.get(PAGE, {"start": "2026-11-30", "end": "2026-11-01"})
    assert "must not be after" in response.content.decode()
    board = response.context["board"]
    assert board.filters.days == 30 and board.filters.end == local_today(timezone.now())


def page_queries(client, django_assert_max_num_queries):
    client.get(PAGE, history_range())  # the on-demand refresh, if any, happens here
    with django_assert_max_num_queries(30) as queries:
        client.get(PAGE, history_range())
    return len(queries)


def test_page_queries_are_bounded_whatever_the_history(
    client, supervisor, world, twitter, mailbox, agent, other_agent, django_assert_max_num_queries
):
    client.force_login(supervisor)
    before = page_queries(client, django_assert_max_num_queries)
    for number in range(12):  # more tickets, channels, agents, days, alerts: not one query more
        created = at("2026-11-02 09:00") + timedelta(days=number, hours=number)
        ticket(
            twitter if number % 2 else mailbox,
            created,
            assignee=agent if number % 3 else other_agent,
            answered=created + timedelta(hours=1),
            due=created + timedelta(hours=4),
            messages=[(created, "inbound"), (created + timedelta(hours=1), "outbound")],
            sla_due=timezone.now() - timedelta(minutes=number),
        )
    rollup_refresh()
    assert page_queries(client, django_assert_max_num_queries) == before


def test_a_page_refreshes_stale_figures_itself(
    client, supervisor, twitter, agent, other_agent, facebook, mailbox
):
    build(twitter=twitter, facebook=facebook, mailbox=mailbox, dana=agent, lee=other_agent)
    client.force_login(supervisor)
    board = client.get(PAGE, history_range()).context["board"]
    assert board.state.refreshed_at is not None
    assert board.sections.trends.messages_in == 13


def test_presets_keep_the_other_filters(client, supervisor):
    client.force_login(supervisor)
    presets = client.get(PAGE, {"channel": "email"}).context["presets"]
    today = local_today(timezone.now())
    label, query, chosen = presets[1]
    assert label == "7 days" and "channel=email" in query
    assert f"start={today - timedelta(days=6)}" in query and not chosen


def test_the_heatmap_outlines_team_hours_and_names_the_holiday(client, supervisor, world):
    client.force_login(supervisor)
    html = client.get(PAGE, history_range()).content.decode()
    assert "Thu Nov 26 closed" in html
    # Mon-Fri 07:00-22:00 and Sat-Sun 08:00-21:00: seven outlines, 15 and 13 cells wide.
    assert html.count('class="heat-window"') == 7
    assert html.count('width="390.0"') == 5 and html.count('width="338.0"') == 2
