"""The one entry point for every inbound item from every channel."""

import logging
from collections.abc import Iterable
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.db import DatabaseError, DataError, IntegrityError, transaction
from django.utils import timezone

from channels.base import Inbound, Unparseable
from channels.models import ChannelAccount

from ..models import UnprocessedItem
from .batch import IngestResult, apply_batch

log = logging.getLogger(__name__)

# A concurrent ingest of another account may insert the same identity between our look-up and our
# insert: the unique constraint refuses ours, and a second look finds theirs.
ATTEMPTS_PER_ITEM = 3

__all__ = ["IngestResult", "ingest"]


def ingest(
    account: ChannelAccount,
    items: Iterable[Inbound | Unparseable],
    cursor: dict | None = None,
    *,
    lease: str | None = None,
    lease_for: timedelta | None = None,
) -> IngestResult:
    """Store a batch of inbound items of one channel account, each exactly once.

    1. Lock the account row, so that batches of one account are applied one at a time.
    2. Apply the whole batch at once (batch.py: a fixed number of queries, whatever its size).
    3. If that fails, apply the items one at a time, so that one bad item is recorded as an
       UnprocessedItem with its error and the others still go in.
    4. Advance the account's cursor (if given) in the same transaction as the messages it covers,
       unless `lease` is given and another poll has taken the account over since (its cursor wins).
       A poll holding the lease also keeps it for `lease_for` from now, in the same UPDATE: while
       this transaction holds the account row, the poll's heartbeat cannot renew it.
    """
    items = list(items)  # a page cut off while arriving fails here, before anything is written
    result = IngestResult()
    with transaction.atomic():
        locked = ChannelAccount.objects.select_for_update().get(pk=account.pk)
        parsed = sorted((item for item in items if not isinstance(item, Unparseable)), key=_oldest_first)
        for item in items:
            if isinstance(item, Unparseable):
                _record_failure(locked, item.external_id, item.error, item.raw, result)
        if parsed and not _applied_together(locked, parsed, result):
            for item in parsed:
                _apply_alone(locked, item, result)
        _advance_cursor_and_lease(locked, account, cursor, lease, lease_for)
    return result


def _oldest_first(item):
    # A reply finds its parent from the same batch.
    return (item.sent_at, item.external_id)


def _applied_together(account, items, result):
    batch_result = IngestResult()
    try:
        with transaction.atomic():
            apply_batch(account, items, batch_result)
    except Exception as error:  # noqa: BLE001 - retried item by item below, where it is recorded
        _raise_if_database_down(error)
        log.info("Batch of %s items on %s failed (%s); applying them one by one", len(items), account, error)
        return False
    result.add(batch_result)
    return True


def _apply_alone(account, item, result):
    for attempt in range(1, ATTEMPTS_PER_ITEM + 1):
        item_result = IngestResult()
        try:
            with transaction.atomic():
                apply_batch(account, [item], item_result)
        except IntegrityError as error:
            if attempt < ATTEMPTS_PER_ITEM:
                continue
            _record_failure(account, item.external_id, _describe(error), item.raw, result)
        except Exception as error:  # noqa: BLE001 - one bad item must not block the batch; it is recorded
            _raise_if_database_down(error)
            log.warning("Ingest of %s on %s failed", item.external_id, account, exc_info=True)
            _record_failure(account, item.external_id, _describe(error), item.raw, result)
        else:
            result.add(item_result)
        return


def _raise_if_database_down(error):
    """The database failing (connection lost) or the task running out of time aborts the whole
    ingest, so the cursor stays behind and the next poll fetches the same items again; only an
    error in an item's own data is recorded against that item."""
    if isinstance(error, SoftTimeLimitExceeded):
        raise error
    if isinstance(error, DatabaseError) and not isinstance(error, (DataError, IntegrityError)):
        raise error


def _advance_cursor_and_lease(locked, account, cursor, lease, lease_for):
    if lease is not None and locked.lease_token != lease:
        if cursor is not None:
            log.warning("Poll of %s outlived its lease; its items are stored, its cursor is not", account)
        return
    changed = []
    if cursor is not None:
        locked.cursor = cursor
        changed.append("cursor")
    if lease is not None and lease_for is not None:
        locked.lease_until = timezone.now() + lease_for
        changed.append("lease_until")
    if changed:
        locked.save(update_fields=changed)
    if cursor is not None:
        account.cursor = cursor


def _describe(error):
    return f"{type(error).__name__}: {error}"


def _record_failure(account, external_id, error, raw, result):
    with transaction.atomic():
        UnprocessedItem.objects.bulk_create(
            [UnprocessedItem(account=account, external_id=external_id, reason=UnprocessedItem.Reason.ERROR,
                             error=error, raw=raw or {})],
            ignore_conflicts=True,
        )  # fmt: skip
    result.failed += 1
    result.errors.append(f"{external_id or '(no id)'}: {error}")
