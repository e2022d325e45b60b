"""The open tickets' search rows (0007) follow every change, each message counted, under concurrent writes.

1. Each message gives at most its first 10,000 characters to its ticket's words (newest messages
   first, 100,000 in all, which always fits a tsvector's 1 MB): one pasted log no longer pushes
   every earlier message out of the search.
2. Two transactions adding messages to one ticket at once each rebuilt its words from a snapshot
   without the other's message; the last to finish dropped the other's words. The trigger now
   locks the tickets first (in ticket id order) and reads the messages in a statement of its own,
   which sees what the lock waited for.
3. A message edited (an admin redacting what a customer pasted) or deleted rebuilds its ticket's
   words. These only update rows that exist, never insert one: a ticket being deleted has lost
   its search row before its messages, and must not get it back.
"""

from django.db import migrations

OPEN = "('new', 'open', 'pending')"

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION tickets_search_document(ticket bigint) RETURNS tsvector LANGUAGE sql STABLE AS $$
        SELECT to_tsvector('english'::regconfig,
                           LEFT(COALESCE(string_agg(LEFT("text", 10000), ' ' ORDER BY id DESC), ''), 100000))
        FROM tickets_message WHERE ticket_id = ticket
    $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION tickets_search_after_messages() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 FROM tickets_ticket WHERE id IN (SELECT ticket_id FROM added) ORDER BY id FOR UPDATE;
        INSERT INTO tickets_ticketsearch (ticket_id, document)
        SELECT t.id, tickets_search_document(t.id) FROM tickets_ticket t
        WHERE t.id IN (SELECT ticket_id FROM added) AND t.status IN {OPEN}
        ON CONFLICT (ticket_id) DO UPDATE SET document = EXCLUDED.document;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE FUNCTION tickets_search_after_message_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE tickets_ticketsearch SET document = tickets_search_document(ticket_id)
        WHERE ticket_id IN (OLD.ticket_id, NEW.ticket_id);
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER tickets_search_message_change AFTER UPDATE OF "text", ticket_id ON tickets_message
    FOR EACH ROW WHEN (OLD."text" IS DISTINCT FROM NEW."text" OR OLD.ticket_id IS DISTINCT FROM NEW.ticket_id)
    EXECUTE FUNCTION tickets_search_after_message_change()
    """,
    """
    CREATE FUNCTION tickets_search_after_message_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE tickets_ticketsearch SET document = tickets_search_document(ticket_id)
        WHERE ticket_id IN (SELECT ticket_id FROM removed);
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER tickets_search_message_delete AFTER DELETE ON tickets_message
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION tickets_search_after_message_delete()
    """,
    "UPDATE tickets_ticketsearch SET document = tickets_search_document(ticket_id)",
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS tickets_search_message_delete ON tickets_message",
    "DROP TRIGGER IF EXISTS tickets_search_message_change ON tickets_message",
    "DROP FUNCTION IF EXISTS tickets_search_after_message_delete()",
    "DROP FUNCTION IF EXISTS tickets_search_after_message_change()",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0007_open_ticket_search")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
