"""The view list's counts in one statement written once per process.

The counts are kept under the queue's version (queue.view_counts), and during a storm that version
moves every second: each page counted again. The database answers the one aggregate over the open
tickets in a few milliseconds, but the ORM took 2 ms of CPU to write it (eight filtered COUNTs)
every time, on the web process's core. Written here once, from the models' own column names, with
the same conditions as the views (queue._view_condition; tests/inbox/test_queue_storm.py keeps the
two in step).
"""

from functools import cache

from django.db import connection

from oss_inbox.tickets.models import OPEN_STATUSES, Ticket

# Each counted view's condition over the open tickets: SQL with named parameters (user, now).
CONDITIONS = {
    "safety": "{safety} <> ''",
    "mine": "{assignee} = %(user)s",
    "unassigned": "{assignee} IS NULL",
    "open": "1 = 1",
    "pending": "{status} = %(pending)s",
    "key": "{key}",
    "at_risk": "{at_risk} <= %(now)s AND {due} > %(now)s",
    "breached": "{due} <= %(now)s",
}


@cache
def _statement(slugs):
    fields = {
        "safety": "safety",
        "assignee": "assignee",
        "status": "status",
        "key": "is_key_account",
        "at_risk": "sla_at_risk_at",
        "due": "sla_due_at",
    }
    quote = connection.ops.quote_name
    columns = {name: quote(Ticket._meta.get_field(field).column) for name, field in fields.items()}
    # SUM(CASE ...) rather than COUNT(*) FILTER: the same on PostgreSQL and SQLite.
    counts = ", ".join(
        f"COALESCE(SUM(CASE WHEN {CONDITIONS[slug].format(**columns)} THEN 1 ELSE 0 END), 0)"
        for slug in slugs
    )
    statuses = ", ".join(f"%(status{index})s" for index in range(len(OPEN_STATUSES)))
    table = quote(Ticket._meta.db_table)
    return f"SELECT {counts} FROM {table} WHERE {columns['status']} IN ({statuses})"


def count_views(slugs, user, now):
    """{slug: open tickets in that view} for the views `slugs` (of CONDITIONS), as `user` at `now`."""
    slugs = tuple(slugs)
    params = {
        "user": user.pk,
        "pending": Ticket.Status.PENDING.value,
        "now": connection.ops.adapt_datetimefield_value(now),
        **{f"status{index}": str(status) for index, status in enumerate(OPEN_STATUSES)},
    }
    with connection.cursor() as cursor:
        cursor.execute(_statement(slugs), params)
        row = cursor.fetchone()
    return dict(zip(slugs, (int(value) for value in row), strict=True))
