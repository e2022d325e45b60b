"""Every page fits a 390 px phone and a 1440 px laptop (issue 17, items 1 and 9).

On a phone the queue is the screen: a ticket opens as a full screen of its own, with a Back control
(and the browser's Back) returning to the list; the top bar folds into a Menu button. At 1440 px
nothing in the top bar is cut. Tables may scroll inside their own box, the page never sideways.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from oss_inbox.inbox.models import CannedResponse
from oss_inbox.keyaccounts import plans
from oss_inbox.sla.models import CoverageSchedule, SlaPolicy
from oss_inbox.surveys.models import Survey
from oss_inbox.tickets.models import Ticket
from oss_inbox.tickets.services import ingest
from tests import factories
from tests.factories import email, inbound
from tests.keyaccounts.mail_world import key_account

from .conftest import settle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1440, "height": 900}


def page_width(page):
    """How wide the page is and how wide the window: a page wider than its window scrolls sideways."""
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


def assert_fits(page, what):
    scroll_width, inner_width = page_width(page)
    assert scroll_width <= inner_width, f"{what} is {scroll_width} px wide in a {inner_width} px window"


@pytest.fixture
def world(twitter, mailbox):
    """A queue with a long X mention and an email with a long subject, as a night shift sees it."""
    ingest(
        twitter,
        [
            inbound(
                text="Power out on Elm St since 6am, the whole block is dark and my freezer is thawing, "
                "any ETA? https://example.com/a-very-long-link-that-does-not-break-anywhere-at-all-0123456789"
            )
        ],
    )
    ingest(
        mailbox, [email(subject="Bill higher than usual for the third month in a row, please explain why")]
    )
    return {"tweet": twitter.tickets.get(), "email": mailbox.tickets.get()}


# The queue, a ticket and the dashboard: for every role that sees them, at both sizes.
@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["390", "1440"])
@pytest.mark.parametrize("role", ["agent", "supervisor", "admin_user"])
def test_queue_ticket_and_dashboard_do_not_scroll_sideways(
    request, logged_in_page, live_server, world, role, size
):
    user = request.getfixturevalue(role)
    page = logged_in_page(user, **size)
    urls = ["/", f"/?view=all&ticket={world['tweet'].pk}", f"/tickets/{world['email'].pk}/"]
    if role != "agent":
        urls.append("/dashboards/")
    for url in urls:
        page.goto(live_server.url + url)
        settle(page)
        assert_fits(page, f"{url} as {role}")


def test_on_a_phone_a_ticket_is_a_screen_of_its_own_with_back(logged_in_page, live_server, agent, world):
    page = logged_in_page(agent, **PHONE)
    page.goto(f"{live_server.url}/?view=all")
    page.wait_for_load_state()
    rows = page.locator("#queue-rows")
    expect(rows).to_be_in_viewport()
    expect(page.locator("#ticket-pane")).to_be_hidden()  # no "choose a ticket" below the list

    page.locator(f"tr[data-ticket-id='{world['email'].pk}'] a[data-open]").click()
    heading = page.locator("#ticket-pane h1")
    expect(heading).to_contain_text("Bill higher than usual")
    expect(page).to_have_url(re.compile(rf"ticket={world['email'].pk}$"))
    expect(heading).to_be_in_viewport()
    expect(rows).to_be_hidden()  # the ticket is the screen, not a pane below the list
    assert_fits(page, "the opened ticket")

    page.get_by_role("link", name="Back to the list").click()
    expect(rows).to_be_visible()
    expect(page.locator("#ticket-pane")).to_be_hidden()
    expect(page).not_to_have_url(re.compile("ticket="))

    # The browser's Back works too: open again, then Back.
    page.locator(f"tr[data-ticket-id='{world['tweet'].pk}'] a[data-open]").click()
    expect(heading).to_contain_text("Power out on Elm St")
    expect(rows).to_be_hidden()
    page.go_back()
    expect(rows).to_be_visible()
    expect(rows).to_be_in_viewport()
    expect(page.locator("#ticket-pane")).to_be_hidden()


def test_on_a_phone_a_shared_ticket_link_opens_the_ticket_and_back_goes_to_its_queue(
    logged_in_page, live_server, agent, world
):
    page = logged_in_page(agent, **PHONE)
    page.goto(f"{live_server.url}/?view=all&ticket={world['tweet'].pk}")
    expect(page.locator("#ticket-pane h1")).to_contain_text("Power out on Elm St")
    expect(page.locator("#queue-rows")).to_be_hidden()
    page.get_by_role("link", name="Back to the list").click()
    expect(page.locator("#queue-rows")).to_be_visible()
    expect(page).to_have_url(live_server.url + "/")  # All open is the queue's first view


def test_on_a_phone_the_top_bar_folds_into_a_menu(logged_in_page, live_server, admin_user, world):
    page = logged_in_page(admin_user, **PHONE)
    page.goto(live_server.url + "/")
    menu = page.get_by_role("button", name="Menu")
    links = page.get_by_role("navigation", name="Account")
    expect(links).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    for name in ["Notifications", "Key accounts", "Dashboard", "Settings"]:
        expect(links.get_by_role("link", name=name)).to_be_in_viewport()
    expect(links.get_by_role("button", name="Log out")).to_be_in_viewport()
    assert_fits(page, "the open menu")
    page.keyboard.press("Escape")
    expect(links).to_be_hidden()
    expect(menu).to_be_focused()
    menu.click()
    links.get_by_role("link", name="Key accounts").click()
    expect(page).to_have_url(re.compile("/accounts/$"))


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin_user"])
def test_at_1440_nothing_in_the_top_bar_is_cut(request, logged_in_page, live_server, world, role):
    page = logged_in_page(request.getfixturevalue(role), **LAPTOP)
    for url in ["/", "/dashboards/"] if role != "agent" else ["/"]:
        page.goto(live_server.url + url)
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        items = page.locator(
            ".topbar a, .topbar button, .topbar input, .topbar .coverage, .topbar-user > span"
        )
        assert items.count() > 3
        for index in range(items.count()):
            item = items.nth(index)
            if not item.is_visible():
                continue
            cut = item.evaluate(
                """(element) => {
                  const box = element.getBoundingClientRect();
                  const outside = box.left < 0 || box.right > window.innerWidth;
                  const clipped = element.scrollWidth > element.clientWidth + 1;
                  return outside || clipped ? element.outerHTML.slice(0, 120) : null;
                }"""
            )
            assert cut is None, f"{url} as {role}: {cut}"
        assert_fits(page, f"{url} as {role}")
    coverage = page.locator(".topbar .coverage")
    expect(coverage).to_contain_text("Social media")


def test_the_favicon_is_linked_and_served(logged_in_page, live_server, agent):
    page = logged_in_page(agent)
    page.goto(live_server.url + "/")
    href = page.locator("link[rel=icon][type='image/svg+xml']").get_attribute("href")
    assert href.endswith(".svg")
    assert page.request.get(live_server.url + href).status == 200
    answer = page.request.get(live_server.url + "/favicon.ico", max_redirects=3)
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("image/")


def ticket_on(account, item):
    ingest(account, [item])
    return Ticket.objects.get(messages__external_id=item.external_id)


@pytest.fixture
def rated_surveys(mailbox, twitter, facebook, agent, other_agent):
    """Surveys sent this week on every survey channel, most of them rated, by two agents: the
    dashboard's Satisfaction section has its tiles and its three tables (channel, agent, week)."""
    now = timezone.now()
    kinds = [
        (mailbox, Survey.Channel.EMAIL),
        (facebook, Survey.Channel.MESSENGER),
        (twitter, Survey.Channel.X_DM),
    ]
    for number, rating in enumerate([5, 4, 2, None, 3, 5]):
        account, channel = kinds[number % 3]
        item = email(subject=f"Survey ticket {number}") if account.kind == "email" else inbound(kind="dm")
        Survey.objects.create(
            ticket=ticket_on(account, item), channel=channel, agent=[agent, other_agent][number % 2],
            created_at=now, sent_at=now, rating=rating, rated_at=now if rating else None,
        )  # fmt: skip


@pytest.fixture
def survey_sent(mailbox):
    """A survey just sent and not answered yet: its link opens the confirming page."""
    ticket = ticket_on(mailbox, email(subject="Meter reading looks wrong"))
    return Survey.objects.create(
        ticket=ticket, channel=Survey.Channel.EMAIL, created_at=timezone.now(), sent_at=timezone.now()
    )


@pytest.fixture
def admin_pages(world, admin_user, agent, twitter, mailbox, facebook, survey_sent):
    hospital = key_account("St. Mary's Hospital", "stmarys.example", manager=admin_user)
    year = timezone.localdate().year
    plans.plan_create(organization=hospital, year=year, actor=admin_user, summary="Power to plan around.")
    schedule = CoverageSchedule.objects.order_by("pk").first()
    policy = SlaPolicy.objects.order_by("pk").first()
    # The assignment page lists every account, each with its mode's select and Save.
    factories.account("email", name="Email billing-and-payments@prairie-electric-gas.example")
    canned = CannedResponse.objects.create(
        name="Billing: payment plan with a rather long name for a phone",
        text="Hi {{customer.first_name}}, we can split ticket #{{ticket.id}}'s balance into three monthly "
        "payments with no fee. Reply YES and I'll set it up. – {{agent.first_name}}",
    )
    return {
        "notifications": "/notifications/",
        "settings": "/settings/",
        "key accounts": "/accounts/",
        "key account": f"/accounts/{hospital.pk}/",
        "key account plan": f"/accounts/{hospital.pk}/plans/{year}/",
        "key accounts dashboard": "/accounts/dashboard/",
        "notices": "/accounts/notices/",
        "critical care": "/accounts/critical-care/",
        "channels": "/settings/channels/",
        "channel": f"/settings/channels/{twitter.pk}/",
        "new channel": "/settings/channels/new/",
        "schedules": "/settings/schedules/",
        "schedule": f"/settings/schedules/{schedule.pk}/",
        "SLA policies": "/settings/sla-policies/",
        "SLA policy": f"/settings/sla-policies/{policy.pk}/",
        "acknowledgements": "/settings/acknowledgements/",
        "safety phrases": "/settings/safety/",
        "safety replies": "/settings/safety/replies/",
        "safety on call": "/settings/safety/on-call/",
        "safety changes": "/settings/safety/changes/",
        "assignment": "/settings/assignment/",
        "people": "/settings/people/",
        "person": f"/settings/people/{agent.pk}/",
        "canned responses": "/settings/canned/",
        "canned response": f"/settings/canned/{canned.pk}/",
        "my settings": "/me/",
        "survey confirm": f"/survey/{survey_sent.token}/5/",
        "email channel": f"/settings/channels/{mailbox.pk}/",
    }


PAGES = [
    "notifications",
    "settings",
    "key accounts",
    "key account",
    "key account plan",
    "key accounts dashboard",
    "notices",
    "critical care",
    "channels",
    "channel",
    "new channel",
    "schedules",
    "schedule",
    "SLA policies",
    "SLA policy",
    "acknowledgements",
    "safety phrases",
    "safety replies",
    "safety on call",
    "safety changes",
    "assignment",
    "people",
    "person",
    "canned responses",
    "canned response",
    "my settings",
    "survey confirm",
    "email channel",
]


def test_no_page_scrolls_sideways_on_a_phone(logged_in_page, live_server, admin_user, admin_pages):
    # One walk through every page (one set-up, one browser page), naming every page too wide.
    page = logged_in_page(admin_user, **PHONE)
    too_wide = []
    for name in PAGES:
        answer = page.goto(live_server.url + admin_pages[name])
        assert answer.status == 200, name  # loaded: its stylesheets and scripts have run
        scroll_width, inner_width = page_width(page)
        if scroll_width > inner_width:
            too_wide.append(f"{name} is {scroll_width} px wide")
    assert too_wide == [], f"in a {PHONE['width']} px window"


@pytest.mark.parametrize("role", ["supervisor", "admin_user"])
def test_on_a_phone_the_dashboard_s_satisfaction_tables_scroll_in_their_cards(
    request, logged_in_page, live_server, world, rated_surveys, role
):
    """Six columns do not fit a phone: each table scrolls sideways in its own box, which the keyboard
    can scroll too (it takes the focus, named after its table), and the page does not."""
    page = logged_in_page(request.getfixturevalue(role), **PHONE)
    page.goto(live_server.url + "/dashboards/")
    settle(page)
    tables = page.locator("#satisfaction table")
    expect(tables).to_have_count(3)
    expect(page.get_by_test_id("csat-channel")).to_contain_text("Messenger")
    assert_fits(page, f"the dashboard with satisfaction as {role}")
    for index in range(3):
        box = tables.nth(index).locator("xpath=..")
        expect(box).to_have_class("table-scroll")
        card = box.locator("xpath=..").bounding_box()
        assert card["x"] + card["width"] <= PHONE["width"]
        if box.evaluate("box => box.scrollWidth > box.clientWidth"):
            expect(box).to_have_attribute("tabindex", "0")
            expect(box).to_have_attribute("aria-label", re.compile(r"^CSAT by .* \(scrolls sideways\)$"))


def test_on_a_phone_each_account_s_assignment_select_and_save_are_in_view(
    logged_in_page, live_server, admin_user, admin_pages
):
    page = logged_in_page(admin_user, **PHONE)
    page.goto(live_server.url + admin_pages["assignment"])
    rows = page.locator(".assignment-accounts tbody tr")
    assert rows.count() >= 4
    for index in range(rows.count()):
        for control in (
            rows.nth(index).locator("select"),
            rows.nth(index).get_by_role("button", name="Save"),
        ):
            box = control.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], control
        select = rows.nth(index).locator("select")
        assert select.evaluate("select => select.scrollWidth <= select.clientWidth + 1")
    assert_fits(page, "the assignment page")


def test_on_a_phone_the_schedule_s_times_are_whole_and_inside_their_day(
    logged_in_page, live_server, admin_user
):
    """One day per row: no time is clipped ("08:0") and no window's controls (times, day, ✕) reach
    into another day's box."""
    schedule = CoverageSchedule.objects.order_by("pk").first()
    page = logged_in_page(admin_user, **PHONE)
    page.goto(f"{live_server.url}/settings/schedules/{schedule.pk}/")
    page.get_by_role("button", name="+ Add Sat window").click()
    expect(page.get_by_label("Saturday window 2 from", exact=True)).to_be_visible()
    problems = page.evaluate(
        """() => {
          const problems = [];
          for (const day of document.querySelectorAll('.week-grid .day-column')) {
            const box = day.getBoundingClientRect();
            for (const control of day.querySelectorAll('.window input, .window select, .window button')) {
              const own = control.getBoundingClientRect();
              const name = control.getAttribute('aria-label') || control.id;
              if (own.left < box.left || own.right > box.right || own.right > window.innerWidth) {
                problems.push(`${name} outside its day`);
              }
              if (control.matches('input') && control.scrollWidth > control.clientWidth) {
                problems.push(`${name} clipped: ${control.scrollWidth} > ${control.clientWidth}`);
              }
            }
          }
          return problems;
        }"""
    )
    assert page.locator(".week-grid input.clock").count() >= 16
    assert problems == []
    assert_fits(page, "the schedule editor")


def test_on_a_phone_a_long_subject_ends_in_an_ellipsis_inside_its_row(
    logged_in_page, live_server, agent, world
):
    page = logged_in_page(agent, **PHONE)
    page.goto(f"{live_server.url}/?view=all")
    lines = page.locator("#queue-rows .queue-row .line2")
    expect(lines.first).to_be_visible()
    cut = 0
    for index in range(lines.count()):
        line = lines.nth(index)
        fits = line.evaluate(
            """(line) => {
              const own = line.getBoundingClientRect(), row = line.closest('tr').getBoundingClientRect();
              const style = getComputedStyle(line);
              const long = line.scrollWidth > line.clientWidth;
              return {
                inside: own.right <= row.right && own.right <= window.innerWidth,
                long,
                ellipsis: style.textOverflow === 'ellipsis' && style.overflowX === 'hidden',
              };
            }"""
        )
        assert fits["inside"], line.inner_text()
        if fits["long"]:
            assert fits["ellipsis"], line.inner_text()
            cut += 1
    assert cut >= 1  # the email's long subject does not fit on one phone line
    assert_fits(page, "the queue")


def test_anyone_asking_for_favicon_ico_gets_the_icon(client):
    """Browsers ask for /favicon.ico on their own, on the login page too: no login needed."""
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301
    assert answer["Location"].endswith("/img/favicon.ico")
