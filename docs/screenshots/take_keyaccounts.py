"""Retake the key-account screenshots in docs/screenshots/ (organization.png, plan.png, plan-print.png).

    .venv/bin/python docs/screenshots/take_keyaccounts.py [--tickets 300] [--database sqlite:////path/db.sqlite3]

Steps: 1. a scratch SQLite database filled by `demo_setup` (or, with --database, one already
filled); 2. `manage.py runserver` on a free port; 3. headless chromium (Playwright,
/usr/bin/chromium) logs in as Dana, the hospital's account manager, and saves the organization
page, its joint plan, and the plan as printed (print media emulated, the whole document).
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from take import CHROMIUM, PASSWORD, ROOT, free_port, wait_for  # noqa: E402

OUT = Path(__file__).resolve().parent
ACCOUNT = "St. Brigid Regional Hospital"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=300, help="demo tickets to create (default 300)")
    parser.add_argument("--database", help="use this demo database instead of a new scratch one")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="oss-inbox-shots-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "oss_inbox.settings",
            "OSS_VAR_DIR": str(scratch),
            "CACHE_URL": "locmem://",
            "DATABASE_URL": args.database or f"sqlite:///{scratch / 'shots.sqlite3'}",
            "DEBUG": "1",
        }
    )
    os.environ.pop("CELERY_BROKER_URL", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    if not args.database:
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], check=True, cwd=ROOT)
        subprocess.run(
            [*manage, "demo_setup", "--tickets", str(args.tickets)],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth.models import User

    from oss_inbox.tickets.models import Organization

    dana = User.objects.get(username="dana")
    dana.set_password(PASSWORD)
    dana.save()
    organization = Organization.objects.get(name=ACCOUNT)
    port = free_port()
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/login/")
        shoot(base, organization)
    finally:
        server.terminate()
        server.wait(timeout=10)


def shoot(base, organization):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
        page.goto(f"{base}/login/")
        page.get_by_label("Username").fill("dana")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{base}/**")
        page.goto(f"{base}/accounts/{organization.pk}/")
        page.screenshot(path=OUT / "organization.png", full_page=False)
        page.goto(f"{base}/accounts/{organization.pk}/plan/")
        page.get_by_role("region", name="Commitments").locator("summary").click()
        page.screenshot(path=OUT / "plan.png", full_page=True)
        page.reload()
        page.emulate_media(media="print")
        page.set_viewport_size({"width": 900, "height": 1200})  # about an A4 page's text width
        page.screenshot(path=OUT / "plan-print.png", full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
