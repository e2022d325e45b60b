"""A supervisor narrows the dashboard with htmx (no full reload) and downloads a table as CSV."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from oss_inbox.dashboards.rollup import rollup_refresh
from tests.dashboards.history import build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def table_cells(page, slug):
    """The rows of a dashboard table as the page shows them (a dash is an empty cell)."""
    rows = page.locator(f"#table-{slug} table tbody tr")
    return [
        ["" if text == "—" else text for text in rows.nth(index).locator("th, td").all_inner_texts()]
        for index in range(rows.count())
    ]


def first_day_label(page):
    return page.locator("#chart-volume svg text.axis[text-anchor=middle]").first.text_content()


def wait_for_rows(page, slug, count):
    # Locator assertions, not wait_for_function: its polling evaluates a string, which the
    # page's Content-Security-Policy (no 'unsafe-eval') refuses whenever the first look fails.
    expect(page.locator(f"#table-{slug} table tbody tr")).to_have_count(count)


def test_supervisor_filters_without_reload_and_downloads_the_same_numbers(
    logged_in_page, live_server, supervisor, agent, other_agent, twitter, facebook, mailbox
):
    build(twitter=twitter, facebook=facebook, mailbox=mailbox, dana=agent, lee=other_agent)
    rollup_refresh()
    page = logged_in_page(supervisor)
    page.goto(f"{live_server.url}/dashboards/?start=2026-10-31&end=2026-11-30")
    assert page.locator("#table-daily tbody tr").count() == 31
    bars = page.locator("#chart-volume path.series-in").get_attribute("d")
    assert first_day_label(page) == "Oct 31"
    page.evaluate("window.dashboardMarker = 'still here'")  # lost if the page reloaded

    # The date range: one week. Charts and tables follow; the address bar too.
    with page.expect_response(lambda response: "start=2026-11-24" in response.url):
        page.locator("#id_start").fill("2026-11-24")
    wait_for_rows(page, "daily", 7)
    assert first_day_label(page) == "Nov 24"
    assert page.locator("#chart-volume path.series-in").get_attribute("d") != bars
    assert "start=2026-11-24" in page.url

    # The channel: email. Of its tickets that week, T2 was answered in time, T5 late.
    with page.expect_response(lambda response: "channel=email" in response.url):
        page.locator("#id_channel").select_option("email")
    expect(page).to_have_url(re.compile(r"channel=email"))
    wait_for_rows(page, "first_responses", 2)
    shown = table_cells(page, "first_responses")
    assert shown[0][0] == "All channels" and shown[0][4:] == ["50.0", "1", "2", "0"]  # none left unanswered
    assert page.locator("#table-daily tbody tr").count() == 7
    assert page.evaluate("window.dashboardMarker") == "still here"

    # Each CSV holds what the table shows, for the same filters (the daily table is the
    # charts' table view, behind its summary).
    page.get_by_text("Table view: day by day").click()
    for slug in ("first_responses", "daily", "times"):
        with page.expect_download() as download:
            page.locator(f"#table-{slug} a.csv").click()
        with open(download.value.path(), encoding="utf-8") as saved:
            rows = list(csv.reader(io.StringIO(saved.read())))
        assert rows[1:] == table_cells(page, slug), slug
        assert download.value.suggested_filename == f"{slug}-2026-11-24-to-2026-11-30.csv"
    assert page.evaluate("window.dashboardMarker") == "still here"
