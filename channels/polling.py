"""Polling a channel account: lease, fetch since the cursor, ingest, record health.

How polling recovers (docs/channels.md):
- A poll holds a short lease that a heartbeat renews while it runs (and each ingest extends as
  it commits, since it holds the account row meanwhile): a worker killed mid-poll frees its
  account within LEASE, and the dispatcher (every 5 s) hands it to another worker. Taking a
  lease never waits behind a running ingest: that poll holds the account, so the taker leaves.
- Only errors an admin must fix (revoked or expired credentials, a missing permission) stop
  polling. Anything else (404, 5xx, timeouts, refused connections) is retried, backing off from
  the poll interval up to MAX_BACKOFF; a rate limit waits for the time the channel gave.
- An account failing for FAILING_TOO_LONG, or stopped for an admin, is reported to the admins
  once (an in-app notification and its email); it keeps being polled until it recovers.
- An account whose webhooks work is polled only to reconcile, every reconcile_interval_seconds,
  counting what the webhooks missed; when they stop, at the normal pace (webhooks/health.py).
"""

import logging
import uuid
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from oss_inbox.staff.notifications import notification_send
from oss_inbox.staff.roles import ADMIN
from oss_inbox.tickets.services import IngestResult, ingest

from .base import ChannelError
from .heartbeat import Heartbeat
from .models import ChannelAccount
from .registry import adapter_for
from .webhooks.health import items_webhooks_owed, poll_interval, webhooks_judge

log = logging.getLogger(__name__)

# Short, so that the account of a worker killed mid-poll is polled again by another within about
# LEASE + the dispatcher's 5 s; a live poll keeps it by renewing it every HEARTBEAT.
LEASE = timedelta(seconds=30)
HEARTBEAT = timedelta(seconds=10)
# How long taking or renewing a lease waits for SQLite's write lock (the usual busy timeout is 20 s):
# an ingest holding it for a whole batch holds the account, so a poll trying to take it just leaves.
LOCK_WAIT = timedelta(seconds=1)
# Transient failures: the next try doubles from the poll interval up to this (or the interval, if longer).
MAX_BACKOFF = timedelta(minutes=5)
FAILING_TOO_LONG = timedelta(minutes=30)


def accounts_due(now=None):
    now = now or timezone.now()
    return list(
        ChannelAccount.objects.filter(enabled=True, error_is_permanent=False, next_poll_at__lte=now)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .values_list("pk", flat=True)
    )


def account_take_lease(account_id, now=None, *, due_only=True):
    """Claim the account for one poll; None if another worker holds it, it is off, or (due_only)
    its next poll is not due yet.

    Never waits behind a running ingest (it holds the account row, or on SQLite the write lock, for
    a whole batch): on PostgreSQL a locked row is skipped, on SQLite the wait is cut to LOCK_WAIT.
    Either way that poll still holds the account, so this one leaves.
    """
    now = now or timezone.now()
    token = uuid.uuid4().hex
    claimable = ChannelAccount.objects.filter(pk=account_id, enabled=True, error_is_permanent=False).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    )
    if due_only:
        # Several poll tasks of one account may wait in the queue (the dispatcher runs every few
        # seconds while workers are busy): the first polls and sets the next poll time, the rest leave.
        claimable = claimable.filter(next_poll_at__lte=now)
    try:
        with _sqlite_lock_wait(LOCK_WAIT), transaction.atomic():
            if not claimable.select_for_update(skip_locked=True).values_list("pk", flat=True):
                return None
            claimed = claimable.update(lease_until=now + LEASE, lease_token=token)
    except OperationalError as error:
        if not _sqlite_busy(error):
            raise
        log.info("Account %s is being written (an ingest, most likely); leaving its poll to it", account_id)
        return None
    return token if claimed else None


def account_renew_lease(account_id, token, now=None):
    """Extend our lease; False if it is no longer ours (it expired and another poll took it).

    A row locked by an ingest is not waited for (skipped on PostgreSQL, LOCK_WAIT on SQLite): it is
    our own ingest's, which extends the lease itself as it commits; the next beat checks again.
    """
    now = now or timezone.now()
    try:
        with _sqlite_lock_wait(LOCK_WAIT), transaction.atomic():
            if not ChannelAccount.objects.filter(pk=account_id).select_for_update(skip_locked=True).exists():
                return True
            return (
                ChannelAccount.objects.filter(pk=account_id, lease_token=token).update(
                    lease_until=now + LEASE
                )
                == 1
            )
    except OperationalError as error:
        if not _sqlite_busy(error):
            raise
        return True


@contextmanager
def _sqlite_lock_wait(wait):
    """On SQLite, wait at most `wait` for the write lock instead of the usual busy timeout."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        usual = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA busy_timeout = {int(wait.total_seconds() * 1000)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(usual)}")


def _sqlite_busy(error):
    return connection.vendor == "sqlite" and "locked" in str(error)


def account_poll(account_id, *, force=False):
    """Poll one account once, if it is due (`force`: even if not, e.g. a test polling now).

    1. Take the lease (a second worker finds it taken and leaves; so does a poll task queued twice).
    2. Fetch every item since the cursor, all pages, renewing the lease meanwhile (a heartbeat),
       in batches (email: bounded by count and bytes), each ingested before the next is fetched.
    3. Ingest each; its cursor is saved with it and the lease extended, only while our lease holds
       (a poll that lost its lease stores nothing more: another poll has the account now).
    4. Let the adapter acknowledge each batch once stored (move read mail to a processed folder).
    5. Record health and the next poll time; release the lease.
    """
    token = account_take_lease(account_id, due_only=not force)
    if token is None:
        return None
    account = ChannelAccount.objects.get(pk=account_id)
    adapter = adapter_for(account)
    try:
        with Heartbeat(
            lambda: account_renew_lease(account_id, token), HEARTBEAT.total_seconds()
        ) as heartbeat:
            result, missed = IngestResult(), 0
            for fetched in adapter.fetch_batches(account.cursor):
                if heartbeat.lost:
                    log.warning(
                        "Poll of %s lost its lease while fetching; another poll has the account", account
                    )
                    return None
                owed = items_webhooks_owed(account, fetched.items)
                batch = ingest(account, fetched.items, fetched.cursor, lease=token, lease_for=LEASE)
                missed += min(owed, batch.stored)  # one a webhook stored meanwhile is not a gap
                result.add(batch)
                _acknowledge(adapter, account, fetched)
    except ChannelError as error:
        account_record_failure(account, token, error)
        return None
    except Exception as error:
        account_record_failure(account, token, ChannelError(f"Unexpected error: {error}"))
        raise
    _judge_webhooks(account, missed)
    account_record_success(account, token)
    return result


def _judge_webhooks(account, missed):
    """Count what the account's webhooks missed and judge them by it (webhooks/health.py), on their
    state now: deliveries came in while this poll ran."""
    if not account.webhooks_enabled:
        return
    account.refresh_from_db(
        fields=[
            "last_webhook_at",
            "webhook_signature_failures",
            "webhooks_unhealthy_since",
            "webhooks_reported_at",
        ]
    )
    webhooks_judge(account, missed=missed, notify=admins_tell)


def _acknowledge(adapter, account, fetched):
    try:
        adapter.acknowledge(fetched)  # ingest has committed: what it stored may now leave the channel
    except ChannelError as error:
        log.warning("After polling %s, could not acknowledge what was read: %s", account, error)


def account_record_success(account, token, now=None):
    now = now or timezone.now()
    ChannelAccount.objects.filter(pk=account.pk, lease_token=token).update(
        last_success_at=now,
        last_error="",
        rate_limited_until=None,
        consecutive_failures=0,
        failing_since=None,
        failure_reported_at=None,
        next_poll_at=now + poll_interval(account),
        lease_until=None,
        lease_token="",
    )


def account_record_failure(account, token, error, now=None):
    """Record the error and when to try again; report the account to the admins if it needs them
    or has been failing too long. Written only while our lease holds."""
    now = now or timezone.now()
    failures = account.consecutive_failures + 1
    failing_since = account.failing_since or now
    log.warning(
        "Polling %s failed (%s): %s", account, "permanent" if error.permanent else "will retry", error
    )
    recorded = ChannelAccount.objects.filter(pk=account.pk, lease_token=token).update(
        last_error=str(error),
        last_error_at=now,
        error_is_permanent=error.permanent,
        rate_limited_until=error.retry_at,
        consecutive_failures=failures,
        failing_since=failing_since,
        next_poll_at=error.retry_at or now + retry_delay(account.poll_interval_seconds, failures),
        lease_until=None,
        lease_token="",
    )
    if recorded and (error.permanent or now - failing_since >= FAILING_TOO_LONG):
        account_report_failing(account, error, failing_since, now)


def retry_delay(poll_interval_seconds, failures):
    """After the n-th transient failure in a row: the poll interval, doubled each time, capped."""
    interval = timedelta(seconds=poll_interval_seconds)
    return min(interval * 2 ** min(failures - 1, 10), max(MAX_BACKOFF, interval))


def account_report_failing(account, error, failing_since, now):
    """Tell the admins, once per run of failures, that the account needs them or keeps failing."""
    first = ChannelAccount.objects.filter(pk=account.pk, failure_reported_at__isnull=True).update(
        failure_reported_at=now
    )
    if not first:
        return
    if error.permanent:
        text = f"{account} needs an admin; polling has stopped: {error}"
    else:
        minutes = int((now - failing_since).total_seconds() // 60)
        text = f"{account} has failed to poll for {minutes} minutes and is still retrying: {error}"
    admins_tell(account, text)


def admins_tell(account, text):
    """One notification to every admin (in the app and by email), linking to the channel list."""
    link = settings.SITE_URL.rstrip("/") + reverse("channels:list")
    notification_send(
        recipients=channel_admins(),
        ticket=None,
        event=None,
        text=text,
        body=f"{text}\n\n{link}\n",
        url=reverse("channels:list"),
    )


def channel_admins():
    users = get_user_model().objects.filter(is_active=True)
    return users.filter(Q(groups__name=ADMIN) | Q(is_superuser=True)).distinct()


def account_enable(account, enabled):
    """An admin switches polling (and sending) of the account on or off."""
    ChannelAccount.objects.filter(pk=account.pk).update(enabled=enabled)


def account_connection_confirmed(account):
    """Test connection succeeded: clear a permanent error so polling resumes, and poll a failing
    account now rather than when its backoff ends (the admin just saw the channel answer). Returns
    the words to add to the outcome."""
    if account.error_is_permanent:
        ChannelAccount.objects.filter(pk=account.pk).update(
            error_is_permanent=False,
            last_error="",
            consecutive_failures=0,
            failure_reported_at=None,
            next_poll_at=timezone.now(),
        )
        return " Polling resumes."
    if account.last_error:
        ChannelAccount.objects.filter(pk=account.pk).update(next_poll_at=timezone.now())
        return " Polling again now."
    return ""
