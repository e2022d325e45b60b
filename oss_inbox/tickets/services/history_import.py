"""Writing a past help desk's history as OSS Inbox history: `HistoryWriter().write(tickets)`.

The readers (oss_inbox.importing: CSV, mbox, django-helpdesk) and bench/generate.py hand over
`PastTicket`s: the customer, the messages in order, the status, assignee and tags. This writes each
chunk in one transaction, as if the tickets had been handled here:

1. Contacts and identities: a customer already known on that channel (the identity's kind and
   external id) keeps their contact; a new one gets a contact and an identity.
2. Tickets with their messages and the timeline the services would have written (claimed and
   opened at the first reply, replied, note, tagged, pending or resolved at the end; as in ingest,
   no entry for the creation or the customer's messages: their rows say that), and the SLA fields
   the services would have left: `ticket_sla_recompute` at `now`, so a resolved ticket's
   first-response and resolution due times are there for the dashboards and an open one's due
   times run as ingest's do.
3. Whatever the caller records in the same transaction (`record(cursor, [(key, ticket id)])`, the
   importer's ledger of imported tickets), so that a chunk is either all there or not at all.

On PostgreSQL rows go as COPY text built here directly (history_copy; no model instances), with the
ids of contacts, identities and tickets taken from their sequences in one query per chunk;
messages, events and tags take theirs from the table's default. `pipeline()` prepares each chunk
while the one before is written on a second connection (history_copy.ChunkSender). Elsewhere
(SQLite, `make run`) the same rows go through executemany, one chunk after the other.

`indexes_drop()` / `indexes_rebuild()` (history_bulk) take the full-text indexes, the foreign keys
and the open-ticket search trigger off the write path for a large import into a quiet database,
and put them back.
"""

from __future__ import annotations

import copy
import gc
import io
import json
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from channels.models import ChannelAccount
from oss_inbox.sla.policies import SlaRules
from oss_inbox.sla.services import ticket_sla_recompute
from oss_inbox.sla.states import OPEN_STATUSES

from .history_copy import LINES, ChunkSender, CopyRows, Rows, copy_line, copy_times_forget

SUBJECT_LENGTH = 500
NAME_LENGTH = 200
EXTERNAL_ID_LENGTH = 500


@dataclass(slots=True)
class Person:
    """A customer as a channel knows them: kind ("email", "twitter", "facebook") and their id there
    (the lower-cased address, the user id)."""

    kind: str
    external_id: str
    name: str = ""
    handle: str = ""


@dataclass(slots=True)
class PastMessage:
    direction: str  # "inbound", "outbound" or "note"
    sent_at: datetime
    text: str = ""
    external_id: str | None = None  # unique per account when given (an email's Message-ID)
    subject: str = ""
    in_reply_to: str = ""
    author_user_id: int | None = None  # outbound and notes: who wrote it
    html: str = ""  # sanitised, safe to show
    raw: dict | None = None  # what the source had that OSS Inbox has no field for


@dataclass(slots=True)
class PastTicket:
    key: str  # the ticket's id in its source: unique there
    account: ChannelAccount
    kind: str  # the messages' kind (Message.Kind): "email", "mention", "dm", ...
    thread_key: str
    customer: Person
    created_at: datetime
    messages: list[PastMessage] = field(default_factory=list)
    status: str = "resolved"
    subject: str = ""
    priority: int = 1
    assignee_id: int | None = None
    tags: Sequence[str] = ()
    resolved_at: datetime | None = None


# (table, columns) written per row; ids of the first three come from their sequences.
CONTACT_COLUMNS = ("id", "name", "critical_care", "created_at")
IDENTITY_COLUMNS = (
    "id", "contact_id", "kind", "external_id", "handle", "display_name", "avatar_url", "created_at",
)  # fmt: skip
TICKET_COLUMNS = (
    "id", "account_id", "contact_id", "thread_key", "subject", "status", "priority", "assignee_id",
    "is_key_account", "safety", "created_at", "updated_at", "last_inbound_at", "last_outbound_at",
    "first_response_at", "resolved_at", "first_response_due_at", "next_response_due_at",
    "resolution_due_at", "sla_due_at", "sla_state", "sla_paused_at", "sla_pauses", "sla_at_risk_at",
    "sla_escalated", "sla_escalated_for", "sla_escalate_at",
)  # fmt: skip
MESSAGE_COLUMNS = (
    "ticket_id", "account_id", "external_id", "in_reply_to", "direction", "kind", "is_automatic",
    "author_identity_id", "author_user_id", "subject", "text", "html", "url", "context", "raw",
    "sent_at", "created_at", "delivery_state", "delivery_attempts", "delivery_error",
)  # fmt: skip
EVENT_COLUMNS = ("ticket_id", "kind", "actor_id", "data", "created_at")
TAG_COLUMNS = ("ticket_id", "tag_id")


@dataclass
class Written:
    tickets: int = 0
    contacts: int = 0
    messages: int = 0
    events: int = 0
    already_stored: int = 0  # tickets left out: a message of theirs (account, external id) is here already

    def add(self, other: Written) -> None:
        self.tickets += other.tickets
        self.contacts += other.contacts
        self.messages += other.messages
        self.events += other.events
        self.already_stored += other.already_stored


Record = Callable[[object, list[tuple[str, int]]], None]


@dataclass(eq=False)
class Chunk:
    """One transaction's rows, prepared: per table, COPY text (PostgreSQL) or rows (elsewhere)."""

    parts: list[tuple[str, tuple[str, ...], object]]
    pairs: list[tuple[str, int]]  # (the ticket's key in its source, its id): what `record` records
    written: Written
    people: dict[tuple[str, str], tuple[int, int]]  # customers new in this chunk
    tag_ids: dict[str, int]
    message_keys: set[tuple[int, str]]  # (account, external id) of its messages
    record: Record | None = None
    committed: bool = False


class HistoryWriter:
    """Writes chunks of PastTickets; keeps the customers it has seen between chunks.

    `write(tickets)` prepares and sends a chunk in one transaction. A pipeline (`pipeline()`) prepares
    each chunk on this thread while the one before is sent on another connection; chunks not yet
    committed are remembered (their customers, their messages' ids), so the next one neither
    makes a customer twice nor stores a message twice.
    """

    def __init__(self, *, now: datetime | None = None):
        self.now = now or timezone.now()
        self.rules = _ImportRules()
        self.postgres = connection.vendor == "postgresql"
        self.people: dict[tuple[str, str], tuple[int, int]] = {}  # (kind, id) -> (contact, identity)
        self.tag_ids: dict[str, int] = {}
        self._in_flight: list[Chunk] = []

    def write(self, tickets: Sequence[PastTicket], *, record: Record | None = None) -> Written:
        """Write the tickets in one transaction (with `record`'s rows); return what was written."""
        if not tickets:
            return Written()
        with transaction.atomic():
            chunk = self.prepare(tickets, record=record)
            self.send(chunk)
        # Only now: a chunk rolled back must not leave customers that were never written.
        self._remember(chunk)
        return chunk.written

    def can_pipeline(self) -> bool:
        """PostgreSQL, outside a transaction: a second connection sees what this one committed."""
        return self.postgres and not connection.in_atomic_block

    def pipeline(self) -> Pipeline:
        return Pipeline(self)

    def pending_keys(self) -> set[str]:
        """The source keys of the tickets in chunks prepared and not committed yet."""
        self._in_flight = [chunk for chunk in self._in_flight if not chunk.committed]
        return {key for chunk in self._in_flight for key, _ in chunk.pairs}

    # ---- preparing a chunk (reads only) ---------------------------------------------------------

    def prepare(self, tickets: Sequence[PastTicket], *, record: Record | None = None) -> Chunk:
        """The chunk's rows, with ids taken from the sequences; nothing written yet."""
        written = Written()
        self._in_flight = [chunk for chunk in self._in_flight if not chunk.committed]
        parts = []
        with connection.cursor() as cursor:
            tickets, message_keys = self._without_stored_messages(cursor, tickets, written)
            people = self._people(cursor, tickets, written, parts)
            tag_ids = self._tags(tickets)
            rows = CopyRows() if self.postgres else Rows()
            ids = self._take_ids(cursor, "tickets_ticket", len(tickets))
        known = {**self.people, **people}
        all_tags = {**self.tag_ids, **tag_ids}
        pairs = []
        copy_times_forget()  # a message's time is written on its row, its events' and its ticket's
        for ticket, ticket_id in zip(tickets, ids, strict=True):
            self._ticket(rows, ticket, ticket_id, known, all_tags)
            pairs.append((ticket.key, ticket_id))
        for table, columns, table_rows in (
            ("tickets_ticket", TICKET_COLUMNS, rows.tickets),
            ("tickets_message", MESSAGE_COLUMNS, rows.messages),
            ("tickets_ticketevent", EVENT_COLUMNS, rows.events),
            ("tickets_ticket_tags", TAG_COLUMNS, rows.tags),
        ):
            self._part(parts, table, columns, table_rows)
        written.tickets, written.messages, written.events = len(tickets), len(rows.messages), len(rows.events)
        return Chunk(parts, pairs, written, people, tag_ids, message_keys, record)

    def _part(self, parts, table, columns, rows):
        if not rows:
            return
        if self.postgres:
            lines = rows if type(rows[0]) is str else map(LINES.get(table, copy_line), rows)
            rows = "".join(lines)
        parts.append((table, columns, rows))

    def _remember(self, chunk):
        self.people.update(chunk.people)
        self.tag_ids.update(chunk.tag_ids)

    def _fly(self, chunk):
        """A chunk is being sent: the next ones take its customers as known and its messages as
        stored (if it fails, so does the pipeline, and nothing after it is written)."""
        self._remember(chunk)
        self._in_flight.append(chunk)

    def _without_stored_messages(self, cursor, tickets, written):
        """Leave out tickets with a message stored already (the same account and external id: mail
        the email channel read before, the same desk imported under another source name, a chunk
        still being sent, or a message twice in one export): that conversation is here."""
        wanted = [
            (ticket.account.pk, message.external_id)
            for ticket in tickets
            for message in ticket.messages
            if message.external_id
        ]
        if not wanted:
            return tickets, set()
        stored = {key for chunk in self._in_flight for key in chunk.message_keys}
        for start in range(0, len(wanted), 10_000):
            part = wanted[start : start + 10_000]
            if self.postgres:
                cursor.execute(
                    # LATERAL ... LIMIT 1: one probe of the unique index per key, whatever the
                    # statistics say. A join was planned as a hash join over every message (stale
                    # statistics during a large import): a full scan per chunk.
                    "SELECT k.account_id, k.external_id "
                    "FROM unnest(%s::bigint[], %s::text[]) AS k(account_id, external_id) "
                    "CROSS JOIN LATERAL (SELECT 1 FROM tickets_message m WHERE m.account_id = k.account_id "
                    "AND m.external_id = k.external_id LIMIT 1) AS found",
                    [
                        _array([account for account, _ in part]),
                        _array([external_id for _, external_id in part]),
                    ],
                )
                stored.update(cursor.fetchall())
            else:
                select = "SELECT account_id, external_id FROM tickets_message"
                stored.update(key for key, _ in self._sqlite_pairs(cursor, select, "account_id", part))
        keys = set(wanted)
        if len(keys) == len(wanted) and stored.isdisjoint(keys):
            return tickets, keys
        kept, keys = [], set()
        for ticket in tickets:
            own = [
                (ticket.account.pk, message.external_id) for message in ticket.messages if message.external_id
            ]
            if any(key in stored for key in own):
                written.already_stored += 1
                continue
            stored.update(own)
            keys.update(own)
            kept.append(ticket)
        return kept, keys

    # ---- customers and tags --------------------------------------------------------------------

    def _people(self, cursor, tickets, written, parts):
        """The chunk's new customers: their contact and identity rows go first in `parts`."""
        wanted = {}
        for ticket in tickets:
            person = ticket.customer
            key = (person.kind, person.external_id)
            if key not in self.people and key not in wanted:
                wanted[key] = person
        found = dict(self._known_identities(cursor, list(wanted))) if wanted else {}
        missing = [person for key, person in wanted.items() if key not in found]
        if missing:
            contact_ids = self._take_ids(cursor, "tickets_contact", len(missing))
            identity_ids = self._take_ids(cursor, "tickets_identity", len(missing))
            first_seen = {}
            for ticket in tickets:
                first_seen.setdefault((ticket.customer.kind, ticket.customer.external_id), ticket.created_at)
            contacts, identities = [], []
            for person, contact_id, identity_id in zip(missing, contact_ids, identity_ids, strict=True):
                created_at = first_seen[(person.kind, person.external_id)]
                name = _clip(person.name, NAME_LENGTH)
                contacts.append((contact_id, name, False, created_at))
                identities.append(
                    (identity_id, contact_id, person.kind, person.external_id, _clip(person.handle, 255),
                     _clip(person.name, 255), "", created_at)
                )  # fmt: skip
                found[(person.kind, person.external_id)] = (contact_id, identity_id)
            self._part(parts, "tickets_contact", CONTACT_COLUMNS, contacts)
            self._part(parts, "tickets_identity", IDENTITY_COLUMNS, identities)
            written.contacts = len(missing)
        return found

    def _known_identities(self, cursor, keys):
        for start in range(0, len(keys), 5000):
            part = keys[start : start + 5000]
            if self.postgres:
                cursor.execute(
                    "SELECT i.kind, i.external_id, i.contact_id, i.id "
                    "FROM unnest(%s::text[], %s::text[]) AS k(kind, external_id) "
                    "CROSS JOIN LATERAL (SELECT * FROM tickets_identity i WHERE i.kind = k.kind "
                    "AND i.external_id = k.external_id LIMIT 1) AS i",
                    [_array([kind for kind, _ in part]), _array([external_id for _, external_id in part])],
                )
            else:
                yield from self._sqlite_pairs(
                    cursor, "SELECT kind, external_id, contact_id, id FROM tickets_identity", "kind", part
                )
                continue
            for kind, external_id, contact_id, identity_id in cursor.fetchall():
                yield (kind, external_id), (contact_id, identity_id)

    @staticmethod
    def _sqlite_pairs(cursor, select, first, pairs):
        """SQLite: the rows whose (first, external_id) is among the pairs, a few hundred at a time."""
        for start in range(0, len(pairs), 400):
            part = pairs[start : start + 400]
            values = ", ".join(["(%s, %s)"] * len(part))
            cursor.execute(
                f"{select} WHERE ({first}, external_id) IN (VALUES {values})",
                [value for pair in part for value in pair],
            )
            for row in cursor.fetchall():
                yield (row[0], row[1]), row[2:]

    def _tags(self, tickets):
        """Tag ids by name; a tag new here is made at once (a tag nobody uses yet harms nobody)."""
        names = {name for ticket in tickets for name in ticket.tags if name not in self.tag_ids}
        if not names:
            return {}
        from ..models import Tag

        existing = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
        for name in sorted(names - existing.keys()):
            existing[name] = Tag.objects.get_or_create(name=name)[0].pk
        return existing

    # ---- one ticket -----------------------------------------------------------------------------

    def _ticket(self, rows, past, ticket_id, people, tag_ids):
        """The ticket's rows. Its timeline is what the services would have written: claimed and
        opened at the first reply, each reply and note, tagged, pending or resolved at the end. As in
        ingest, no entry says the ticket was created or that the customer wrote: its row and the
        messages' rows say that."""
        contact_id, identity_id = people[(past.customer.kind, past.customer.external_id)]
        account_id = past.account.pk
        messages = past.messages
        if any(
            later.sent_at < earlier.sent_at for earlier, later in zip(messages, messages[1:], strict=False)
        ):
            messages = sorted(messages, key=lambda message: message.sent_at)
        created_at = min(past.created_at, messages[0].sent_at) if messages else past.created_at
        ticket = _SlaView(past.account, past.status, past.priority, created_at)
        add_event, add_message = rows.event, rows.message
        replier = past.assignee_id
        last = created_at
        kind = past.kind
        for message in messages:
            moment = message.sent_at
            if moment > last:
                last = moment
            direction = message.direction
            if direction == "inbound":
                ticket.last_inbound_at = moment
                author_identity, author_user = identity_id, None
            elif direction == "outbound":
                author_identity, author_user = None, message.author_user_id or replier
                if ticket.first_response_at is None:
                    ticket.first_response_at = moment
                    add_event(ticket_id, "claimed", author_user, "{}", moment)
                    add_event(ticket_id, "status", author_user, '{"from": "new", "to": "open"}', moment)
                ticket.last_outbound_at = moment
                add_event(ticket_id, "replied", author_user, "{}", moment)
            else:
                author_identity, author_user = None, message.author_user_id or replier
                add_event(ticket_id, "note", author_user, "{}", moment)
            external_id = message.external_id
            if external_id and len(external_id) > EXTERNAL_ID_LENGTH:
                external_id = _clip(external_id, EXTERNAL_ID_LENGTH)
            add_message(
                ticket_id,
                account_id,
                external_id or None,
                _clip(message.in_reply_to, EXTERNAL_ID_LENGTH),
                direction,
                "note" if direction == "note" else kind,
                author_identity,
                author_user,
                _clip(message.subject, SUBJECT_LENGTH),
                message.text,
                message.html,
                json.dumps(message.raw) if message.raw else "{}",
                moment,
            )
        if past.tags:
            names = sorted(set(past.tags))
            add_event(ticket_id, "tagged", replier, json.dumps({"added": names}), created_at)
            rows.tags.extend((ticket_id, tag_ids[name]) for name in names)
        resolved_at = None
        if past.status in ("pending", "resolved"):
            moment = past.resolved_at or last
            if moment < last:
                moment = last
            before = "open" if ticket.first_response_at else "new"
            add_event(ticket_id, "status", replier, _STATUS_DATA[before, past.status], moment)
            resolved_at = moment if past.status == "resolved" else None
            last = moment
        ticket_sla_recompute(ticket, now=self.now, rules=self.rules)
        t = ticket
        rows.tickets.append(
            (
                ticket_id, account_id, contact_id, _clip(past.thread_key, 500),
                _clip(past.subject, SUBJECT_LENGTH), past.status, past.priority, past.assignee_id, False, "",
                created_at, last, t.last_inbound_at, t.last_outbound_at, t.first_response_at, resolved_at,
                t.first_response_due_at, t.next_response_due_at, t.resolution_due_at, t.sla_due_at,
                t.sla_state, t.sla_paused_at, _pauses(t.sla_pauses), t.sla_at_risk_at, t.sla_escalated,
                t.sla_escalated_for, t.sla_escalate_at,
            )
        )  # fmt: skip

    # ---- the database -----------------------------------------------------------------------------

    def _take_ids(self, cursor, table, count):
        if self.postgres:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return sorted(row[0] for row in cursor.fetchall())
        # SQLite: the transaction holds the write lock (IMMEDIATE), so nobody takes these meanwhile;
        # AUTOINCREMENT never gives an id again, so start past the highest ever given too.
        cursor.execute(
            f"SELECT MAX(COALESCE((SELECT MAX(id) FROM {table}), 0), "  # noqa: S608 - our table names
            f"COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{table}'), 0))"
        )
        top = cursor.fetchone()[0]
        return list(range(top + 1, top + 1 + count))

    def send(self, chunk: Chunk) -> None:
        """Write the chunk and its `record` rows in one transaction (this thread's connection)."""
        with transaction.atomic(), connection.cursor() as cursor:
            if self.postgres:
                # A crash of the server may lose the last commits, rows and ledger alike: the next
                # run imports those tickets again. Nobody waits on the disk meanwhile.
                cursor.execute("SET LOCAL synchronous_commit = off")
            for table, columns, rows in chunk.parts:
                self._send(cursor, table, columns, rows)
            if chunk.record is not None:
                chunk.record(cursor, chunk.pairs)
        chunk.committed = True

    def _send(self, cursor, table, columns, rows):
        if self.postgres:
            with connection.wrap_database_errors:
                cursor.cursor.copy_expert(
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN", io.StringIO(rows)
                )
            return
        placeholders = ", ".join(["%s"] * len(columns))
        adapt = connection.ops.adapt_datetimefield_value
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",  # noqa: S608
            [[adapt(value) if isinstance(value, datetime) else value for value in row] for row in rows],
        )


class Pipeline:
    """Prepare chunks here while a ChunkSender writes the ones before (PostgreSQL):
    `with writer.pipeline() as pipeline: pipeline.write(tickets, record=...)`; `written` counts
    the committed chunks."""

    def __init__(self, writer: HistoryWriter):
        self.writer = writer
        self._written = Written()
        self.sender = ChunkSender(self._send)
        self._collections = fewer_collections()
        self._collections.__enter__()

    def write(self, tickets: Sequence[PastTicket], *, record: Record | None = None) -> None:
        if not tickets:
            return
        chunk = self.writer.prepare(tickets, record=record)
        self.writer._fly(chunk)
        self.sender.submit(chunk)

    def _send(self, chunk):  # on the sender's thread
        self.writer.send(chunk)
        chunk.parts = []  # its text is in the database now: let it go
        self._written.add(chunk.written)

    @property
    def written(self) -> Written:
        """What the chunks committed so far wrote."""
        return copy.copy(self._written)

    def close(self) -> None:
        """Wait for the last chunk; raise SendFailed if one failed (it and those after are not in)."""
        try:
            self.sender.close()
        finally:
            self._collections.__exit__(None, None, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


@contextmanager
def fewer_collections():
    """Python's cycle collector, left as it is, runs every 700 new objects and now and then walks
    every object: an import makes millions (rows, messages), none of them in a cycle. Collect less
    often meanwhile, and never walk what was there before (the app's modules and caches)."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


class _ImportRules(SlaRules):
    """SlaRules answering each kind of ticket once: an import asks the same question for thousands of
    tickets (the policy depends on the account, priority, key account and safety, all fixed here)."""

    def __init__(self):
        super().__init__()
        self._policy_of, self._clock_of = {}, {}

    def policy_for(self, ticket):
        key = (ticket.account.pk, ticket.priority, ticket.is_key_account, ticket.safety)
        policy = self._policy_of.get(key)
        if policy is None:
            policy = self._policy_of[key] = super().policy_for(ticket)
        return policy

    def clock(self, name, ticket, policy=None):
        key = (name, ticket.account.pk, id(policy))
        clock = self._clock_of.get(key)
        if clock is None:
            clock = self._clock_of[key] = super().clock(name, ticket, policy)
        return clock


class _SlaView:
    """The ticket as ticket_sla_recompute reads and sets it (sla.states.SlaTicket), without a model
    instance: building one cost more than the recompute."""

    __slots__ = (
        "account", "status", "priority", "is_key_account", "safety", "created_at", "first_response_at",
        "last_inbound_at", "last_outbound_at", "first_response_due_at", "next_response_due_at",
        "resolution_due_at", "sla_due_at", "sla_at_risk_at", "sla_state", "sla_paused_at", "sla_pauses",
        "sla_escalated", "sla_escalated_for", "sla_escalate_at",
    )  # fmt: skip

    def __init__(self, account, status, priority, created_at):
        self.account, self.status, self.priority, self.created_at = account, status, priority, created_at
        self.is_key_account, self.safety = False, ""
        self.first_response_at = self.last_inbound_at = self.last_outbound_at = None
        self.first_response_due_at = self.next_response_due_at = self.resolution_due_at = None
        self.sla_due_at = self.sla_at_risk_at = self.sla_paused_at = None
        self.sla_escalated_for = self.sla_escalate_at = None
        self.sla_state, self.sla_pauses, self.sla_escalated = "ok", [], ""

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES


_STATUS_DATA = {
    (before, after): json.dumps({"from": before, "to": after})
    for before in ("new", "open")
    for after in ("pending", "resolved")
}


def _array(values):
    """A PostgreSQL array literal ('{"a","b"}'): sent as one string and read by array_in at once,
    where a Python list goes as ARRAY['a', 'b', ...], ten thousand expressions for the server to
    parse and plan (60 ms a query, a quarter of the server's work at 100k tickets)."""
    return "{" + ",".join(map(_array_item, values)) + "}"


def _array_item(value):
    if type(value) is not str:
        return str(value)
    if "\\" in value or '"' in value:
        value = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{value}"'


def _pauses(pauses):
    return json.dumps(pauses) if pauses else "[]"


def _clip(text, length):
    if text is None:
        return None
    return text if len(text) <= length else text[: length - 1] + "…"
