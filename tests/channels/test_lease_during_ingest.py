"""A poll's lease while its ingest holds the account row: nobody waits behind it, nobody takes it.

Ingest locks the account row for a whole batch (channels.polling.account_poll -> tickets ingest),
so the heartbeat cannot renew the lease meanwhile. Two real PostgreSQL connections, one per thread.
"""

import threading
import time
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from channels import polling
from channels.models import ChannelAccount
from channels.polling import account_take_lease
from oss_inbox.tickets.models import Message

from .sandbox_accounts import x_account
from .worker_process import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# A take that waited behind the lock would take as long as the lock is still held (seconds).
AT_ONCE_SECONDS = 1
HOLD_SECONDS = 10
INGEST_SECONDS = 5


def in_a_thread(work):
    """`work()` in a thread of its own, on its own database connection (closed at the end)."""

    def run():
        try:
            work()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def hold_account_row(account_id, locked, release):
    """What ingest does for a batch: lock the account row in a transaction, until `release`."""

    def hold():
        with transaction.atomic():
            ChannelAccount.objects.select_for_update().get(pk=account_id)
            locked.set()
            release.wait(HOLD_SECONDS)

    return in_a_thread(hold)


def poll_in_a_thread(account_id):
    """A worker polling the account."""
    return in_a_thread(lambda: polling.account_poll(account_id, force=True))


def timed_take(account_id):
    """A poll task the dispatcher enqueued, taking the lease of a due account."""
    started = time.monotonic()
    token = account_take_lease(account_id)
    return token, time.monotonic() - started


def row_locked(account_id):
    try:
        with transaction.atomic():
            ChannelAccount.objects.select_for_update(nowait=True).get(pk=account_id)
    except DatabaseError:
        return True
    return False


def lease_ran_out(account_id, seconds_ago):
    lease_until = ChannelAccount.objects.get(pk=account_id).lease_until
    return lease_until is not None and lease_until < timezone.now() - timedelta(seconds=seconds_ago)


@pytest.fixture
def slow_ingest():
    """The database takes INGEST_SECONDS to store a batch of messages: ingest holds the account row that
    long."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION slow_insert() RETURNS trigger AS $$"
            f" BEGIN PERFORM pg_sleep({INGEST_SECONDS}); RETURN NULL; END $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER slow_insert BEFORE INSERT ON tickets_message"
            " FOR EACH STATEMENT EXECUTE FUNCTION slow_insert()"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER slow_insert ON tickets_message")
        cursor.execute("DROP FUNCTION slow_insert()")


@pytest.fixture
def short_lease(monkeypatch):
    """A 1 s lease renewed every 0.2 s: a slow ingest outlives it several times over."""
    monkeypatch.setattr(polling, "LEASE", timedelta(seconds=1))
    monkeypatch.setattr(polling, "HEARTBEAT", timedelta(seconds=0.2))


def test_taking_the_lease_of_an_account_an_ingest_holds_returns_at_once_without_it(x_api):
    account = x_account(x_api)
    expired = timezone.now() - timedelta(minutes=1)
    ChannelAccount.objects.filter(pk=account.pk).update(
        lease_until=expired, lease_token="old", next_poll_at=expired
    )
    locked, release = threading.Event(), threading.Event()
    holder = hold_account_row(account.pk, locked, release)
    try:
        assert locked.wait(5)
        token, seconds = timed_take(account.pk)
    finally:
        release.set()
        holder.join(timeout=HOLD_SECONDS + 5)

    assert token is None and seconds < AT_ONCE_SECONDS
    assert ChannelAccount.objects.get(pk=account.pk).lease_token == "old"
    assert account_take_lease(account.pk) is not None  # once the ingest is done, the account is free


def test_a_poll_whose_ingest_outlives_the_lease_keeps_its_account(x_api, short_lease, slow_ingest):
    account = x_account(x_api, timeout_seconds=10)
    ChannelAccount.objects.filter(pk=account.pk).update(next_poll_at=timezone.now() - timedelta(minutes=1))
    mention = x_api.add_mention("7001", "customer1", "Customer 1", "Lights out on block 1")
    poll = poll_in_a_thread(account.pk)
    wait_until(
        lambda: ChannelAccount.objects.get(pk=account.pk).lease_token, 10, lambda: "the poll took no lease"
    )
    # The case at hand: the ingest holds the row and the lease it could not renew ran out a while ago
    # (later than a renewal that was waiting for the row would set it).
    wait_until(
        lambda: row_locked(account.pk) and lease_ran_out(account.pk, 1.5), 10, lambda: "no long ingest seen"
    )

    takes = []
    while poll.is_alive():
        takes.append(timed_take(account.pk))  # the dispatcher enqueues a poll every 5 s meanwhile
        time.sleep(0.1)
    poll.join()

    assert takes and [token for token, _ in takes] == [None] * len(takes)
    assert max(seconds for _, seconds in takes) < AT_ONCE_SECONDS
    account.refresh_from_db()
    assert account.last_success_at is not None and not account.last_error
    assert (account.lease_until, account.lease_token) == (None, "")
    assert list(Message.objects.filter(account=account).values_list("external_id", flat=True)) == [mention]
