"""Search of the open views through one small index; message text indexed only up to 100,000 characters.

1. `tickets_ticketsearch` holds one row per open ticket: the words of its conversation (newest
   messages first, the first 200,000 characters), with a GIN index. PostgreSQL triggers keep it,
   so every way a message is written (the ingest's COPY, bulk inserts, replies, notes) counts:
   - after messages are inserted, each open ticket they belong to gets its row rewritten;
   - when a ticket is resolved its row goes; when it is reopened it is rebuilt.
   The open views (oss_inbox/inbox/queue.py search_condition) then search ~2% of the tickets
   instead of reading every message of the history that has the word.
2. The message text index (0005) read the whole text: an email of a few megabytes of distinct
   words (a pasted log) is more than a tsvector holds, PostgreSQL refused the row and the email
   could never be stored. It now indexes the first 100,000 characters, which always fit.

The configuration is 'english', as queue.SEARCH_CONFIG. SQLite gets the empty table and no
triggers: search there is a plain match.

Not atomic, so that the message index is built CONCURRENTLY: at 3M messages a plain build holds
off every new message (the ingest, replies) for half a minute or more. The new index is built
first and the old one dropped after, so Resolved search is never without one; the table, the
functions, the triggers and the fill of the search rows go in one transaction of their own.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models, transaction

OPEN = "('new', 'open', 'pending')"

CONCURRENT_FORWARD = [
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS message_text_prefix_search_idx ON tickets_message "
    "USING gin (to_tsvector('english'::regconfig, COALESCE(LEFT(\"text\", 100000), '')))",
    "DROP INDEX CONCURRENTLY IF EXISTS message_text_search_idx",
]

FORWARD = [
    "CREATE INDEX ticketsearch_document_idx ON tickets_ticketsearch USING gin (document)",
    """
    CREATE FUNCTION tickets_search_document(ticket bigint) RETURNS tsvector LANGUAGE sql STABLE AS $$
        SELECT to_tsvector('english'::regconfig, LEFT(COALESCE(string_agg("text", ' ' ORDER BY id DESC), ''), 200000))
        FROM tickets_message WHERE ticket_id = ticket
    $$
    """,
    f"""
    CREATE FUNCTION tickets_search_after_messages() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO tickets_ticketsearch (ticket_id, document)
        SELECT t.id, tickets_search_document(t.id) FROM tickets_ticket t
        WHERE t.id IN (SELECT ticket_id FROM added) AND t.status IN {OPEN}
        ON CONFLICT (ticket_id) DO UPDATE SET document = EXCLUDED.document;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER tickets_search_messages AFTER INSERT ON tickets_message
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION tickets_search_after_messages()
    """,
    f"""
    CREATE FUNCTION tickets_search_after_status() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.status IN {OPEN} THEN
            INSERT INTO tickets_ticketsearch (ticket_id, document) VALUES (NEW.id, tickets_search_document(NEW.id))
            ON CONFLICT (ticket_id) DO UPDATE SET document = EXCLUDED.document;
        ELSE
            DELETE FROM tickets_ticketsearch WHERE ticket_id = NEW.id;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    f"""
    CREATE TRIGGER tickets_search_status AFTER UPDATE OF status ON tickets_ticket FOR EACH ROW
    WHEN ((OLD.status IN {OPEN}) IS DISTINCT FROM (NEW.status IN {OPEN}))
    EXECUTE FUNCTION tickets_search_after_status()
    """,
    f"""
    INSERT INTO tickets_ticketsearch (ticket_id, document)
    SELECT id, tickets_search_document(id) FROM tickets_ticket WHERE status IN {OPEN}
    """,
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS tickets_search_status ON tickets_ticket",
    "DROP TRIGGER IF EXISTS tickets_search_messages ON tickets_message",
    "DROP FUNCTION IF EXISTS tickets_search_after_status()",
    "DROP FUNCTION IF EXISTS tickets_search_after_messages()",
    "DROP FUNCTION IF EXISTS tickets_search_document(bigint)",
]

CONCURRENT_BACKWARD = [
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS message_text_search_idx ON tickets_message "
    "USING gin (to_tsvector('english'::regconfig, COALESCE(\"text\", '')))",
    "DROP INDEX CONCURRENTLY IF EXISTS message_text_prefix_search_idx",
]


def forward(apps, schema_editor):
    _run(schema_editor, CONCURRENT_FORWARD, FORWARD)


def backward(apps, schema_editor):
    _run(schema_editor, CONCURRENT_BACKWARD, BACKWARD)


def _run(schema_editor, concurrent, together):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in concurrent:  # outside any transaction, as CONCURRENTLY requires
        schema_editor.execute(statement)
    with transaction.atomic(using=schema_editor.connection.alias):
        for statement in together:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("tickets", "0006_drop_covered_fk_indexes")]

    operations = [
        migrations.CreateModel(
            name="TicketSearch",
            fields=[
                ("ticket", models.OneToOneField(
                    on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name="+",
                    serialize=False, to="tickets.ticket",
                )),
                ("document", django.contrib.postgres.search.SearchVectorField()),
            ],
        ),
        migrations.RunPython(forward, backward, elidable=False),
    ]
