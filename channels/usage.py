"""Counting every call to a channel's API, per account and UTC day (ApiUsage), for the budget console.

The count is taken below the client libraries: a response hook on the account's HTTP session
(tweepy's, the Graph client's) sees every answer, whoever asked (a poll, a send, a reconcile, Test
connection). What an answer counts for is channel knowledge, measured in channels/<kind>/usage.py:
a call, a 429, the posts and the DM events X bills a read of (at different rates), the posts we
wrote, and those among them with a link.

One UPSERT per answer (INSERT ... ON CONFLICT DO UPDATE, with increments), on PostgreSQL and SQLite
alike. Counting never breaks a poll or a send: a failure is logged and the call goes on. A call
that got no answer (a timeout, a refused connection) is not counted: nothing was billed.

The day is X's billing day, midnight to midnight UTC.
"""

import logging
from dataclasses import dataclass, fields

from django.db import connection, transaction
from django.utils import timezone

from .models import ApiUsage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallCount:
    """What one answer adds to the day's usage."""

    calls: int = 1
    rate_limited: int = 0
    posts_read: int = 0
    dm_events_read: int = 0
    posts_written: int = 0
    posts_with_url: int = 0


COUNTED = [field.name for field in fields(CallCount)]


def usage_add(account_id: int, count: CallCount, day=None) -> None:
    """Add `count` to the account's usage of `day` (today, UTC) in one statement; never raises."""
    day = day or timezone.now().date()
    try:
        if connection.in_atomic_block:  # a caller's transaction survives a failed count
            with transaction.atomic():
                _upsert(account_id, day, count)
        else:
            _upsert(account_id, day, count)
    except Exception:  # a locked database, a test without one: the call matters more than its count
        log.exception("Could not count an API call of account %s; the call itself went on", account_id)


def _upsert(account_id, day, count):
    table = connection.ops.quote_name(ApiUsage._meta.db_table)
    columns = ", ".join(COUNTED)
    increments = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in COUNTED)
    values = [getattr(count, name) for name in COUNTED]
    sql = (
        f"INSERT INTO {table} (account_id, day, {columns})"
        f" VALUES (%s, %s{', %s' * len(COUNTED)})"
        f" ON CONFLICT (account_id, day) DO UPDATE SET {increments}"
    )
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # A count need not wait for the disk (8 ms a call on a busy machine, 0.3 ms without): a crash
        # may lose the last fraction of a second of counts, never anything else. The setting and the
        # statement go as one query string, which PostgreSQL runs as one transaction
        # (oss_inbox/inbox/presence.py does the same for heartbeats).
        sql = f"SET LOCAL synchronous_commit TO OFF; {sql}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [account_id, day, *values])


def count_calls(session, account_id: int, measure) -> None:
    """Count every answer `session` gets for the account: `measure(response)` says what it counts
    for (a CallCount); a measure that fails still counts the call."""

    def hook(response, *args, **kwargs):
        try:
            count = measure(response)
        except Exception:  # a surprising answer must not break the call that got it
            log.exception("Could not measure an API answer of account %s", account_id)
            count = CallCount()
        usage_add(account_id, count)

    session.hooks["response"].append(hook)


def rate_limited(response) -> int:
    return 1 if response.status_code == 429 else 0
