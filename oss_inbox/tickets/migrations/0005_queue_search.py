"""Full-text search for the queue (PostgreSQL only; SQLite searches with a plain LIKE).

Expression GIN indexes, written exactly as the queue's SearchVector compiles them
(oss_inbox/inbox/queue.py search_condition), so that the planner uses them: message text with
the English configuration (stems: "outages" finds "outage"), customer names and handles with
the simple one (names are not words to stem).
"""

from django.db import migrations

INDEXES = {
    "message_text_search_idx": "tickets_message USING gin (to_tsvector('english'::regconfig, COALESCE(\"text\", '')))",
    "contact_name_search_idx": "tickets_contact USING gin (to_tsvector('simple'::regconfig, COALESCE(\"name\", '')))",
    "identity_search_idx": (
        "tickets_identity USING gin "
        "(to_tsvector('simple'::regconfig, COALESCE(\"handle\", '') || ' ' || COALESCE(\"display_name\", '')))"
    ),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0004_key_account_profile")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
