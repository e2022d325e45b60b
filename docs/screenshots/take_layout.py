"""Retake docs/screenshots/layout-*.png: the queue on a 390 px phone (the list, the Menu open, a ticket
as a screen of its own with Back) and the admin's top bar at 1440 px (docs/ui.md).

    .venv/bin/python docs/screenshots/take_layout.py [--tickets 120]

The demo on a scratch SQLite database (take.demo_site), headless chromium (Playwright,
/usr/bin/chromium) signed in as the supervisor Sam on the phone and as the admin at 1440 px.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from take import CHROMIUM, demo_site  # noqa: E402

OUT = Path(__file__).resolve().parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=120, help="demo tickets to create (default 120)")
    args = parser.parse_args()
    with demo_site(args.tickets, prefix="oss-inbox-layout-shot-") as (base, _):
        shoot(base)


def signed_in(browser, base, username, viewport):
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    context = browser.new_context(viewport=viewport, timezone_id=settings.TIME_ZONE)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": base, "value": cookie}])
    return context.new_page()


def save(page, name, **options):
    page.wait_for_timeout(300)
    page.screenshot(path=str(OUT / name), **options)
    print(f"Saved {OUT / name}")


def shoot(base):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        phone = signed_in(browser, base, "sam", {"width": 390, "height": 844})
        phone.goto(f"{base}/?view=all")
        save(phone, "layout-queue-phone.png")
        phone.get_by_role("button", name="Menu").click()
        save(phone, "layout-menu-phone.png")
        phone.keyboard.press("Escape")
        phone.locator("#queue-rows a[data-open]").first.click()
        phone.locator("#ticket-pane h1").wait_for(timeout=20000)
        save(phone, "layout-ticket-phone.png")

        laptop = signed_in(browser, base, "admin", {"width": 1440, "height": 900})
        laptop.goto(f"{base}/?view=all")
        laptop.locator("#queue-rows a[data-open]").first.click()
        laptop.locator("#ticket-pane h1").wait_for(timeout=20000)
        save(laptop, "layout-queue-admin.png")
        browser.close()


if __name__ == "__main__":
    main()
