"""Retake the ticket-page screenshots in docs/screenshots/ (ticket-*.png, composer.png).

    .venv/bin/python docs/screenshots/take.py [--tickets 120] [--keep]

Steps: 1. a scratch SQLite database in a temporary folder (never var/), migrated and filled with
`demo_setup`; 2. a few extras the demo leaves out, so the features show: canned responses, a
private reply on an X mention, an HTML email quoting an earlier one, an @mention in a note;
3. `manage.py runserver` on a free port; 4. headless chromium (Playwright, /usr/bin/chromium)
logs in as the agent Dana and saves each page, with her colleague Lee shown "viewing" or
"replying" the way his browser's state poll would report it.
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "screenshots-only-password"
VIEWPORT = {"width": 1440, "height": 1000}

HTML_EMAIL = """From: Maria Lopez <maria.lopez@example.com>
To: {mailbox}
Subject: Re: Bill higher than usual
Message-ID: <screenshot-reply@mail.example>
Date: {date}
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b"

--b
Content-Type: text/plain; charset=utf-8

Thank you! The reading on my bill was 48,210 but my meter shows 47,630.

On Mon, Nov 2, 2026 at 9:02 AM Prairie Electric & Gas <{mailbox}> wrote:
> Could you send us a photo of your meter?
--b
Content-Type: text/html; charset=utf-8

<div dir="ltr"><p>Thank you! The reading on my bill was <b>48,210</b> but my meter shows <b>47,630</b>.</p>
<ul><li>Account: 0042-7781</li><li>Service address: 1418 Elm St</li></ul>
<p>Photo attached. <img src="https://tracker.example/open.png"></p><script>alert(1)</script></div>
<div class="gmail_quote"><div class="gmail_attr">On Mon, Nov 2, 2026 at 9:02 AM Prairie Electric &amp; Gas
&lt;{mailbox}&gt; wrote:<br></div><blockquote class="gmail_quote">Hello Maria,<br>Could you send us a photo
of your meter? We'll compare it with the reading on your bill.<br>Dana</blockquote></div>
--b--
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=120, help="demo tickets to create (default 120)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder and print where it is")
    args = parser.parse_args()
    with demo_site(args.tickets, prepare=prepare, keep=args.keep) as (base, tickets):
        shoot(base, tickets)
    print(f"Saved in {OUT}")


def prepare():
    """The extras, and which ticket each screenshot shows: {name: ticket}."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from channels.email.parse import parse_email
    from channels.models import ChannelAccount
    from oss_inbox.inbox.mentions import note_add
    from oss_inbox.inbox.models import CannedResponse
    from oss_inbox.tickets.models import Ticket
    from oss_inbox.tickets.services import ticket_reply
    from oss_inbox.tickets.services.ingest import ingest

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # Lee's mention mail stays here
    users = get_user_model().objects
    dana, lee = users.get(username="dana"), users.get(username="lee")
    dana.set_password(PASSWORD)
    dana.save()
    CannedResponse.objects.get_or_create(
        name="Outage: crews on site",
        defaults={
            "text": (
                "Hi {{customer.first_name}}, crews are on site and expect to restore power within 3 hours. "
                "We'll update you here. – {{agent.first_name}} (ref #{{ticket.id}})"
            )
        },
    )
    CannedResponse.objects.get_or_create(
        name="Billing: meter photo",
        defaults={
            "text": (
                "Hello {{customer.first_name}}, could you send us a photo of your meter? – "
                "{{agent.first_name}}"
            )
        },
    )

    mention = open_ticket_of_kind("mention")
    ticket_reply(
        ticket=mention,
        author=lee,
        text="Sent you a DM so we can look up your address privately.",
        private=True,
        delivered_as=f"dm-screenshot-{mention.pk}",
    )
    note_add(ticket=mention, author=dana, text="@lee the outage map shows crews on Elm St already; ETA 3pm.")

    mailbox = ChannelAccount.objects.get(kind="email")
    date = timezone.now().strftime("%a, %d %b %Y %H:%M:%S +0000")
    raw = HTML_EMAIL.format(mailbox=mailbox.self_external_id, date=date)
    ingest(
        mailbox, [parse_email(raw.replace("\n", "\r\n").encode(), mailbox_address=mailbox.self_external_id)]
    )
    email = Ticket.objects.get(messages__external_id="screenshot-reply@mail.example")
    return {
        "ticket-x": mention,
        "ticket-facebook": open_ticket_of_kind("comment"),
        "ticket-messenger": open_ticket_of_kind("messenger"),
        "ticket-email": email,
        "composer": open_ticket_of_kind("mention", exclude=mention.pk),
    }


def open_ticket_of_kind(kind, exclude=None):
    """An open ticket whose customer wrote `kind` messages, with a conversation to show (most messages
    first)."""
    from django.db.models import Count

    from oss_inbox.tickets.models import Ticket

    tickets = (
        Ticket.objects.filter(status__in=["new", "open"], messages__direction="inbound", messages__kind=kind)
        .exclude(pk=exclude)
        .annotate(size=Count("messages"))
        .order_by("-size", "pk")
    )
    return tickets.filter(size__lte=6).first() or tickets.first()


def shoot(base, tickets):
    from django.contrib.auth import get_user_model
    from playwright.sync_api import sync_playwright

    from oss_inbox.inbox.presence import presence_beat

    lee = get_user_model().objects.get(username="lee")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport=VIEWPORT, timezone_id="America/Chicago")
        page.goto(f"{base}/login/")
        page.fill("input[name=username]", "dana")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        for name, ticket in tickets.items():
            # Lee's browser would report this every 5 s; replying on the X ticket, viewing elsewhere.
            presence_beat(ticket=ticket, user=lee, typed_seconds_ago=2 if name == "ticket-x" else None)
            page.goto(f"{base}/tickets/{ticket.pk}/")
            page.evaluate("localStorage.clear()")
            if name == "composer":
                fill_composer(page)
                page.locator("article.ticket").screenshot(path=OUT / f"{name}.png")
                continue
            if name == "ticket-facebook":
                page.select_option("#reply-as", "private")
            page.screenshot(path=OUT / f"{name}.png", full_page=True)
            print(f"{name}.png: ticket #{ticket.pk}")
        browser.close()


def fill_composer(page):
    from playwright.sync_api import expect

    page.fill("#canned", "Outage: crews on site")
    page.click(".canned-picker button[type=submit]")
    # A locator assertion, not wait_for_function: the page's CSP refuses evaluating a string.
    expect(page.locator("#composer-text")).not_to_have_value("")
    page.locator("#composer-text").scroll_into_view_if_needed()


@contextmanager
def demo_site(tickets, *, prefix="oss-inbox-shots-", prepare=None, keep=False):
    """The demo on a scratch SQLite database in a temporary folder (never var/), served by
    `manage.py runserver` on a free port: yields (base URL, what `prepare()` returned), and removes
    the folder after unless `keep`. `prepare()` runs, with Django set up in this process, before the
    server starts."""
    scratch = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "oss_inbox.settings",
            "OSS_VAR_DIR": str(scratch),
            "CACHE_URL": "locmem://",
            "DATABASE_URL": f"sqlite:///{scratch / 'shots.sqlite3'}",
            "DEBUG": "1",
            # Playwright's sync API runs an asyncio loop in this thread; the few ORM writes made while
            # the browser waits (a colleague's presence) are plain synchronous calls all the same.
            "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
        }
    )
    os.environ.pop("CELERY_BROKER_URL", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    server = None
    try:
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], check=True, cwd=ROOT)
        subprocess.run(
            [*manage, "demo_setup", "--tickets", str(tickets)],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.conf import settings

        settings.ALLOWED_HOSTS = ["*"]
        prepared = prepare() if prepare is not None else None
        port = free_port()
        server = subprocess.Popen(
            [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/login/")
        yield base, prepared
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        if keep:
            print(f"Scratch database in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url, seconds=30):
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


if __name__ == "__main__":
    main()
