"""Grow a generated history fast: copy its tickets (with contacts, messages, events) forward in time.

    python bench/generate.py --tickets 1000000 --stop-after 235000   # the first 235,000 (oldest)
    python bench/replicate.py --copies 3                              # + 3 copies, each later in time
    python bench/generate.py --tickets 1000000 --recent-days 42       # the last weeks, with open tickets

`generate.py` builds each ticket in Python (messages, SLA clock, events): ~450 tickets/s on a
quiet machine, so a million takes most of an hour, and hours when the machine is busy. This copies
rows inside PostgreSQL instead (INSERT ... SELECT): each copy gets ids above the current maximum,
external ids and thread keys made unique with a suffix, and every timestamp moved forward by the
span of the original, so the copies follow the original in time without overlapping it. Only
resolved tickets are copied (open ones belong to the present: generate the recent days for them).
PostgreSQL only.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oss_inbox.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from bench.generate import finish  # noqa: E402

# table -> {foreign key column: table it points at}; parents before children.
TABLES = {
    "tickets_contact": {"merged_into_id": "tickets_contact"},
    "tickets_identity": {"contact_id": "tickets_contact"},
    "tickets_ticket": {"contact_id": "tickets_contact", "previous_ticket_id": "tickets_ticket"},
    "tickets_message": {"ticket_id": "tickets_ticket", "author_identity_id": "tickets_identity"},
    "tickets_ticketevent": {"ticket_id": "tickets_ticket"},
}
# Columns that must stay unique (or name other rows' unique values): suffixed per copy.
SUFFIXED = {
    "tickets_identity": ["external_id"],
    "tickets_ticket": ["thread_key"],
    "tickets_message": ["external_id", "in_reply_to"],
}
# Which original rows are copied: resolved tickets and what hangs off them.
ORIGINALS = {
    "tickets_contact": "id <= {top[tickets_contact]}",
    "tickets_identity": "id <= {top[tickets_identity]}",
    "tickets_ticket": "id <= {top[tickets_ticket]} AND status = 'resolved'",
    "tickets_message": (
        "id <= {top[tickets_message]} AND ticket_id IN "
        "(SELECT id FROM tickets_ticket WHERE id <= {top[tickets_ticket]} AND status = 'resolved')"
    ),
    "tickets_ticketevent": (
        "id <= {top[tickets_ticketevent]} AND ticket_id IN "
        "(SELECT id FROM tickets_ticket WHERE id <= {top[tickets_ticket]} AND status = 'resolved')"
    ),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=3, help="how many copies to add (default 3)")
    options = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        sys.exit("replicate.py needs PostgreSQL (set DATABASE_URL).")
    with connection.cursor() as cursor:
        top = {table: _scalar(cursor, f"SELECT coalesce(max(id), 0) FROM {table}") for table in TABLES}
        first, last = _scalar_row(cursor, "SELECT min(created_at), max(created_at) FROM tickets_ticket")
    if not top["tickets_ticket"]:
        sys.exit("Nothing to copy: run bench/generate.py first.")
    span_days = (last - first).days + 1
    print(
        f"Copying {top['tickets_ticket']:,} tickets ({first:%Y-%m-%d} to {last:%Y-%m-%d}, {span_days} days) "
        f"{options.copies}×"
    )
    for copy in range(1, options.copies + 1):
        started = time.monotonic()
        with transaction.atomic(), connection.cursor() as cursor:
            for table, foreign_keys in TABLES.items():
                columns = _columns(cursor, table)
                select = ", ".join(
                    _expression(table, column, kind, foreign_keys, top, copy, span_days)
                    for column, kind in columns
                )
                where = ORIGINALS[table].format(top=top)
                names = ", ".join(column for column, _ in columns)
                cursor.execute(f"INSERT INTO {table} ({names}) SELECT {select} FROM {table} WHERE {where}")
        print(f"  copy {copy}: {time.monotonic() - started:.0f} s, {span_days * copy} days later")
    finish()  # sequences past the new ids, ANALYZE
    with connection.cursor() as cursor:
        print(
            f"Now {_scalar(cursor, 'SELECT count(*) FROM tickets_ticket'):,} tickets, "
            f"{_scalar(cursor, 'SELECT count(*) FROM tickets_message'):,} messages"
        )
    return 0


def _expression(table, column, kind, foreign_keys, top, copy, span_days):
    if column == "id":
        return f"id + {top[table] * copy}"
    if column in foreign_keys:
        return f"{column} + {top[foreign_keys[column]] * copy}"
    if kind == "timestamp with time zone":
        return f"{column} + interval '{span_days * copy} days'"
    if column in SUFFIXED.get(table, ()):
        return f"CASE WHEN {column} IS NULL OR {column} = '' THEN {column} ELSE {column} || '~{copy}' END"
    return column


def _columns(cursor, table):
    cursor.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
        "AND is_generated = 'NEVER' ORDER BY ordinal_position", [table],
    )  # fmt: skip
    return cursor.fetchall()


def _scalar(cursor, sql):
    cursor.execute(sql)
    return cursor.fetchone()[0]


def _scalar_row(cursor, sql):
    cursor.execute(sql)
    return cursor.fetchone()


if __name__ == "__main__":
    sys.exit(main())
