"""Retake docs/screenshots/queue.png: the three panes (views, queue, a ticket opened in place).

    .venv/bin/python docs/screenshots/take_queue.py [--tickets 300]

A scratch SQLite database in a temporary folder (never var/) filled with `demo_setup`, served by
`manage.py runserver` on a free port; headless chromium (Playwright, /usr/bin/chromium) signs in
as the agent Dana, moves to the first row with j, opens it with Enter and ticks two rows for the
bulk bar, as an agent would.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from take import CHROMIUM, demo_site  # noqa: E402

OUT = Path(__file__).resolve().parent / "queue.png"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=300, help="demo tickets to create (default 300)")
    args = parser.parse_args()
    with demo_site(args.tickets, prefix="oss-inbox-queue-shot-") as (base, _):
        shoot(base)
    print(f"Saved {OUT}")


def shoot(base):
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from playwright.sync_api import sync_playwright

    client = Client()
    client.force_login(get_user_model().objects.get(username="dana"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        context = browser.new_context(viewport={"width": 1440, "height": 900}, timezone_id=settings.TIME_ZONE)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "url": base,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                }
            ]
        )
        page = context.new_page()
        page.goto(f"{base}/")
        page.keyboard.press("j")
        page.keyboard.press("Enter")
        page.wait_for_selector("#ticket-pane h1", timeout=20000)
        boxes = page.locator("#queue-rows input[type=checkbox]")
        boxes.nth(2).check()
        boxes.nth(3).check()
        page.wait_for_timeout(300)
        page.screenshot(path=str(OUT))
        browser.close()


if __name__ == "__main__":
    main()
