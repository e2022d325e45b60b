"""The main pages pass axe-core with no serious or critical violation, and every action on them is
reachable with the keyboard, with a visible focus (issue 17, accessibility).

axe-core runs inside the page (axe-playwright-python bundles it; Playwright's evaluate is not
refused by the Content-Security-Policy). Its "serious" and "critical" rules are what a screen reader
or a keyboard user cannot get past: missing labels and names, contrast under AA, broken landmarks.
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from oss_inbox.safety.models import SafetyPhrase
from oss_inbox.sla.models import CoverageSchedule, SlaPolicy
from oss_inbox.tickets.services import ingest
from tests.factories import email, inbound
from tests.keyaccounts.mail_world import key_account

from .conftest import settle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
BLOCKING = {"serious", "critical"}

axe = Axe()


def blocking_violations(page):
    """axe's serious and critical findings on the page as it is now, one line each, with the elements."""
    results = axe.run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = ", ".join(str(node["target"]) for node in violation["nodes"][:5])
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return found


@pytest.fixture
def world(twitter, mailbox, admin_user):
    ingest(twitter, [inbound(text="Power out on Elm St since 6am, any ETA?")])
    ingest(mailbox, [email(subject="Bill higher than usual")])
    key_account("St. Mary's Hospital", "stmarys.example", manager=admin_user)
    return {"tweet": twitter.tickets.get(), "email": mailbox.tickets.get()}


def main_pages(world):
    schedule = CoverageSchedule.objects.order_by("pk").first()
    policy = SlaPolicy.objects.order_by("pk").first()
    assert SafetyPhrase.objects.exists()
    return {
        "queue": "/",
        "ticket in the queue": f"/?ticket={world['tweet'].pk}",
        "ticket": f"/tickets/{world['email'].pk}/",
        "dashboard": "/dashboards/",
        "key accounts": "/accounts/",
        "notifications": "/notifications/",
        "settings": "/settings/",
        "channels": "/settings/channels/",
        "schedules": "/settings/schedules/",
        "schedule": f"/settings/schedules/{schedule.pk}/",
        "SLA policies": "/settings/sla-policies/",
        "SLA policy": f"/settings/sla-policies/{policy.pk}/",
        "safety phrases": "/settings/safety/",
    }


def settled(page, url):
    page.goto(url)
    settle(page)
    if "ticket=" in url:
        expect(page.locator("#ticket-pane h1")).to_be_visible()


@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["1440", "390"])
def test_main_pages_have_no_serious_or_critical_axe_violation(
    logged_in_page, live_server, admin_user, world, size
):
    page = logged_in_page(admin_user, **size)
    problems = {}
    for name, url in main_pages(world).items():
        settled(page, live_server.url + url)
        found = blocking_violations(page)
        if found:
            problems[name] = found
    if size is PHONE:  # the folded parts, unfolded
        settled(page, live_server.url + "/")
        page.get_by_role("button", name="Menu").click()
        page.get_by_role("button", name="Filters").click()
        problems["queue, menu and filters open"] = blocking_violations(page)
    assert {name: found for name, found in problems.items() if found} == {}


def test_the_login_page_has_no_serious_or_critical_axe_violation(browser, live_server):
    page = browser.new_page(viewport=LAPTOP)
    try:
        page.goto(live_server.url + "/login/")
        assert blocking_violations(page) == []
        page.get_by_label("Username").fill("nobody")
        page.get_by_label("Password").fill("wrong")
        page.get_by_role("button", name=re.compile("Log in|Sign in")).click()
        page.wait_for_load_state()
        assert blocking_violations(page) == []  # with its error
    finally:
        page.close()


# Every element that does something, as the keyboard reaches it. The page's own Tab order is walked
# and each stop's focus ring measured: an outline (:focus-visible) or a box-shadow ring.
FOCUS_STOP = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const style = getComputedStyle(element);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  const ring = outline || style.boxShadow !== "none";
  return {key: element.dataset.tabKey || "", html: element.outerHTML.slice(0, 100), ring: ring};
}"""

# Every element one can act on, visible, in the document's order; each gets a key to recognise it by.
MARK_ACTIONS = """() => {
  const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary, "
    + "[tabindex]:not([tabindex='-1'])";
  // checkVisibility: not inside a closed <details> either (its content is hidden, not removed).
  const actions = Array.from(document.querySelectorAll(selector)).filter((element) =>
    !element.disabled && element.checkVisibility({visibilityProperty: true}));
  return actions.map((element, index) => {
    element.dataset.tabKey = String(index);
    return {key: String(index), html: element.outerHTML.slice(0, 100)};
  });
}"""


def walk_with_tab(page, limit):
    actions = page.evaluate(MARK_ACTIONS)
    page.locator("body").focus()
    stops = []
    for _ in range(min(limit, len(actions) + 20)):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUS_STOP)
        if stop is None or (stops and stop == stops[0]):
            break
        stops.append(stop)
    return actions, stops


@pytest.mark.parametrize("name", ["queue", "ticket", "dashboard", "SLA policy", "safety phrases"])
def test_every_action_is_reached_by_tab_with_a_visible_focus(
    logged_in_page, live_server, admin_user, world, name
):
    page = logged_in_page(admin_user, **LAPTOP)
    settled(page, live_server.url + main_pages(world)[name])
    actions, stops = walk_with_tab(page, limit=400)
    reached = {stop["key"] for stop in stops}
    missed = [action for action in actions if action["key"] not in reached]
    assert missed == [], f"{name}: not reached with Tab: {missed[:10]}"
    unringed = [stop for stop in stops if not stop["ring"]]
    assert unringed == [], f"{name}: no visible focus on {unringed[:10]}"


def test_on_a_phone_the_menu_filters_and_a_ticket_work_from_the_keyboard(
    logged_in_page, live_server, admin_user, world
):
    page = logged_in_page(admin_user, **PHONE)
    settled(page, live_server.url + "/")
    actions, stops = walk_with_tab(page, limit=200)
    assert [stop for stop in stops if not stop["ring"]] == []
    assert {action["key"] for action in actions} <= {stop["key"] for stop in stops}

    menu = page.get_by_role("button", name="Menu")
    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")  # into the links, in the order they are shown
    expect(page.get_by_role("navigation", name="Account").get_by_role("link").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_focused()
    expect(page.get_by_role("navigation", name="Account")).to_be_hidden()

    filters = page.get_by_role("button", name="Filters")
    filters.focus()
    page.keyboard.press("Space")
    expect(page.get_by_label("Channel")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Channel")).to_be_focused()

    row = page.locator(f"tr[data-ticket-id='{world['email'].pk}'] a[data-open]")
    row.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#ticket-pane h1")).to_contain_text("Bill higher than usual")
    expect(
        page.locator("#ticket-pane")
    ).to_be_focused()  # the keyboard is in the ticket, not on the hidden row
    page.keyboard.press("Shift+Tab")  # just before the ticket
    back = page.get_by_role("link", name="Back to the list")
    expect(back).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#queue-rows")).to_be_visible()
