"""Polling a channel account: lease, fetch since the cursor, ingest, record health."""

import logging
import uuid
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from oss_inbox.tickets.services import ingest

from .base import ChannelError
from .models import ChannelAccount
from .registry import adapter_for

log = logging.getLogger(__name__)

# Longer than a poll may run (the task's hard time limit), so a live poll never loses its lease.
LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(minutes=30)


def accounts_due(now=None):
    now = now or timezone.now()
    return list(
        ChannelAccount.objects.filter(enabled=True, error_is_permanent=False, next_poll_at__lte=now)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .values_list("pk", flat=True)
    )


def account_take_lease(account_id, now=None, *, due_only=True):
    """Claim the account for one poll; None if another worker holds it, it is off, or (due_only)
    its next poll is not due yet."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    claimable = ChannelAccount.objects.filter(pk=account_id, enabled=True, error_is_permanent=False).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    )
    if due_only:
        # Several poll tasks of one account may wait in the queue (the dispatcher runs every few
        # seconds while workers are busy): the first polls and sets the next poll time, the rest leave.
        claimable = claimable.filter(next_poll_at__lte=now)
    claimed = claimable.update(lease_until=now + LEASE, lease_token=token)
    return token if claimed else None


def account_poll(account_id, *, force=False):
    """Poll one account once, if it is due (`force`: even if not, e.g. a test polling now).

    1. Take the lease (a second worker finds it taken and leaves; so does a poll task queued twice).
    2. Fetch every item since the cursor, all pages.
    3. Ingest them; the new cursor is saved with them, only while our lease holds.
    4. Record health and the next poll time; release the lease.
    5. Let the adapter acknowledge what is now stored (move read mail to a processed folder).
    """
    token = account_take_lease(account_id, due_only=not force)
    if token is None:
        return None
    account = ChannelAccount.objects.get(pk=account_id)
    adapter = adapter_for(account)
    try:
        fetched = adapter.fetch(account.cursor)
        result = ingest(account, fetched.items, fetched.cursor, lease=token)
    except ChannelError as error:
        account_record_failure(account, token, error)
        return None
    except Exception as error:
        account_record_failure(account, token, ChannelError(f"Unexpected error: {error}"))
        raise
    account_record_success(account, token)
    try:
        adapter.acknowledge(fetched)  # ingest has committed: what it stored may now leave the channel
    except ChannelError as error:
        log.warning("After polling %s, could not acknowledge what was read: %s", account, error)
    return result


def account_record_success(account, token, now=None):
    now = now or timezone.now()
    ChannelAccount.objects.filter(pk=account.pk, lease_token=token).update(
        last_success_at=now,
        last_error="",
        rate_limited_until=None,
        consecutive_failures=0,
        next_poll_at=now + timedelta(seconds=account.poll_interval_seconds),
        lease_until=None,
        lease_token="",
    )


def account_record_failure(account, token, error, now=None):
    now = now or timezone.now()
    failures = account.consecutive_failures + 1
    backoff = min(timedelta(seconds=account.poll_interval_seconds) * 2 ** min(failures, 10), MAX_BACKOFF)
    log.warning("Polling %s failed (%s): %s", account, "permanent" if error.permanent else "will retry", error)
    ChannelAccount.objects.filter(pk=account.pk, lease_token=token).update(
        last_error=str(error),
        last_error_at=now,
        error_is_permanent=error.permanent,
        rate_limited_until=error.retry_at,
        consecutive_failures=failures,
        next_poll_at=error.retry_at or now + backoff,
        lease_until=None,
        lease_token="",
    )
