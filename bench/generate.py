"""Fill the configured database with two years of help-desk history, for benchmarks.

    python bench/generate.py --tickets 100000           # DATABASE_URL chooses the database

Tickets come with their contacts (about one per three tickets, one identity each), messages
(about three per ticket: the customer, our replies, some internal notes) and timeline events.
About 2% are still open, mostly recent ones; the rest are resolved. SLA fields are set by the same
`ticket_sla_recompute` the services use, so the queue and the SLA scan see what production would.

Rows are generated and bulk-inserted one batch at a time (memory stays flat at any size), each
batch in its own transaction, with primary keys allocated above the current maximum so that it
runs on top of existing data. Constraints stay on. At the end the id sequences are moved past the
new rows and, on PostgreSQL, the tables are analysed. Run it on a quiet database: rows written by
the app during the run could take the ids allocated here.
"""

import argparse
import math
import os
import random
import sys
import time
from array import array
from contextlib import contextmanager
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
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.utils import timezone  # noqa: E402

from channels.models import ChannelAccount  # noqa: E402
from oss_inbox.demo import content  # noqa: E402
from oss_inbox.demo.people import FIRST_NAMES, LAST_NAMES, make_customers  # noqa: E402
from oss_inbox.sla.services import ticket_sla_recompute  # noqa: E402
from oss_inbox.staff.roles import AGENT  # noqa: E402
from oss_inbox.tickets.models import Contact, Identity, Message, Ticket, TicketEvent  # noqa: E402

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
    options = parser.parse_args(argv)
    generate(options.tickets, seed=options.seed, batch_size=options.batch_size, accounts=options.accounts,
             part=_part(options))  # fmt: skip
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


def generate(tickets, *, seed=1, batch_size=5000, accounts=3, now=None, out=None, part=None):
    """Add `tickets` tickets with their history (or the `part` (first, last) of their indices);
    return the rows per model.

    1. Find or create the channel accounts and the agents who answer.
    2. Per batch: build contacts, identities, tickets, messages and events; insert them in one transaction.
    3. Move the id sequences past the new rows; on PostgreSQL, ANALYZE the tables.
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
    started = time.monotonic()
    with historic_timestamps():
        for start in range(first, last, batch_size):
            rows = history.batch(start, min(start + batch_size, last))
            insert(rows, counts)
            # With DEBUG on, Django keeps the last 9,000 statements; ours are megabytes each.
            reset_queries()
            report(out, counts, last - first, time.monotonic() - started)
    finish()
    report(out, counts, last - first, time.monotonic() - started, final=True)
    return counts


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


@contextmanager
def historic_timestamps():
    """Let rows keep the past times we give them: bulk_create stamps auto_now(_add) fields with the
    present."""
    fields = [
        field
        for model in FILLED
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    saved = [(field, field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def insert(rows, counts):
    with transaction.atomic():
        for model in FILLED:
            model.objects.bulk_create(rows[model], batch_size=ROWS_PER_INSERT)
            counts[model] += len(rows[model])


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


def report(out, counts, total, elapsed, final=False):
    tickets, rows = counts[Ticket], sum(counts.values())
    rates = f"{tickets / elapsed:,.0f} tickets/s, {rows / elapsed:,.0f} rows/s" if elapsed else ""
    if final:
        detail = ", ".join(f"{count:,} {model._meta.verbose_name_plural}" for model, count in counts.items())
        out.write(f"Done: {rows:,} rows ({detail}) in {elapsed:.1f} s: {rates}\n")
    else:
        out.write(f"{tickets:>10,} / {total:,} tickets  {elapsed:7.1f} s  {rates}\n")
    out.flush()


class History:
    """Builds the rows of one batch at a time; between batches it keeps only contact ids and kinds."""

    def __init__(self, rng, *, tickets, accounts, agents, now=None, first=0):
        self.rng = rng
        self.total = tickets
        self.first = first  # tickets before this index are not built: contacts are made for the rest only
        self.now = now or timezone.now()
        self.start = self.now - HISTORY
        self.agents = agents
        self.accounts = {kind: [a.pk for a in accounts if a.kind == kind] for kind in CHANNELS}
        self.channels = [
            kind for kind in CHANNELS if self.accounts[kind] for _ in range(CHANNEL_SHARES[kind])
        ]
        self.texts = content.sample_texts(rng, make_customers(rng, 60), TEXT_SAMPLES)
        self.next_id = {model: (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1 for model in FILLED}
        self.first_contact = self.next_id[Contact]
        self.identity_offset = self.next_id[Identity] - self.first_contact  # one identity per contact
        self.contact_channels = array("b")  # index into CHANNELS, per contact made so far
        days, decay = HISTORY.days, OPEN_DECAY_DAYS
        self.open_at_zero_age = OPEN_SHARE * days / (decay * (1 - math.exp(-days / decay)))

    def take_id(self, model):
        self.next_id[model] += 1
        return self.next_id[model] - 1

    def batch(self, first, last):
        rows = {model: [] for model in FILLED}
        batch_start = self.start + HISTORY * (first / self.total)  # before any of the batch's tickets
        self.add_contacts(
            rows, -(-(last - self.first) // TICKETS_PER_CONTACT) - len(self.contact_channels), batch_start
        )
        for index in range(first, last):
            TicketBuilder(self, rows, self.created_at(index)).build()
        return rows

    def created_at(self, index):
        # Evenly spread over the history, in ticket order, so ids grow with time as in production.
        return self.start + HISTORY * ((index + self.rng.random()) / self.total)

    def add_contacts(self, rows, count, created_at):
        for _ in range(count):
            contact_id = self.take_id(Contact)
            channel = self.rng.choice(self.channels)
            self.contact_channels.append(CHANNELS.index(channel))
            name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"
            rows[Contact].append(Contact(pk=contact_id, name=name, created_at=created_at))
            rows[Identity].append(self.identity(contact_id, channel, name, created_at))

    def identity(self, contact_id, channel, name, created_at):
        external_id = f"customer{contact_id}@example.com" if channel == "email" else f"gen-{contact_id}"
        handle = external_id if channel == "email" else f"customer{contact_id}"
        return Identity(
            pk=self.take_id(Identity),
            contact_id=contact_id,
            kind=channel,
            external_id=external_id,
            handle=handle if channel != "facebook" else "",
            display_name=name,
            created_at=created_at,
        )

    def some_contact(self):
        """(contact id, identity id, channel) of a random contact made so far."""
        offset = self.rng.randrange(len(self.contact_channels))
        contact_id = self.first_contact + offset
        return contact_id, contact_id + self.identity_offset, CHANNELS[self.contact_channels[offset]]

    def status(self, created_at):
        age_days = (self.now - created_at).total_seconds() / 86400
        if self.rng.random() >= self.open_at_zero_age * math.exp(-age_days / OPEN_DECAY_DAYS):
            return "resolved"
        # Recent open tickets wait on us; older ones mostly wait on the customer.
        weights = (45, 40, 15) if age_days < 2 else (1, 5, 94)
        return self.rng.choices(("new", "open", "pending"), weights)[0]


class TicketBuilder:
    """One ticket with its messages and events, timed like a real conversation."""

    def __init__(self, history, rows, created_at):
        self.history, self.rows, self.rng = history, rows, history.rng
        self.created_at = created_at
        self.status = history.status(created_at)
        self.contact_id, self.identity_id, channel = history.some_contact()
        self.account_id = self.rng.choice(history.accounts[channel])
        self.kind = self.rng.choice(MESSAGE_KINDS[channel])
        self.ticket_id = history.take_id(Ticket)
        self.agent = None if self.status == "new" else self.rng.choice(history.agents)
        self.subject = self.rng.choice(history.texts["subjects"]) if self.kind == "email" else ""

    def build(self):
        steps = self.timeline()
        ticket = Ticket(
            pk=self.ticket_id,
            account_id=self.account_id,
            contact_id=self.contact_id,
            thread_key=f"{THREAD_PREFIX[self.kind]}:gen-{self.ticket_id}",
            status=self.status,
            priority=self.rng.choice(PRIORITIES),
            assignee_id=self.agent,
            created_at=self.created_at,
        )
        self.event("created", self.created_at)
        for number, (direction, moment) in enumerate(steps):
            self.add_message(ticket, number, direction, moment)
        self.settle(ticket, steps)
        ticket.subject = self.subject or _first_line(self.rows[Message][-len(steps)].text)
        ticket_sla_recompute(ticket, now=self.history.now)
        self.rows[Ticket].append(ticket)

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

    def add_message(self, ticket, number, direction, moment):
        message = Message(
            pk=self.history.take_id(Message),
            ticket_id=self.ticket_id,
            account_id=self.account_id,
            direction=direction,
            kind="note" if direction == "note" else self.kind,
            sent_at=moment,
            created_at=moment,
        )
        if direction == "note":
            message.text, message.author_user_id = self.rng.choice(self.history.texts["notes"]), self.agent
            self.event("note", moment, actor=self.agent)
        else:
            message.external_id, message.subject = f"gen-{self.ticket_id}-{number}", self.subject_of(number)
            (self.add_inbound if direction == "inbound" else self.add_reply)(ticket, message, moment)
        self.rows[Message].append(message)

    def add_inbound(self, ticket, message, moment):
        message.text, message.author_identity_id = (
            self.rng.choice(self.history.texts["inbound"]),
            self.identity_id,
        )
        ticket.last_inbound_at = moment
        self.event("message_in", moment)

    def subject_of(self, number):
        if not self.subject:
            return ""
        return self.subject if number == 0 else f"Re: {self.subject}"

    def add_reply(self, ticket, message, moment):
        message.text, message.author_user_id = self.rng.choice(self.history.texts["outbound"]), self.agent
        message.delivery_state, message.delivery_attempts = "sent", 1
        if ticket.first_response_at is None:
            ticket.first_response_at = moment
            self.event("claimed", moment, actor=self.agent)
            self.event("status", moment, actor=self.agent, data={"from": "new", "to": "open"})
        ticket.last_outbound_at = moment
        self.event("replied", moment, actor=self.agent)

    def settle(self, ticket, steps):
        last = steps[-1][1]
        ticket.updated_at = last
        if self.status in ("pending", "resolved"):
            moment = min(last + timedelta(minutes=_skewed(self.rng, 1, 120)), self.history.now)
            self.event("status", moment, actor=self.agent, data={"from": "open", "to": self.status})
            ticket.updated_at = moment
            ticket.resolved_at = moment if self.status == "resolved" else None

    def event(self, kind, moment, *, actor=None, data=None):
        self.rows[TicketEvent].append(
            TicketEvent(
                pk=self.history.take_id(TicketEvent),
                ticket_id=self.ticket_id,
                kind=kind,
                actor_id=actor,
                data=data or {},
                created_at=moment,
            )
        )


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
