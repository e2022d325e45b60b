"""Shared browser fixtures: Debian's chromium driven by Playwright's sync API, logged-in pages.

Browser tests use pytest-django's `live_server` (a real server thread on a transactional
database) and are marked `browser`. On a machine without chromium they skip with the reason
(`tests.outside.require_chromium`); with OSS_REQUIRE_ALL=1 that is a failure instead.
"""

import os
from importlib import import_module

import pytest
from django.conf import settings
from django.test import Client

# The key-account mailbox on an SMTP sink, for the pages that send letters.
from tests.keyaccounts.mail_world import sending_mailbox, smtp_sink  # noqa: F401

# Playwright's sync API keeps an asyncio loop running in the test thread, and Django refuses ORM
# calls from a thread with a running loop. The test thread only sets up data and reads results
# while the browser waits, so the guard protects nothing here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

TIMEOUT_MS = 10_000


@pytest.fixture
def logged_in_page(browser, live_server):
    """`logged_in_page(user)` -> a Playwright page of a fresh browser context, signed in as the user.

    The session cookie comes from Django's test client, so no test pays for password hashing.
    """
    contexts = []

    def open_page(user, *, width=1400, height=900):
        client = Client()
        client.force_login(user)
        context = browser.new_context(
            viewport={"width": width, "height": height}, timezone_id=settings.TIME_ZONE
        )
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


# Settled: no htmx request under way, twice 100 ms apart (a request's swap can start the next: the
# ticket pane's composer asks for its counter). Playwright's "networkidle" waits for 500 ms without
# any request, a third of a second longer a page, about a tenth of the browser tests' time.
SETTLED_JS = "() => !document.querySelector('.htmx-request')"


def settle(page):
    """Wait until the page and what htmx loads into it on load (the ticket pane) are there."""
    page.wait_for_load_state()
    for _ in range(2):
        page.wait_for_function(SETTLED_JS)
        page.wait_for_timeout(100)


@pytest.fixture(autouse=True)
def migrated_rows(transactional_db, migration_rows_back):
    """The rows data migrations create (roles, default schedules and SLA policies, safety phrases and
    replies).

    Transactional tests flush the database after each test, and Django's serialized copy cannot
    restore them here: with Playwright's loop running, the test thread gets a fresh database
    connection object without that copy. So put them back: as they were read before the first test
    (tests/conftest.py, on PostgreSQL), or else the way the migrations do.
    """
    if migration_rows_back:
        return
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    from oss_inbox.staff.roles import ROLE_PERMISSIONS

    for role, wanted in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(
            [
                Permission.objects.get(codename=codename, content_type__app_label=app)
                for codename, app in wanted
            ]
        )
    import_module("oss_inbox.sla.migrations.0002_defaults").create_defaults(apps, None)
    import_module("oss_inbox.sla.migrations.0005_safety_policy").create_safety_policy(apps, None)
    import_module("oss_inbox.safety.defaults").create_defaults(apps, None)


@pytest.fixture
def tasks_run_in_the_server():
    """There is no worker in a browser test: tasks enqueued after commit run in the server thread,
    as a worker would run them, instead of going to the broker (whose folder is the developer's)."""
    from oss_inbox.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False
