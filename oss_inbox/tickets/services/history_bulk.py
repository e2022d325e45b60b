"""A bulk history import into a quiet database: what is taken off the write path, and put back.

Measured on 20,000 imported tickets (68,000 messages, 148,000 events; PostgreSQL 15), of ~4.4 s
of server CPU with everything in place, 2.0 s were the foreign-key checks at commit (each row's
references looked up and locked one by one) and ~1.1 s the messages' full-text GIN index; with both
off the rows take 1.3 s, then re-adding the foreign keys (one join per constraint) 0.1 s and building
the GIN index at once 0.8 s. The b-tree indexes stay: inserting into them costs less than
rebuilding them (1.5 s for all of them), and readers of the import need some of them.

So `indexes_drop()` drops the full-text (GIN) indexes of the history tables and the foreign keys
of the tables the import writes, and pauses the open tickets' search trigger (tickets migrations
0007/0008); it returns the statements that put each back, for `indexes_rebuild()`. Each statement
can run again (a rebuild cut off midway is finished by the next one). PostgreSQL only; nothing else
may write these tables meanwhile, since their references are not checked until the rebuild.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from django.db import connection, transaction

from oss_inbox.backend_cpu import backend_cpu
from oss_inbox.sla.states import OPEN_STATUSES

from .history_copy import count_and_close

_GIN_TABLES = (
    "tickets_ticket",
    "tickets_message",
    "tickets_ticketevent",
    "tickets_contact",
    "tickets_identity",
)
_FK_TABLES = (
    "tickets_contact", "tickets_identity", "tickets_ticket", "tickets_message", "tickets_ticketevent",
    "tickets_ticket_tags",
)  # fmt: skip
_ANALYZED = (*_GIN_TABLES, "tickets_ticket_tags")
_SEARCH_TRIGGERS = (("tickets_search_messages", "tickets_message"),)
REBUILD_MEMORY = "1GB"  # maintenance_work_mem for the rebuild: one pass over the messages for the GIN index


def indexes_drop() -> list[str]:
    """Take the GIN indexes, foreign keys and search trigger off; return what puts them back."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index x "
            "JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "JOIN pg_am a ON a.oid = c.relam "
            "WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY(%s) "
            "AND a.amname = 'gin' AND NOT x.indisunique AND NOT x.indisprimary ORDER BY c.relname",
            [list(_GIN_TABLES)],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid "
            "WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY(%s) "
            "AND c.contype = 'f' ORDER BY array_position(%s, t.relname::text), c.conname",
            [list(_FK_TABLES), list(_FK_TABLES)],
        )
        constraints = cursor.fetchall()
        restore = [
            definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1) for _, definition in indexes
        ]
        restore += [_add_constraint(table, name, definition) for table, name, definition in constraints]
        with transaction.atomic():
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
            for table, name, _ in constraints:
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"')
            for trigger, table in _SEARCH_TRIGGERS:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
                restore.append(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
    return restore


def _add_constraint(table, name, definition):
    # ADD CONSTRAINT has no IF NOT EXISTS: ask first, so that a rebuild cut off midway can run again.
    return (
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = "
        f"'{name}' AND conrelid = '\"{table}\"'::regclass) THEN "
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}; END IF; END $$'
    )


def indexes_rebuild(statements: Iterable[str]) -> None:
    """Put back what indexes_drop took away (each constraint checked in one pass over its table),
    refill the open tickets' search rows, ANALYZE.

    The indexes are built on a second connection meanwhile (PostgreSQL builds a GIN index on one
    core; the messages' is most of the rebuild): the constraints of the other tables are checked
    here at the same time, and what needs the messages' table (its constraints, its trigger, its
    statistics) comes last and waits for the index's lock on its own.
    """
    statements = list(statements)
    builds = [statement for statement in statements if statement.startswith("CREATE INDEX")]
    rest = sorted(
        (statement for statement in statements if statement not in builds),
        key=lambda statement: "tickets_message" in statement,
    )
    builder = _Builder(builds)
    builder.start()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SET maintenance_work_mem = '{REBUILD_MEMORY}'")
            for statement in rest:
                cursor.execute(statement)
            cursor.execute("ANALYZE " + ", ".join(table for table in _ANALYZED if table != "tickets_message"))
    finally:
        builder.join()
    if builder.error is not None:
        raise builder.error
    with connection.cursor() as cursor:
        history_search_refill(cursor)
        cursor.execute("RESET maintenance_work_mem")
        cursor.execute("ANALYZE tickets_message")


class _Builder(threading.Thread):
    """Runs CREATE INDEX statements on a connection of its own."""

    def __init__(self, statements):
        super().__init__(name="history-import-indexes", daemon=True)
        self.statements = statements
        self.error: BaseException | None = None

    def run(self):
        started = None
        try:
            started = backend_cpu()
            with connection.cursor() as cursor:
                cursor.execute(f"SET maintenance_work_mem = '{REBUILD_MEMORY}'")
                for statement in self.statements:
                    cursor.execute(statement)
        except BaseException as error:  # noqa: BLE001 - raised by the thread that waits for it
            self.error = error
        finally:
            count_and_close(started)


def history_search_refill(cursor) -> None:
    """The open tickets' search rows (migration 0007's fill), for tickets written while the trigger
    was paused."""
    statuses = ", ".join(f"'{status}'" for status in OPEN_STATUSES)
    cursor.execute(
        "INSERT INTO tickets_ticketsearch (ticket_id, document) "
        f"SELECT id, tickets_search_document(id) FROM tickets_ticket WHERE status IN ({statuses}) "
        "ON CONFLICT (ticket_id) DO UPDATE SET document = EXCLUDED.document"
    )
