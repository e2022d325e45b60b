"""Fill a django-helpdesk database with two years of tickets and follow-ups, for bench/compare.py.

    .venv/bin/python bench/peer/generate.py --tickets 100000 \
        --database postgres://postgres@127.0.0.1:5432/helpdesk_100k

The same history as bench/generate.py makes for OSS Inbox, in django-helpdesk's tables: the same
text bank (oss_inbox/demo/content.py, so a search word is as common in both), about 2% of the
tickets open and most of those recent, a conversation of one to three rounds per ticket (the first
customer message is the ticket's description, every later message a follow-up: ~2.4 a ticket),
twelve agents, three queues (X, Facebook, Email). Runs with OSS Inbox's virtualenv (the text bank
and psycopg2); the schema, queues and users come from the peer's own migrate (`bench.peer.prepare`,
which installs django-helpdesk into bench/peer/.venv first).

Rows go in by COPY, 10,000 tickets a transaction, ids above the current maximum (so it adds to
what is there); then the id sequences are moved past them and the tables analysed.
"""

import argparse
import io
import math
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg2  # noqa: E402

from bench import peer  # noqa: E402
from oss_inbox.demo import content  # noqa: E402
from oss_inbox.demo.people import make_customers  # noqa: E402

HISTORY = timedelta(days=730)
OPEN_SHARE, OPEN_DECAY_DAYS = 0.02, 30  # as bench/generate.py
BATCH = 10_000
TEXT_SAMPLES = 2000
OPEN, REOPENED, RESOLVED, CLOSED = 1, 2, 3, 4  # django-helpdesk's Ticket.STATUS_CHOICES
PRIORITIES = (3,) * 45 + (2,) * 3 + (4,) + (1,)  # 1 critical .. 5 very low; mostly normal
TICKET_COLUMNS = (
    "id, title, created, modified, submitter_email, status, on_hold, description, resolution, "
    "priority, assigned_to_id, queue_id, secret_key"
)
FOLLOWUP_COLUMNS = "id, ticket_id, date, title, comment, public, user_id, new_status"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000, help="tickets to add (default 100000)")
    parser.add_argument("--database", required=True, help="postgres://... of the django-helpdesk database")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args(argv)
    peer.prepare(options.database)
    begin = time.perf_counter()
    with psycopg2.connect(options.database) as connection:
        history = History(random.Random(options.seed), connection, options.tickets)
        for first in range(0, options.tickets, BATCH):
            history.write_batch(first, min(first + BATCH, options.tickets))
            done = min(first + BATCH, options.tickets)
            print(
                f"{done:>9,} / {options.tickets:,} tickets  {time.perf_counter() - begin:7.1f} s", flush=True
            )
        history.finish()
    elapsed = time.perf_counter() - begin
    print(
        f"Added {options.tickets:,} tickets and {history.followups:,} follow-ups in {elapsed:.1f} s "
        f"({options.tickets / elapsed:,.0f} tickets/s)."
    )


class History:
    def __init__(self, rng, connection, total):
        self.rng, self.connection, self.total = rng, connection, total
        self.now = datetime.now(UTC)
        self.start = self.now - HISTORY
        self.texts = content.sample_texts(rng, make_customers(rng, 60), TEXT_SAMPLES)
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM auth_user WHERE username LIKE 'agent%%' ORDER BY id")
            self.agents = [row[0] for row in cursor.fetchall()]
            cursor.execute("SELECT id FROM helpdesk_queue ORDER BY id")
            self.queues = [row[0] for row in cursor.fetchall()]
            cursor.execute("SELECT coalesce(max(id), 0) FROM helpdesk_ticket")
            self.next_ticket = cursor.fetchone()[0] + 1
            cursor.execute("SELECT coalesce(max(id), 0) FROM helpdesk_followup")
            self.next_followup = cursor.fetchone()[0] + 1
        days = HISTORY.days
        self.open_at_zero_age = (
            OPEN_SHARE * days / (OPEN_DECAY_DAYS * (1 - math.exp(-days / OPEN_DECAY_DAYS)))
        )
        self.followups = 0

    def write_batch(self, first, last):
        tickets, followups = io.StringIO(), io.StringIO()
        for index in range(first, last):
            created = self.start + HISTORY * ((index + self.rng.random()) / self.total)
            self.ticket(created, tickets, followups)
        with self.connection.cursor() as cursor:
            tickets.seek(0), followups.seek(0)
            cursor.copy_expert(f"COPY helpdesk_ticket ({TICKET_COLUMNS}) FROM STDIN", tickets)
            cursor.copy_expert(f"COPY helpdesk_followup ({FOLLOWUP_COLUMNS}) FROM STDIN", followups)
        self.connection.commit()

    def ticket(self, created, tickets, followups):
        rng, ticket_id = self.rng, self.next_ticket
        self.next_ticket += 1
        is_open = rng.random() < self.open_at_zero_age * math.exp(-self.age_days(created) / OPEN_DECAY_DAYS)
        agent = None if is_open and rng.random() < 0.4 else rng.choice(self.agents)
        moment = created
        for direction in self.conversation(is_open):
            moment = min(moment + timedelta(minutes=rng.uniform(5, 600)), self.now)
            text = rng.choice(self.texts[direction])
            user = None if direction == "inbound" else agent
            self.followup(followups, ticket_id, moment, "Comment", text, direction != "notes", user, None)
        status = rng.choice((OPEN, OPEN, OPEN, REOPENED)) if is_open else rng.choice((RESOLVED, CLOSED))
        if not is_open:
            moment = min(moment + timedelta(minutes=rng.uniform(1, 120)), self.now)
            self.followup(followups, ticket_id, moment, "Resolved", "", True, agent, status)
        title = rng.choice(self.texts["subjects"])[:200]
        row = (
            ticket_id, title, created, moment, f"customer{rng.randrange(self.total // 3 + 1)}@example.com",
            status, "f", rng.choice(self.texts["inbound"]), "" if is_open else "Resolved.",
            rng.choice(PRIORITIES), agent, rng.choice(self.queues), uuid.UUID(int=rng.getrandbits(128)),
        )  # fmt: skip
        tickets.write("\t".join(copy_text(value) for value in row) + "\n")

    def conversation(self, is_open):
        """The directions of the messages after the description: our answers, their replies, notes."""
        steps = []
        for round_number in range(self.rng.choices((1, 2, 3), (60, 30, 10))[0]):
            if round_number:
                steps.append("inbound")
            steps.append("outbound")
        if self.rng.random() < 0.1:
            steps.insert(1, "notes")
        if is_open or self.rng.random() < 0.3:
            steps.append("inbound")
        return steps

    def followup(self, out, ticket_id, moment, title, text, public, user, new_status):
        row = (self.next_followup, ticket_id, moment, title, text, "t" if public else "f", user, new_status)
        out.write("\t".join(copy_text(value) for value in row) + "\n")
        self.next_followup += 1
        self.followups += 1

    def age_days(self, moment):
        return (self.now - moment).total_seconds() / 86400

    def finish(self):
        with self.connection.cursor() as cursor:
            for table in ("helpdesk_ticket", "helpdesk_followup"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
        self.connection.commit()
        self.connection.autocommit = True
        with self.connection.cursor() as cursor:
            cursor.execute("ANALYZE helpdesk_ticket, helpdesk_followup")


def copy_text(value):
    """One value in COPY's text format: \\N for NULL, backslash, tab and newline escaped."""
    if value is None:
        return "\\N"
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


if __name__ == "__main__":
    main()
