"""Fill the configured database with two years of help-desk history, for benchmarks.

    python bench/generate.py --tickets 100000           # DATABASE_URL chooses the database

Tickets come with their contacts (about one per three tickets, one identity each), messages
(about three per ticket: the customer, our replies, some internal notes) and timeline events.
About 2% are still open, mostly recent ones; the rest are resolved. SLA fields are set by the same
`ticket_sla_recompute` the services use, so the queue and the SLA scan see what production would.

Tickets are built one batch at a time (memory stays flat at any size) and written by the history
import's writer (tickets.services.history_import, the path of `manage.py import_history`): each
batch in its own transaction, through COPY on PostgreSQL, ids from the tables' sequences, so it
runs on top of existing data and beside a running app. Constraints stay on. At the end, on
PostgreSQL, the tables are analysed. `--rebuild-indexes` takes the full-text indexes and foreign
keys off for the run and puts them back after, as `import_history --rebuild-indexes` does: faster
for a large build into a database nobody else writes to meanwhile.
"""

import argparse
import math
import os
import random
import sys
import time
from array import array
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oss_inbox.settings")

import django  # noqa: E402
from django.apps import apps  # noqa: E402

if not apps.ready:  # imported by the tests, Django is already set up
    django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.utils import timezone  # noqa: E402

from channels.models import ChannelAccount  # noqa: E402
from oss_inbox.backend_cpu import backend_cpu  # noqa: E402
from oss_inbox.demo import content  # noqa: E402
from oss_inbox.demo.people import FIRST_NAMES, LAST_NAMES, make_customers  # noqa: E402
from oss_inbox.importing.indexes import indexes_paused, indexes_restore_if_left  # noqa: E402
from oss_inbox.staff.roles import AGENT  # noqa: E402
from oss_inbox.tickets.models import Contact, Identity, Message, Ticket, TicketEvent  # noqa: E402
from oss_inbox.tickets.services.history_copy import OTHER_CONNECTIONS_SERVER_CPU  # noqa: E402
from oss_inbox.tickets.services.history_import import (  # noqa: E402
    HistoryWriter,
    PastMessage,
    PastTicket,
    Person,
    Written,
)

FILLED = (Contact, Identity, Ticket, Message, TicketEvent)  # parents before children
HISTORY = timedelta(days=730)
OPEN_SHARE = 0.02
# Open tickets are mostly recent: the chance to be open falls off with age on this scale.
OPEN_DECAY_DAYS = 30
TICKETS_PER_CONTACT = 3
CHANNELS = ("twitter", "facebook", "email")
CHANNEL_SHARES = {"twitter": 45, "facebook": 30, "email": 25}
# Within a channel: X mentions 35 to DMs 10, Facebook comments 20 to Messenger 10.
MESSAGE_KINDS = {
    "twitter": ("mention",) * 7 + ("dm",) * 2,
    "facebook": ("comment",) * 2 + ("messenger",),
    "email": ("email",),
}
THREAD_PREFIX = {"mention": "x", "dm": "xdm", "comment": "fb", "messenger": "fbm", "email": "email"}
PRIORITIES = (1,) * 45 + (2,) * 3 + (0,) + (3,)  # mostly normal; a few high, low, urgent
TEXT_SAMPLES = 2000
ROWS_PER_INSERT = 2000
SUBJECT_LENGTH = 120


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=positive, default=100_000, help="tickets to add (default 100000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--batch-size", type=positive, default=5000, help="tickets per transaction (default 5000)"
    )
    parser.add_argument(
        "--accounts", type=positive, default=3, help="channel accounts over X, Facebook, email in turn"
    )
    parser.add_argument(
        "--stop-after", type=positive, help="only the oldest N of the tickets (see bench/replicate.py)"
    )
    parser.add_argument(
        "--recent-days", type=positive, help="only the tickets of the last N days of the history"
    )
    parser.add_argument(
        "--rebuild-indexes",
        action="store_true",
        help="PostgreSQL: drop the secondary indexes for the run and rebuild them after (a large build)",
    )
    options = parser.parse_args(argv)
    generate(options.tickets, seed=options.seed, batch_size=options.batch_size, accounts=options.accounts,
             part=_part(options), rebuild_indexes=options.rebuild_indexes)  # fmt: skip
    return 0


def _part(options):
    """Which ticket indices of the whole history to build: (first, last)."""
    first = 0
    if options.recent_days:
        first = int(options.tickets * max(0.0, 1 - options.recent_days / HISTORY.days))
    last = min(options.tickets, first + options.stop_after) if options.stop_after else options.tickets
    return first, last


def positive(raw):
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{raw} is not a positive whole number")
    return value


def generate(tickets, *, seed=1, batch_size=5000, accounts=3, now=None, out=None, part=None,
             rebuild_indexes=False):  # fmt: skip
    """Add `tickets` tickets with their history (or the `part` (first, last) of their indices);
    return the rows per model.

    1. Find or create the channel accounts and the agents who answer.
    2. Per batch: build the tickets (customer, messages, status) and hand them to the history
       import's writer (tickets.services.history_import), which writes them in one transaction with
       their contacts, identities and timeline events, through COPY on PostgreSQL.
    3. On PostgreSQL, ANALYZE the tables (and with `rebuild_indexes`, rebuild the secondary indexes
       dropped for the run).
    """
    out = out or sys.stdout
    history = History(
        random.Random(seed),
        tickets=tickets,
        accounts=bench_accounts(accounts),
        agents=bench_agents(),
        now=now,
        first=part[0] if part else 0,
    )
    first, last = part or (0, tickets)
    counts = {model: 0 for model in FILLED}
    writer = HistoryWriter(now=history.now)
    # As the import does: what --rebuild-indexes takes off is recorded first (importing.DroppedIndex)
    # and put back by the next run (of this or of manage.py import_history) if this one is cut off.
    indexes_restore_if_left(_Lines(out))
    pause = rebuild_indexes and connection.vendor == "postgresql"
    started = time.monotonic()
    cpu = time.process_time()
    server = server_cpu()
    with indexes_paused(pause, _Lines(out)):
        _write_batches(history, writer, counts, first, last, batch_size, out, started)
    finish()
    server = server_cpu() - server if server is not None else None
    report(out, counts, last - first, time.monotonic() - started, final=True,
           cpu=(time.process_time() - cpu, server))  # fmt: skip
    return counts


def _write_batches(history, writer, counts, first, last, batch_size, out, started):
    # On PostgreSQL each batch is built while the one before is written on a second connection.
    pipeline = writer.pipeline() if writer.can_pipeline() else None
    try:
        for start in range(first, last, batch_size):
            tickets = history.batch(start, min(start + batch_size, last))
            if pipeline is None:
                _count(counts, writer.write(tickets))
            else:
                pipeline.write(tickets)
            # With DEBUG on, Django keeps the last 9,000 statements.
            reset_queries()
            done = counts if pipeline is None else _count({model: 0 for model in FILLED}, pipeline.written)
            report(out, done, last - first, time.monotonic() - started)
    finally:
        if pipeline is not None:
            pipeline.close()
            _count(counts, pipeline.written)


class _Lines:
    """The import's messages (one line each, no newline) to a plain stream."""

    def __init__(self, out):
        self.out = out

    def write(self, text):
        self.out.write(text + "\n")


def _count(counts, written: Written):
    for model, count in zip(FILLED, (written.contacts, written.contacts, written.tickets, written.messages,
                                     written.events), strict=True):  # fmt: skip
        counts[model] += count
    return counts


def server_cpu():
    """CPU seconds the PostgreSQL server processes of this connection and of the writer's others
    (history_copy.ChunkSender, the index builder) have used (on this machine), or None: the figure
    beside wall time on a shared machine."""
    if connection.vendor != "postgresql":
        return None
    own = backend_cpu()
    return None if own is None else own + OTHER_CONNECTIONS_SERVER_CPU[0]


def bench_accounts(count):
    """`count` channel accounts, X, Facebook and email in turn; disabled, so no worker polls them."""
    accounts = []
    for number in range(1, max(count, 1) + 1):
        kind = CHANNELS[(number - 1) % len(CHANNELS)]
        defaults = {"kind": kind, "enabled": False, "self_external_id": f"bench-{number}"}
        account, _ = ChannelAccount.objects.get_or_create(name=f"Bench {kind} {number}", defaults=defaults)
        accounts.append(account)
    return accounts


def bench_agents():
    """The ids of the agents who answer: the existing ones, or five bench agents who cannot log in."""
    agents = list(get_user_model().objects.filter(groups__name=AGENT).values_list("pk", flat=True))
    if agents:
        return agents
    group = Group.objects.get(name=AGENT)
    for number in range(1, 6):
        user, created = get_user_model().objects.get_or_create(username=f"bench-agent-{number}")
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        user.groups.add(group)
        agents.append(user.pk)
    return agents


def finish():
    # None on SQLite: AUTOINCREMENT follows.
    statements = connection.ops.sequence_reset_sql(no_style(), FILLED)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        if connection.vendor == "postgresql":
            cursor.execute(
                "ANALYZE " + ", ".join(connection.ops.quote_name(model._meta.db_table) for model in FILLED)
            )


def report(out, counts, total, elapsed, final=False, cpu=None):
    tickets, rows = counts[Ticket], sum(counts.values())
    rates = f"{tickets / elapsed:,.0f} tickets/s, {rows / elapsed:,.0f} rows/s" if elapsed else ""
    if final:
        detail = ", ".join(f"{count:,} {model._meta.verbose_name_plural}" for model, count in counts.items())
        used = ""
        if cpu is not None:
            server = f", its PostgreSQL processes {cpu[1]:.1f} s" if cpu[1] is not None else ""
            used = f" (CPU: this process {cpu[0]:.1f} s{server})"
        out.write(f"Done: {rows:,} rows ({detail}) in {elapsed:.1f} s{used}: {rates}\n")
    else:
        out.write(f"{tickets:>10,} / {total:,} tickets  {elapsed:7.1f} s  {rates}\n")
    out.flush()


class History:
    """Builds the tickets of one batch at a time; between batches it keeps only the customers' channels."""

    def __init__(self, rng, *, tickets, accounts, agents, now=None, first=0):
        self.rng = rng
        self.total = tickets
        self.first = first  # tickets before this index are not built: customers are made for the rest only
        self.now = now or timezone.now()
        self.start = self.now - HISTORY
        self.agents = agents
        self.accounts = {kind: [a for a in accounts if a.kind == kind] for kind in CHANNELS}
        self.channels = [
            kind for kind in CHANNELS if self.accounts[kind] for _ in range(CHANNEL_SHARES[kind])
        ]
        self.texts = content.sample_texts(rng, make_customers(rng, 60), TEXT_SAMPLES)
        # Above every existing ticket's id, so that a second run makes new customers and threads.
        self.run = (Ticket.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        self.customers = array("b")  # index into CHANNELS, per customer made so far
        self.names = []
        days, decay = HISTORY.days, OPEN_DECAY_DAYS
        self.open_at_zero_age = OPEN_SHARE * days / (decay * (1 - math.exp(-days / decay)))

    def batch(self, first, last):
        wanted = -(-(last - self.first) // TICKETS_PER_CONTACT)
        for _ in range(wanted - len(self.customers)):
            self.customers.append(CHANNELS.index(self.rng.choice(self.channels)))
            self.names.append(f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}")
        return [TicketBuilder(self, index, self.created_at(index)).build() for index in range(first, last)]

    def created_at(self, index):
        # Evenly spread over the history, in ticket order, so ids grow with time as in production.
        return self.start + HISTORY * ((index + self.rng.random()) / self.total)

    def some_customer(self):
        """(Person, channel) of a random customer made so far."""
        offset = self.rng.randrange(len(self.customers))
        number, channel = f"{self.run}-{offset + 1}", CHANNELS[self.customers[offset]]
        if channel == "email":
            external_id = handle = f"customer{number}@example.com"
        else:
            external_id, handle = f"gen-{number}", ("" if channel == "facebook" else f"customer{number}")
        return Person(kind=channel, external_id=external_id, name=self.names[offset], handle=handle), channel

    def status(self, created_at):
        age_days = (self.now - created_at).total_seconds() / 86400
        if self.rng.random() >= self.open_at_zero_age * math.exp(-age_days / OPEN_DECAY_DAYS):
            return "resolved"
        # Recent open tickets wait on us; older ones mostly wait on the customer.
        weights = (45, 40, 15) if age_days < 2 else (1, 5, 94)
        return self.rng.choices(("new", "open", "pending"), weights)[0]


class TicketBuilder:
    """One ticket with its messages, timed like a real conversation."""

    def __init__(self, history, index, created_at):
        self.history, self.rng = history, history.rng
        self.created_at = created_at
        self.status = history.status(created_at)
        self.customer, channel = history.some_customer()
        self.account = self.rng.choice(history.accounts[channel])
        self.kind = self.rng.choice(MESSAGE_KINDS[channel])
        self.name = f"{history.run}-{index}"
        self.agent = None if self.status == "new" else self.rng.choice(history.agents)
        self.subject = self.rng.choice(history.texts["subjects"]) if self.kind == "email" else ""

    def build(self):
        steps = self.timeline()
        texts = self.history.texts
        messages = []
        for number, (direction, moment) in enumerate(steps):
            if direction == "note":
                note = self.rng.choice(texts["notes"])
                messages.append(PastMessage("note", moment, note, author_user_id=self.agent))
                continue
            messages.append(
                PastMessage(
                    direction,
                    moment,
                    self.rng.choice(texts[direction]),
                    external_id=f"gen-{self.name}-{number}",
                    subject=self.subject_of(number),
                    author_user_id=None if direction == "inbound" else self.agent,
                )
            )
        resolved_at = None
        if self.status in ("pending", "resolved"):
            resolved_at = min(steps[-1][1] + timedelta(minutes=_skewed(self.rng, 1, 120)), self.history.now)
        return PastTicket(
            key=self.name,
            account=self.account,
            kind=self.kind,
            thread_key=f"{THREAD_PREFIX[self.kind]}:gen-{self.name}",
            customer=self.customer,
            created_at=self.created_at,
            messages=messages,
            status=self.status,
            subject=self.subject or _first_line(messages[0].text),
            priority=self.rng.choice(PRIORITIES),
            assignee_id=self.agent,
            resolved_at=resolved_at,
        )

    def timeline(self):
        """(direction, moment) of each message, oldest first, squeezed in before now if need be."""
        rng = self.rng
        steps = [("inbound", 0.0)]
        if self.status == "new":
            steps += [("inbound", _skewed(rng, 10, 600))] if rng.random() < 0.2 else []
        else:
            for round_number in range(rng.choices((1, 2, 3), (60, 30, 10))[0]):
                if round_number:
                    steps.append(("inbound", _skewed(rng, 5, 600)))
                steps.append(("outbound", _skewed(rng, 5, 1800 if round_number == 0 else 300)))
            if rng.random() < 0.1:
                steps.insert(2, ("note", _skewed(rng, 1, 60)))
            # Open means the customer spoke last; a resolved one sometimes ends with their thanks.
            if self.status == "open" or (self.status == "resolved" and rng.random() < 0.3):
                steps.append(("inbound", _skewed(rng, 5, 600)))
        return self.fit(steps)

    def fit(self, steps):
        offsets = list(_running_total(minutes for _, minutes in steps))
        room = (self.history.now - self.created_at).total_seconds() / 60 - 1
        scale = min(1.0, max(0.0, room) / offsets[-1]) if offsets[-1] > 0 else 1.0
        return [
            (direction, self.created_at + timedelta(minutes=offset * scale))
            for (direction, _), offset in zip(steps, offsets, strict=True)
        ]

    def subject_of(self, number):
        if not self.subject:
            return ""
        return self.subject if number == 0 else f"Re: {self.subject}"


def _skewed(rng, low, high):
    # Most replies come quickly, a few take long.
    return low + (high - low) * rng.random() ** 2


def _running_total(values):
    total = 0.0
    for value in values:
        total += value
        yield total


def _first_line(text):
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= SUBJECT_LENGTH else line[: SUBJECT_LENGTH - 1].rstrip() + "…"


if __name__ == "__main__":
    sys.exit(main())
