"""Write a database's tickets as an import CSV (docs/import.md): the input of the import benchmark.

    DATABASE_URL=postgres://.../oss_import_gen100k python bench/history_csv.py /tmp/history-100k.csv
    DATABASE_URL=postgres://.../oss_import_into python manage.py import_history --csv /tmp/history-100k.csv

PostgreSQL only: one COPY (SELECT ...) TO STDOUT, a row per message in ticket order, as a help
desk's "tickets with comments" export would be.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oss_inbox.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

EXPORT = """
COPY (
    SELECT t.id AS ticket_id, m.sent_at AS message_time, m.direction, m.text AS body,
           i.external_id AS customer, c.name AS customer_name,
           CASE WHEN m.direction = 'note' THEN '' ELSE m.kind END AS channel,
           t.subject, t.status, t.priority, assignee.username AS assignee, author.username AS agent,
           t.created_at AS ticket_created_at, t.resolved_at, m.external_id AS message_id
    FROM tickets_ticket t
    JOIN tickets_message m ON m.ticket_id = t.id
    JOIN tickets_contact c ON c.id = t.contact_id
    JOIN LATERAL (SELECT external_id FROM tickets_identity WHERE contact_id = c.id ORDER BY id LIMIT 1) i
        ON true
    LEFT JOIN auth_user assignee ON assignee.id = t.assignee_id
    LEFT JOIN auth_user author ON author.id = m.author_user_id
    ORDER BY t.id, m.sent_at, m.id
) TO STDOUT WITH (FORMAT csv, HEADER)
"""


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        sys.exit(__doc__)
    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only: set DATABASE_URL=postgres://...")
    with open(argv[0], "w", encoding="utf-8", newline="") as out, connection.cursor() as cursor:
        cursor.cursor.copy_expert(EXPORT, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
