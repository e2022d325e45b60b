"""Polling recovers by itself: a killed worker's account is polled again within a minute, a 404 or
an outage is retried (never more than 5 minutes apart), only what an admin must fix stops polling,
and an account failing for half an hour is reported to the admins while it keeps being polled.

The real clients over real sockets against the fake X and Graph servers (channels/sandbox), as in
test_x_adapter.py and test_facebook_adapter.py. Where a test needs "now" it sets the clock.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from channels import polling
from channels.facebook.graph import TOKEN_EXPIRED
from channels.models import ChannelAccount
from channels.polling import account_poll, account_take_lease, accounts_due
from channels.twitter.adapter import REVOKED
from oss_inbox.staff.models import Notification
from oss_inbox.tickets.models import Message

from .. import factories
from ..outside import require_postgres
from .sandbox_accounts import facebook_page, x_account
from .worker_process import poll_in_another_process, wait_until

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # a Monday afternoon; any fixed moment would do
DISPATCH_EVERY = timedelta(seconds=5)  # CELERY_BEAT_SCHEDULE["dispatch-polls"]


@pytest.fixture
def x(db, x_api, time_machine):
    """An X account at START that has polled once, so that from now on a poll reads every page."""
    time_machine.move_to(START, tick=False)
    account = x_account(x_api)
    account_poll(account.pk)
    account.refresh_from_db()
    assert account.last_success_at == START
    return account


def poll_when_due(account, time_machine):
    """What the dispatcher and a worker do when the account's next poll comes: move the clock there,
    find the account due, poll it."""
    time_machine.move_to(account.next_poll_at, tick=False)
    assert account.pk in accounts_due()
    result = account_poll(account.pk)
    account.refresh_from_db()
    return result


def mention(x_api, n=1):
    return x_api.add_mention(str(7000 + n), f"customer{n}", f"Customer {n}", f"Lights out on block {n}")


def stored(account):
    return sorted(Message.objects.filter(account=account).values_list("external_id", flat=True))


# ---- the lease and its heartbeat --------------------------------------------------------------


def poll_in_a_thread(account_id):
    """A poll as a second worker runs it: its own thread, its own database connection."""

    def run():
        try:
            account_poll(account_id, force=True)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.fixture
def short_lease(monkeypatch):
    """A 1 s lease renewed every 0.2 s, so that a poll answered after 2.5 s outlives 2 leases."""
    monkeypatch.setattr(polling, "LEASE", timedelta(seconds=1))
    monkeypatch.setattr(polling, "HEARTBEAT", timedelta(seconds=0.2))


@pytest.mark.django_db(transaction=True)
def test_a_poll_longer_than_its_lease_keeps_it_and_no_other_worker_takes_the_account(x_api, short_lease):
    account = x_account(x_api, timeout_seconds=10)
    expected = [mention(x_api)]
    x_api.delay_next(2.5)  # X answers the first call of the poll after 2.5 s
    poll = poll_in_a_thread(account.pk)
    time.sleep(1.8)  # the lease taken at the start would have run out 0.8 s ago

    assert poll.is_alive()
    assert account_take_lease(account.pk, due_only=False) is None  # a second worker finds it taken
    assert ChannelAccount.objects.get(pk=account.pk).lease_until > timezone.now()
    poll.join(timeout=15)
    account.refresh_from_db()
    assert account.last_success_at is not None and not account.last_error
    assert (account.lease_until, account.lease_token) == (None, "")
    assert stored(account) == expected
    # It stopped with the poll.
    assert "lease-heartbeat" not in [thread.name for thread in threading.enumerate()]


@pytest.mark.django_db(transaction=True)
def test_a_poll_that_lost_its_lease_stores_nothing_and_leaves_the_account_to_the_new_holder(
    x_api, short_lease
):
    account = x_account(x_api, timeout_seconds=10)
    mention(x_api)
    x_api.delay_next(2.5)
    poll = poll_in_a_thread(account.pk)
    time.sleep(0.5)
    # The lease ran out (a database too slow to renew it, say) and another worker took the account.
    later = timezone.now() + timedelta(minutes=1)
    ChannelAccount.objects.filter(pk=account.pk).update(lease_token="another-worker", lease_until=later)
    poll.join(timeout=15)

    account.refresh_from_db()
    assert (account.lease_token, account.lease_until) == ("another-worker", later)
    assert account.last_success_at is None and account.cursor == {}
    assert stored(account) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_poll_leaves_its_account_to_another_within_a_minute(
    graph, tmp_path, time_machine
):
    require_postgres()  # the worker is another process: it needs the test database too
    page = facebook_page(graph, timeout_seconds=300)
    graph.add_messenger_message("7701", "Pat Quinn", "My bill doubled this month")
    graph.delay_next(600)  # the worker's first call hangs: its poll is in flight when it dies
    output = tmp_path / "worker.log"
    worker = poll_in_another_process(page.pk, output)
    try:
        wait_until(lambda: graph.requests or worker.poll() is not None, 60, output.read_text)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    killed_at = timezone.now()
    assert worker.returncode == -signal.SIGKILL, output.read_text()

    page.refresh_from_db()
    assert page.lease_token and killed_at < page.lease_until <= killed_at + polling.LEASE
    assert page.pk not in accounts_due()  # the dead worker's lease still holds it...
    # ...until it runs out; the dispatcher, every 5 s, then hands the account to a live worker.
    time_machine.move_to(page.lease_until + DISPATCH_EVERY, tick=False)
    assert timezone.now() - killed_at <= timedelta(seconds=60)
    assert page.pk in accounts_due()
    assert account_poll(page.pk).stored == 1
    page.refresh_from_db()
    assert page.last_success_at == timezone.now() and page.lease_token == ""


# ---- what stops polling and what does not ---------------------------------------------------------


def test_one_404_on_a_poll_is_retried_and_the_next_poll_clears_it(x_api, x, time_machine):
    expected = [mention(x_api)]
    x_api.fail_next(1, status=404)

    assert poll_when_due(x, time_machine) is None
    assert x.enabled and not x.error_is_permanent
    assert x.last_error == "X answered 404 (Not Found); will try again."
    assert x.next_poll_at == timezone.now() + timedelta(seconds=x.poll_interval_seconds)
    assert poll_when_due(x, time_machine).stored == 1
    assert stored(x) == expected
    assert (x.last_error, x.consecutive_failures, x.failing_since) == ("", 0, None)


@pytest.mark.parametrize("status", [400, 404, 500, 502, 503])
def test_an_outage_is_retried_backing_off_from_the_poll_interval_to_five_minutes(
    x_api, x, time_machine, status
):
    expected = [mention(x_api)]
    waits = []
    for _ in range(6):
        x_api.fail_next(1, status=status)
        poll_when_due(x, time_machine)
        waits.append((x.next_poll_at - timezone.now()).total_seconds())
    assert waits == [60, 120, 240, 300, 300, 300]
    assert not x.error_is_permanent and x.consecutive_failures == 6
    assert poll_when_due(x, time_machine).stored == 1  # X is back: the next try finds everything
    assert stored(x) == expected and x.last_error == ""


def test_a_channel_refusing_connections_is_retried_not_given_up(db, time_machine):
    time_machine.move_to(START, tick=False)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    page = factories.account(
        "facebook",
        settings={"graph_base_url": f"http://127.0.0.1:{closed}"},
        credentials={"page_access_token": "t"},
    )
    account_poll(page.pk)
    page.refresh_from_db()
    assert "Could not reach Facebook" in page.last_error and not page.error_is_permanent
    assert page.next_poll_at == START + timedelta(seconds=page.poll_interval_seconds)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, REVOKED),
        (
            403,
            "X refused access (Forbidden): the app or its access token lacks a permission or access level "
            "this needs — an admin must fix it on the X developer portal and reconnect.",
        ),
    ],
)
def test_only_refused_credentials_or_permissions_stop_polling_for_an_admin(
    x_api, x, time_machine, admin_user, status, error
):
    x_api.fail_next(1, status=status)
    poll_when_due(x, time_machine)
    assert x.error_is_permanent and x.last_error == error
    assert x.pk not in accounts_due(timezone.now() + timedelta(days=1))
    [notification] = Notification.objects.filter(recipient=admin_user)
    assert notification.text.startswith("X @PrairieEGHelp (X (Twitter)) needs an admin; polling has stopped")
    assert notification.url == reverse("channels:list")


@pytest.mark.parametrize(
    ("code", "status", "subcode", "stops"),
    [
        (190, 400, 463, True),  # access token expired
        (102, 400, None, True),  # API session: token expired, revoked or invalid
        (3, 400, None, True),  # capability or permission missing
        (10, 403, None, True),  # permission denied
        (230, 403, None, True),  # a permission of the 200-299 range
        (100, 404, 33, False),  # object not found (or not visible now)
        (368, 400, None, False),  # temporarily blocked: wait and retry
        (2, 503, None, False),  # Facebook's own trouble
    ],
)
def test_graph_errors_stop_polling_only_when_an_admin_must_act(
    graph, db, time_machine, code, status, subcode, stops
):
    time_machine.move_to(START, tick=False)
    page = facebook_page(graph)
    graph.add_messenger_message("7701", "Pat Quinn", "My bill doubled this month")
    graph.fail_next(code=code, status=status, subcode=subcode)

    account_poll(page.pk)
    page.refresh_from_db()
    assert page.error_is_permanent is stops
    if code in (190, 102):
        assert page.last_error == TOKEN_EXPIRED
    if not stops:
        assert page.next_poll_at == START + timedelta(seconds=page.poll_interval_seconds)
        assert poll_when_due(page, time_machine).stored == 1


def test_a_graph_application_limit_waits_for_facebook_not_for_the_backoff(graph, db, time_machine):
    time_machine.move_to(START, tick=False)
    page = facebook_page(graph)
    graph.fail_next(code=341, status=400)
    account_poll(page.pk)
    page.refresh_from_db()
    assert not page.error_is_permanent and page.rate_limited_until == page.next_poll_at > START


# ---- a long run of failures -----------------------------------------------------------------------


def test_an_account_failing_for_half_an_hour_is_reported_to_admins_once_and_keeps_polling(
    x_api, x, time_machine, admin_user, agent, client
):
    expected = [mention(x_api)]
    polls = 0
    while not x.failure_reported_at:
        x_api.fail_next(1, status=503)
        poll_when_due(x, time_machine)
        polls += 1
        assert polls < 20
    first_failure = START + timedelta(seconds=60)
    assert x.failing_since == first_failure
    assert timedelta(minutes=30) <= timezone.now() - first_failure < timedelta(minutes=35)
    [notification] = Notification.objects.filter(recipient=admin_user)
    assert notification.text == (
        "X @PrairieEGHelp (X (Twitter)) has failed to poll for 32 minutes and is still retrying: "
        "X is having trouble (Service Unavailable); will try again."
    )
    assert not Notification.objects.filter(recipient=agent).exists()

    x_api.fail_next(1, status=503)
    poll_when_due(x, time_machine)
    assert Notification.objects.count() == 1  # once per run of failures
    client.force_login(admin_user)
    assert "Failing for 37\xa0minutes, retrying" in client.get(reverse("channels:list")).content.decode()

    assert poll_when_due(x, time_machine).stored == 1  # still polled, and it recovers
    assert stored(x) == expected
    assert (x.failing_since, x.failure_reported_at, x.last_error) == (None, None, "")
    assert "Failing for" not in client.get(reverse("channels:list")).content.decode()


def test_a_successful_connection_test_polls_a_failing_account_now_not_after_its_backoff(
    x_api, x, time_machine, admin_user, client
):
    for _ in range(4):
        x_api.fail_next(1, status=503)
        poll_when_due(x, time_machine)
    assert x.next_poll_at == timezone.now() + timedelta(minutes=5)
    client.force_login(admin_user)
    client.post(reverse("channels:check", args=[x.pk]))
    x.refresh_from_db()
    assert x.next_poll_at == timezone.now() and x.pk in accounts_due()


# ---- Celery -----------------------------------------------------------------------------------------


def test_redis_visibility_timeout_is_at_most_ten_minutes_and_outlasts_twice_the_task_time_limit():
    """Settings only, read as a process on Redis reads them: nothing is killed here (tests/test_celery.py
    kills a worker's message on the embedded broker and sees it delivered again). acks_late keeps a
    task in Redis until it is done; one whose worker died is handed out again after this timeout."""
    show = (
        "import json, django; django.setup(); from django.conf import settings as s; from oss_inbox.celery "
        "import app; app.loader.import_default_modules(); "
        "print(json.dumps([s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'], "
        "s.CELERY_TASK_TIME_LIMIT, s.CELERY_TASK_ACKS_LATE, s.CELERY_TASK_REJECT_ON_WORKER_LOST, {name: "
        "task.time_limit for name, task in app.tasks.items() if task.time_limit}]))"
    )
    env = {
        **os.environ,
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/5",
        "DJANGO_SETTINGS_MODULE": "oss_inbox.settings",
    }
    answer = subprocess.run(
        [sys.executable, "-c", show], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    visibility_timeout, time_limit, acks_late, reject_on_worker_lost, task_limits = json.loads(answer.stdout)
    assert acks_late and reject_on_worker_lost
    # Short enough that a lost task comes back in minutes, not Redis's default hour; longer than a
    # task with the default limit can stay in a worker (prefetched behind one running task, then run).
    assert 2 * time_limit < visibility_timeout <= 600
    # No task with a longer limit of its own outlives it in one run either.
    assert {name: limit for name, limit in task_limits.items() if limit >= visibility_timeout} == {}
