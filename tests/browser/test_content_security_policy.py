"""Every page works under the Content-Security-Policy: chromium reports no violation and no script
error on the queue, a ticket (opened in the pane and on its own), the dashboard, key accounts, the
settings pages and Django admin."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from oss_inbox.keyaccounts import plans
from oss_inbox.sla.models import CoverageSchedule
from oss_inbox.tickets.services import ingest
from tests.factories import inbound
from tests.keyaccounts.mail_world import key_account

from .conftest import settle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Chromium reports a refused script or style both as this event and as a console error.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(
    event.violatedDirective + " refused " + (event.blockedURI || "inline")
    + " in " + event.sourceFile + ":" + event.lineNumber
  );
});
"""


def watched_page(logged_in_page, user):
    page = logged_in_page(user)
    page.add_init_script(RECORD_VIOLATIONS)
    page.problems = []
    page.on("console", lambda message: message.type == "error" and page.problems.append(message.text))
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    return page


def visit(page, url):
    page.goto(url)
    settle(page)
    return page.evaluate("window.cspViolations")


def test_no_page_breaks_the_policy(logged_in_page, live_server, admin_user, twitter):
    ingest(twitter, [inbound(text="Power out on Elm St since 6am, any ETA?")])
    ticket = twitter.tickets.get()
    hospital = key_account("St. Mary's Hospital", "stmarys.example", manager=admin_user)
    plans.plan_create(
        organization=hospital,
        year=timezone.localdate().year,
        actor=admin_user,
        summary="Power to plan around.",
    )
    schedule = CoverageSchedule.objects.order_by("pk").first()
    page = watched_page(logged_in_page, admin_user)
    base = live_server.url
    urls = [
        "/",
        f"/tickets/{ticket.pk}/",
        "/dashboards/",
        "/accounts/",
        f"/accounts/{hospital.pk}/",
        f"/accounts/{hospital.pk}/plans/{timezone.localdate().year}/",
        "/notifications/",
        "/settings/channels/",
        f"/settings/channels/{twitter.pk}/",
        "/settings/schedules/",
        f"/settings/schedules/{schedule.pk}/",
        "/settings/sla-policies/",
        "/tickets/99999/",
        "/admin/",
        f"/admin/channels/channelaccount/{twitter.pk}/change/",
    ]
    violations = {url: visit(page, base + url) for url in urls}
    assert {url: found for url, found in violations.items() if found} == {}

    page.goto(base + "/")  # a ticket opened in the pane: htmx swaps it in
    page.get_by_role("link", name=re.compile("^All open")).click()
    page.wait_for_load_state()
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(page.locator("#ticket-pane")).to_contain_text("Power out on Elm St")
    assert page.evaluate("window.cspViolations") == []
    # The one console error allowed: the browser's own line for the missing ticket's 404.
    assert [problem for problem in page.problems if "404" not in problem] == []


def test_with_debug_on_a_failed_pane_request_is_said_in_the_pane(
    logged_in_page, live_server, agent, settings
):
    """As under `make run`: the pane's own failure line, not the whole page swapped for an error page."""
    settings.DEBUG = True
    page = watched_page(logged_in_page, agent)
    page.goto(f"{live_server.url}/?ticket=99999")  # the pane asks for a ticket that is not there
    expect(page.locator("#ticket-pane .pane-error")).to_have_text("This ticket is no longer there.")
    expect(page.locator("#queue-rows")).to_be_visible()
    assert page.evaluate("window.cspViolations") == []
    assert [problem for problem in page.problems if "404" not in problem] == []
