"""Retake the screenshots of the pages issue 17 changed, each at 1440×900 (name.png) and on a 390×844
phone (name-phone.png): the queue and a ticket assigned automatically, the collision choices, the
dashboard (promise kept, satisfaction), the settings pages (hub, people, a person, canned responses,
assignment, your settings), an email account's form, a failed Test connection, the schedule editor
with an error, the survey's confirming page and the sandbox's control page.

    .venv/bin/python docs/screenshots/take_desk.py [--tickets 160] [--only NAME ...] [--keep]

Steps: 1. the demo on a scratch SQLite database (take.demo_site); 2. what the demo leaves out, so
the features show: Dana available with room for three tickets and the Email account assigning
round-robin (she gets its waiting tickets, each with its reason), a month of surveys with ratings on
resolved tickets, one survey just sent (its link), a canned response, and the X account's API base
URL on a host that cannot exist (its Test connection fails, as it would for a typo);
3. headless chromium (Playwright, /usr/bin/chromium) signed in as Dana (agent), Sam (supervisor)
or the admin, with the sandbox (`python -m channels.sandbox`) started on free ports for its page
and stopped after. PNGs are reduced to 256 colours when Pillow is importable.
"""

import argparse
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from take import CHROMIUM, ROOT, demo_site, free_port, wait_for  # noqa: E402

OUT = Path(__file__).resolve().parent
SIZES = {"": {"width": 1440, "height": 900}, "-phone": {"width": 390, "height": 844}}
CANNED = "Billing: payment plan"
DRAFT = "Hi, I have asked our billing team to look at the reading again; you will hear from us today."


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=160, help="demo tickets to create (default 160)")
    parser.add_argument("--only", nargs="*", help="take only these screenshots (names without .png)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder and print where it is")
    args = parser.parse_args()
    with demo_site(args.tickets, prefix="oss-inbox-desk-shots-", prepare=prepare, keep=args.keep) as (
        base,
        world,
    ):
        saved = shoot(base, world, set(args.only or ()))
    for path in saved:
        shrink(path)
        print(f"Saved {path.name} ({path.stat().st_size // 1024} KB)")


# -- the world ------------------------------------------------------------------------------------


def prepare():
    """The extras; returns what the screenshots need: {"ticket": id, "collision": [id, id], ...}."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from channels.models import Assignment, ChannelAccount
    from oss_inbox.inbox.models import CannedResponse
    from oss_inbox.sla.states import OPEN_STATUSES
    from oss_inbox.staff.models import StaffProfile
    from oss_inbox.tickets.models import Ticket
    from oss_inbox.tickets.services.assignment import assignment_origin, tickets_assign_waiting

    users = get_user_model().objects
    dana = users.get(username="dana")
    now = timezone.now()

    # Automatic assignment: Dana on shift with room for three; the Email account gives out its waiting
    # tickets.
    StaffProfile.objects.exclude(user=dana).update(available=False)
    profile, _ = StaffProfile.objects.get_or_create(user=dana)
    profile.available = True
    profile.capacity = Ticket.objects.filter(assignee=dana, status__in=OPEN_STATUSES).count() + 3
    profile.save()
    email = ChannelAccount.objects.get(kind="email")
    ChannelAccount.objects.filter(pk=email.pk).update(assignment=Assignment.ROUND_ROBIN)
    given = tickets_assign_waiting(now=now, present={dana.pk})
    automatic = next((g.ticket for g in given if assignment_origin(g.ticket).automatic), None)
    print(f"Automatic assignment: {len(given)} tickets to Dana", file=sys.stderr)

    surveys_made(now)
    survey = survey_just_sent(now)

    CannedResponse.objects.get_or_create(
        name=CANNED,
        defaults={
            "text": (
                "Hi {{customer.first_name}}, we can split ticket #{{ticket.id}}'s balance into three "
                "monthly payments with no fee. Reply YES and I'll set it up. – {{agent.first_name}}"
            )
        },
    )
    canned = CannedResponse.objects.get(name=CANNED)

    x = ChannelAccount.objects.get(kind="twitter")
    x.settings = {**x.settings, "api_base_url": "https://api.x.invalid"}
    keys = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
    x.credentials = {**x.credentials, **{key: "screenshot" for key in keys}}  # as connect_sandbox does
    x.save()

    # Two open email tickets nobody holds, for the collision at each size.
    collision = list(
        Ticket.objects.filter(account=email, status__in=["new", "open"], safety="", assignee__isnull=True)
        .exclude(pk=getattr(automatic, "pk", None))
        .order_by("-updated_at")
        .values_list("pk", flat=True)[:2]
    )
    return {
        "ticket": automatic.pk if automatic else None,
        "collision": collision,
        "survey": survey.token,
        "canned": canned.pk,
        "email": email.pk,
        "x": x.pk,
        "person": dana.pk,
    }


def surveys_made(now):
    """Surveys of the month's resolved tickets, as beat would have sent them 30 minutes after each
    resolution; about two in three answered, mostly satisfied (a steady mix, not random)."""
    from oss_inbox.surveys.models import Survey
    from oss_inbox.tickets.models import Ticket

    channel = {
        "email": Survey.Channel.EMAIL,
        "facebook": Survey.Channel.MESSENGER,
        "twitter": Survey.Channel.X_DM,
    }
    ratings = [5, 4, None, 5, 3, 4, None, 5, 2, 4, 5, None, 1, 5, 4]
    resolved = Ticket.objects.filter(
        status="resolved",
        resolved_at__gte=now - timedelta(days=28),
        resolved_at__lte=now - timedelta(hours=1),
    ).select_related("account")
    surveys = []
    for n, ticket in enumerate(resolved.order_by("resolved_at", "pk")):
        sent = ticket.resolved_at + timedelta(minutes=30)
        rating = ratings[n % len(ratings)]
        surveys.append(
            Survey(
                ticket=ticket,
                channel=channel[ticket.account.kind],
                agent_id=ticket.assignee_id,
                created_at=sent,
                sent_at=sent,
                rating=rating,
                rated_at=sent + timedelta(minutes=20) if rating else None,
                rated_via=Survey.Via.PAGE if rating else "",
                comment="Quick and kind, thank you." if rating == 5 and n % 3 == 0 else "",
            )
        )
    Survey.objects.bulk_create(surveys)
    print(f"Surveys: {len(surveys)}", file=sys.stderr)


def survey_just_sent(now):
    """A resolved ticket's survey sent a minute ago and not answered yet: its link opens the page."""
    from oss_inbox.surveys.models import Survey
    from oss_inbox.tickets.models import Ticket

    ticket = Ticket.objects.filter(status="resolved", survey__isnull=True, account__kind="email").first()
    if ticket is None:
        ticket = (
            Ticket.objects.filter(status="resolved", account__kind="email").order_by("-resolved_at").first()
        )
        Survey.objects.filter(ticket=ticket).delete()
    sent = now - timedelta(minutes=1)
    return Survey.objects.create(
        ticket=ticket,
        channel=Survey.Channel.EMAIL,
        agent_id=ticket.assignee_id,
        created_at=sent,
        sent_at=sent,
    )


# -- the browser ----------------------------------------------------------------------------------


def shoot(base, world, only):
    from playwright.sync_api import sync_playwright

    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        for suffix, viewport in SIZES.items():
            phone = bool(suffix)
            for name, take in SHOTS.items():
                if only and name not in only:
                    continue
                context = browser.new_context(viewport=viewport, timezone_id="America/Chicago")
                page = context.new_page()
                path = OUT / f"{name}{suffix}.png"
                try:
                    take(page, base, world, phone)
                    page.wait_for_timeout(300)
                    page.screenshot(path=str(path))
                    saved.append(path)
                except Exception as error:  # noqa: BLE001 - the others are still worth taking
                    print(f"Not saved: {path.name}: {error}", file=sys.stderr)
                finally:
                    context.close()
        browser.close()
    return saved


def sign_in(page, base, username):
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": base, "value": cookie}])


def visit(page, base, username, path):
    if username:
        sign_in(page, base, username)
    page.goto(f"{base}{path}")
    page.wait_for_load_state("networkidle")


def into_view(locator):
    """Scroll so the element's top sits near the top of the window (not at its bottom edge)."""
    locator.scroll_into_view_if_needed()
    locator.evaluate("element => element.scrollIntoView({block: 'start'})")
    locator.page.evaluate("window.scrollBy(0, -16)")


def queue(page, base, world, phone):
    visit(page, base, "dana", "/")
    if not phone:
        page.keyboard.press("j")
        page.keyboard.press("Enter")
        page.wait_for_selector("#ticket-pane h1", timeout=20000)


def ticket(page, base, world, phone):
    visit(page, base, "dana", f"/tickets/{world['ticket']}/")
    page.evaluate("localStorage.clear()")


def collision(page, base, world, phone):
    from django.contrib.auth import get_user_model
    from playwright.sync_api import expect

    from oss_inbox.tickets.models import Ticket
    from oss_inbox.tickets.services import ticket_reply

    ticket_id = world["collision"][1 if phone else 0]
    visit(page, base, "dana", f"/tickets/{ticket_id}/")
    page.evaluate("localStorage.clear()")
    page.locator("#composer-text").fill(DRAFT)
    ticket_reply(
        ticket=Ticket.objects.get(pk=ticket_id),
        author=get_user_model().objects.get(username="lee"),
        text="Lee here: I've sent the meter reading to billing; they will call you tomorrow morning.",
        delivered_as=f"screenshot-collision-{ticket_id}",
    )
    page.get_by_role("button", name="Send", exact=True).click()
    box = page.locator("[data-collision]")
    expect(box).to_be_visible(timeout=10000)
    page.wait_for_timeout(400)
    box.evaluate(
        "element => element.scrollIntoView({block: 'end'})"
    )  # the draft above it, the buttons in view
    page.evaluate("window.scrollBy(0, 40)")


def dashboard(page, base, world, phone):
    visit(page, base, "sam", "/dashboards/")
    into_view(page.locator("#promise-heading").locator("xpath=.."))


def dashboard_now(page, base, world, phone):
    visit(page, base, "sam", "/dashboards/")


def satisfaction(page, base, world, phone):
    visit(page, base, "sam", "/dashboards/")
    into_view(page.locator("#satisfaction"))


def settings_hub(page, base, world, phone):
    visit(page, base, "admin", "/settings/")


def people(page, base, world, phone):
    visit(page, base, "admin", "/settings/people/")


def person(page, base, world, phone):
    visit(page, base, "admin", f"/settings/people/{world['person']}/")


def canned_list(page, base, world, phone):
    visit(page, base, "admin", "/settings/canned/")


def canned_edit(page, base, world, phone):
    visit(page, base, "admin", f"/settings/canned/{world['canned']}/")
    text = page.get_by_label("Text", exact=True)
    text.press("Control+End")
    text.type("\nP.S. Ticket #{{ticket.id}} stays open until the plan is set up.", delay=10)
    page.wait_for_timeout(1200)  # the preview follows 300 ms after typing stops
    page.wait_for_load_state("networkidle")
    if phone:
        into_view(page.locator("#preview-title"))


def assignment(page, base, world, phone):
    visit(page, base, "admin", "/settings/assignment/")


def my_settings(page, base, world, phone):
    visit(page, base, "dana", "/me/")


def channel_email(page, base, world, phone):
    visit(page, base, "admin", f"/settings/channels/{world['email']}/")
    # The demo's mailbox has no servers (make run points it at the sandbox): typed in, as an admin would.
    page.get_by_label("Sender name", exact=True).fill("Prairie Electric & Gas Customer Care")
    page.get_by_label("IMAP host", exact=True).fill("imap.prairie-eg.example")
    page.get_by_label("IMAP username", exact=True).fill("help@prairie-eg.example")
    page.get_by_label("SMTP host", exact=True).fill("smtp.prairie-eg.example")
    page.get_by_label("SMTP security", exact=True).focus()
    into_view(page.get_by_label("Sender name", exact=True))
    page.evaluate("window.scrollBy(0, -40)")


def channel_test(page, base, world, phone):
    from playwright.sync_api import expect

    visit(page, base, "admin", "/settings/channels/")
    result = page.locator(f"#check-{world['x']}")
    page.locator(f"form[action$='/{world['x']}/check/'] button").click()
    expect(result.locator(".check-result")).to_be_visible(timeout=30000)
    # The raw detail stays folded under "Details", as an admin first sees it.
    row = result.locator("xpath=ancestor::*[self::tr or self::li or self::article or self::section][1]")
    into_view(row)


def schedule_error(page, base, world, phone):
    from playwright.sync_api import expect

    visit(page, base, "admin", "/settings/schedules/")
    page.get_by_role("link", name="Social media").first.click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="+ Add Sat window").click()
    start = page.get_by_label("Saturday window 2 from", exact=True)
    start.wait_for()
    start.fill("06:00")
    page.keyboard.press("Tab")
    expect(page.locator("#error-day-5")).to_contain_text("overlap", timeout=10000)
    page.get_by_role("button", name="Save").first.click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#error-day-5")).to_contain_text("overlap", timeout=10000)
    page.locator("#error-day-5").evaluate("element => element.scrollIntoView({block: 'center'})")


def survey(page, base, world, phone):
    visit(page, base, None, f"/survey/{world['survey']}/5/")


def sandbox(page, base, world, phone):
    ports = {name: free_port() for name in ("X", "GRAPH", "IMAP", "SMTP", "CONTROL")}
    env = {**os.environ, "SANDBOX_APP_URL": f"{base}/", "LOG_LEVEL": "WARNING"}
    env.update({f"SANDBOX_{name}_PORT": str(port) for name, port in ports.items()})
    server = subprocess.Popen(
        [sys.executable, "-m", "channels.sandbox", "--quiet-customers"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        control = f"http://127.0.0.1:{ports['CONTROL']}/"
        wait_for(f"{control}sent")  # its JSON address: the page answers browsers only
        page.goto(control)
        page.get_by_role("button", name="Email", exact=True).first.click()  # a customer writes: a flash line
        page.wait_for_load_state("networkidle")
        page.evaluate(
            "window.scrollTo(0, 0)"
        )  # the answer jumps to its form; the page's top says what happened
    finally:  # the page stays on screen for its picture
        server.terminate()
        server.wait(timeout=10)


SHOTS = {
    "desk-queue": queue,
    "desk-ticket": ticket,
    "collision": collision,
    "dashboard-now": dashboard_now,
    "dashboard-promise": dashboard,
    "dashboard-satisfaction": satisfaction,
    "settings-hub": settings_hub,
    "settings-people": people,
    "settings-person": person,
    "settings-canned": canned_list,
    "settings-canned-edit": canned_edit,
    "settings-assignment": assignment,
    "my-settings": my_settings,
    "channel-email-security": channel_email,
    "channel-test-failed": channel_test,
    "schedule-error": schedule_error,
    "survey-confirm": survey,
    "sandbox": sandbox,
}


def shrink(path):
    """256 colours, no dithering: a third of the size, and UI text stays sharp. Skipped without Pillow."""
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(
            colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
    small.save(path, optimize=True)


if __name__ == "__main__":
    main()
