"""Retake the safety screenshots: the queue with a safety report pinned on top and opened beside it
(safety-queue.png), the phrase list with its test box (safety-phrases.png) and the dashboard's safety
section (safety-dashboard.png).

    .venv/bin/python docs/screenshots/take_safety.py [--tickets 300]

A scratch SQLite database in a temporary folder (never var/) filled with `demo_setup`; then, as a poll
would deliver it, "power line down and sparking on Elm St" arrives on X now. Served by `manage.py
runserver` on a free port; headless chromium signs in as the supervisor Sam (on call in the demo).
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from take import CHROMIUM, demo_site  # noqa: E402

HERE = Path(__file__).resolve().parent
REPORT = "@PrairieEGHelp power line down and sparking on Elm St, right across the sidewalk. Kids walk here!"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=300, help="demo tickets to create (default 300)")
    args = parser.parse_args()
    with demo_site(args.tickets, prefix="oss-inbox-safety-shot-", prepare=report_arrives) as (base, _):
        shoot(base)


def report_arrives():
    from django.utils import timezone

    from channels.base import Author, Inbound
    from channels.models import ChannelAccount
    from oss_inbox.tickets.services import ingest

    account = ChannelAccount.objects.get(kind="twitter")
    now = timezone.now()
    tweet_id = f"shot-{int(now.timestamp())}"
    item = Inbound(
        external_id=tweet_id, kind="mention", thread_key=f"x:{tweet_id}",
        author=Author(external_id="90210", handle="patelm", name="Pat Elm"), sent_at=now, text=REPORT,
    )  # fmt: skip
    ingest(account, [item])


def shoot(base):
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from playwright.sync_api import sync_playwright

    sessions = {}
    for username in ("sam", "admin"):
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        sessions[username] = client.cookies[settings.SESSION_COOKIE_NAME].value
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
        )

        def page_of(username):
            context = browser.new_context(
                viewport={"width": 1440, "height": 900}, timezone_id=settings.TIME_ZONE
            )
            cookie = {"name": settings.SESSION_COOKIE_NAME, "url": base, "value": sessions[username]}
            context.add_cookies([cookie])
            return context.new_page()

        page = page_of("sam")
        page.goto(f"{base}/")
        page.locator("#queue-rows tr").first.locator("a.who").click()
        page.wait_for_selector("[data-testid=safety-report]", timeout=20000)
        page.wait_for_timeout(300)
        page.screenshot(path=str(HERE / "safety-queue.png"))
        page.goto(f"{base}/dashboards/")
        page.locator("#safety").screenshot(path=str(HERE / "safety-dashboard.png"))
        page = page_of("admin")
        page.goto(
            f"{base}/settings/safety/?message="
            + "There's a wire hanging low over our driveway, sparks when it's windy"
        )
        page.wait_for_timeout(300)
        page.screenshot(path=str(HERE / "safety-phrases.png"))
        browser.close()
    for name in ("safety-queue", "safety-dashboard", "safety-phrases"):
        print(f"Saved {HERE / name}.png")


if __name__ == "__main__":
    main()
