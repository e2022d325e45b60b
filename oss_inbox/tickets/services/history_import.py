"""Writing a past help desk's history as OSS Inbox history: `HistoryWriter().write(tickets)`.

The readers (oss_inbox.importing: CSV, mbox, django-helpdesk) and bench/generate.py hand over
`PastTicket`s: the customer, the messages in order, the status, assignee and tags. This writes each
chunk in one transaction, as if the tickets had been handled here:

1. Contacts and identities: a customer already known on that channel (the identity's kind and
   external id) keeps their contact; a new one gets a contact and an identity.
2. Tickets with their messages and a timeline derived from them (created, customer wrote, claimed
   and opened at the first reply, replied, note, tagged, pending or resolved at the end), and the
   SLA fields the services would have left: `ticket_sla_recompute` at `now`, so a resolved ticket's
   first-response and resolution due times are there for the dashboards and an open one's due
   times run as ingest's do.
3. Whatever the caller records in the same transaction (`record(cursor, [(key, ticket id)])`, the
   importer's ledger of imported tickets), so that a chunk is either all there or not at all.

On PostgreSQL rows go as COPY text built here directly (no model instances but the one the SLA
recompute reads), with the ids of contacts, identities and tickets taken from their sequences in
one query per chunk; messages, events and tags take theirs from the table's default. Elsewhere
(SQLite, `make run`) the same rows go through executemany.

`indexes_drop()` / `indexes_rebuild()` drop and rebuild the secondary indexes and the open-ticket
search triggers (tickets migrations 0007/0008) around a large import into a quiet database.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from channels.models import ChannelAccount
from oss_inbox.sla.policies import SlaRules
from oss_inbox.sla.services import ticket_sla_recompute
from oss_inbox.sla.states import OPEN_STATUSES

from ..models import Ticket
from .rows import rows_new

SUBJECT_LENGTH = 500
NAME_LENGTH = 200
EXTERNAL_ID_LENGTH = 500
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})
_NUL = "\x00"  # PostgreSQL text cannot hold it


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


class HistoryWriter:
    """Writes chunks of PastTickets; keeps the customers it has seen between chunks."""

    def __init__(self, *, now: datetime | None = None):
        self.now = now or timezone.now()
        self.rules = SlaRules()
        self.postgres = connection.vendor == "postgresql"
        self.people: dict[tuple[str, str], tuple[int, int]] = {}  # (kind, id) -> (contact, identity)
        self.tag_ids: dict[str, int] = {}

    def write(self, tickets: Sequence[PastTicket], *, record: Record | None = None) -> Written:
        """Write the tickets in one transaction (with `record`'s rows); return what was written."""
        written = Written()
        if not tickets:
            return written
        with transaction.atomic():
            with connection.cursor() as cursor:
                tickets = self._without_stored_messages(cursor, tickets, written)
                new_people = self._people(cursor, tickets, written)
                tag_ids = self._tags(cursor, tickets)
                rows = _Rows()
                ids = self._take_ids(cursor, "tickets_ticket", len(tickets))
                pairs = []
                for ticket, ticket_id in zip(tickets, ids, strict=True):
                    self._ticket(rows, ticket, ticket_id, tag_ids)
                    pairs.append((ticket.key, ticket_id))
                self._send(cursor, "tickets_ticket", TICKET_COLUMNS, rows.tickets)
                self._send(cursor, "tickets_message", MESSAGE_COLUMNS, rows.messages)
                self._send(cursor, "tickets_ticketevent", EVENT_COLUMNS, rows.events)
                self._send(cursor, "tickets_ticket_tags", TAG_COLUMNS, rows.tags)
                if record is not None:
                    record(cursor, pairs)
        # Only now: a chunk rolled back must not leave customers that were never written.
        self.people.update(new_people)
        self.tag_ids.update(tag_ids)
        written.tickets, written.messages, written.events = len(tickets), len(rows.messages), len(rows.events)
        return written

    def _without_stored_messages(self, cursor, tickets, written):
        """Leave out tickets with a message stored already (the same account and external id: mail
        the email channel read before, the same desk imported under another source name, or a
        message twice in one export): that conversation is here."""
        wanted = [
            (ticket.account.pk, message.external_id)
            for ticket in tickets
            for message in ticket.messages
            if message.external_id
        ]
        if not wanted:
            return tickets
        stored = set()
        for start in range(0, len(wanted), 10_000):
            part = wanted[start : start + 10_000]
            if self.postgres:
                cursor.execute(
                    "SELECT m.account_id, m.external_id FROM tickets_message m "
                    "JOIN unnest(%s::bigint[], %s::text[]) AS k(account_id, external_id) "
                    "ON m.account_id = k.account_id AND m.external_id = k.external_id",
                    [[account for account, _ in part], [external_id for _, external_id in part]],
                )
                stored.update(cursor.fetchall())
            else:
                select = "SELECT account_id, external_id FROM tickets_message"
                stored.update(key for key, _ in self._sqlite_pairs(cursor, select, "account_id", part))
        if not stored and len(set(wanted)) == len(wanted):
            return tickets
        kept = []
        for ticket in tickets:
            keys = [
                (ticket.account.pk, message.external_id) for message in ticket.messages if message.external_id
            ]
            if any(key in stored for key in keys):
                written.already_stored += 1
                continue
            stored.update(keys)
            kept.append(ticket)
        return kept

    # ---- customers and tags --------------------------------------------------------------------

    def _people(self, cursor, tickets, written):
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
            self._send(cursor, "tickets_contact", CONTACT_COLUMNS, contacts)
            self._send(cursor, "tickets_identity", IDENTITY_COLUMNS, identities)
            written.contacts = len(missing)
        self._chunk_people = found
        return found

    def _known_identities(self, cursor, keys):
        for start in range(0, len(keys), 5000):
            part = keys[start : start + 5000]
            if self.postgres:
                cursor.execute(
                    "SELECT i.kind, i.external_id, i.contact_id, i.id FROM tickets_identity i "
                    "JOIN unnest(%s::text[], %s::text[]) AS k(kind, external_id) "
                    "ON i.kind = k.kind AND i.external_id = k.external_id",
                    [[kind for kind, _ in part], [external_id for _, external_id in part]],
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

    def _person(self, person):
        key = (person.kind, person.external_id)
        return self.people.get(key) or self._chunk_people[key]

    def _tags(self, cursor, tickets):
        names = {name for ticket in tickets for name in ticket.tags if name not in self.tag_ids}
        if not names:
            return dict(self.tag_ids)
        from ..models import Tag

        existing = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
        for name in sorted(names - existing.keys()):
            existing[name] = Tag.objects.get_or_create(name=name)[0].pk
        return {**self.tag_ids, **existing}

    # ---- one ticket -----------------------------------------------------------------------------

    def _ticket(self, rows, past, ticket_id, tag_ids):
        contact_id, identity_id = self._person(past.customer)
        account_id = past.account.pk
        messages = sorted(past.messages, key=lambda message: message.sent_at)
        created_at = min(past.created_at, messages[0].sent_at) if messages else past.created_at
        ticket = rows_new(
            Ticket,
            account=past.account,
            contact_id=contact_id,
            thread_key=_clip(past.thread_key, 500),
            subject=_clip(past.subject, SUBJECT_LENGTH),
            status=past.status,
            priority=past.priority,
            assignee_id=past.assignee_id,
            created_at=created_at,
        )
        events = rows.events
        add_event = events.append
        add_event((ticket_id, "created", None, "{}", created_at))
        replier = past.assignee_id
        last = created_at
        for message in messages:
            moment = message.sent_at
            last = max(last, moment)
            direction = message.direction
            author_user = message.author_user_id
            if direction == "inbound":
                ticket.last_inbound_at = moment
                add_event((ticket_id, "message_in", None, "{}", moment))
            elif direction == "outbound":
                author_user = author_user or replier
                if ticket.first_response_at is None:
                    ticket.first_response_at = moment
                    add_event((ticket_id, "claimed", author_user, "{}", moment))
                    add_event((ticket_id, "status", author_user, '{"from": "new", "to": "open"}', moment))
                ticket.last_outbound_at = moment
                add_event((ticket_id, "replied", author_user, "{}", moment))
            else:
                author_user = author_user or replier
                add_event((ticket_id, "note", author_user, "{}", moment))
            rows.messages.append(
                (
                    ticket_id, account_id,
                    _clip(message.external_id, EXTERNAL_ID_LENGTH) if message.external_id else None,
                    _clip(message.in_reply_to, EXTERNAL_ID_LENGTH),
                    direction, "note" if direction == "note" else past.kind, False,
                    identity_id if direction == "inbound" else None,
                    None if direction == "inbound" else author_user,
                    _clip(message.subject, SUBJECT_LENGTH), message.text, message.html, "", "{}",
                    json.dumps(message.raw) if message.raw else "{}",
                    moment, moment, "sent" if direction == "outbound" else "",
                    1 if direction == "outbound" else 0, "",
                )
            )  # fmt: skip
        if past.tags:
            names = sorted(set(past.tags))
            add_event((ticket_id, "tagged", replier, json.dumps({"added": names}), created_at))
            rows.tags.extend((ticket_id, tag_ids[name]) for name in names)
        if past.status in ("pending", "resolved"):
            moment = past.resolved_at or last
            if moment < last:
                moment = last
            before = "open" if ticket.first_response_at else "new"
            data = json.dumps({"from": before, "to": past.status})
            add_event((ticket_id, "status", replier, data, moment))
            ticket.resolved_at = moment if past.status == "resolved" else None
            last = moment
        ticket.updated_at = last
        ticket_sla_recompute(ticket, now=self.now, rules=self.rules)
        t = ticket
        rows.tickets.append(
            (
                ticket_id, account_id, contact_id, t.thread_key, t.subject, t.status, t.priority,
                t.assignee_id, False, "", created_at, last, t.last_inbound_at, t.last_outbound_at,
                t.first_response_at, t.resolved_at, t.first_response_due_at, t.next_response_due_at,
                t.resolution_due_at, t.sla_due_at, t.sla_state, t.sla_paused_at, _pauses(t.sla_pauses),
                t.sla_at_risk_at, t.sla_escalated, t.sla_escalated_for, t.sla_escalate_at,
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

    def _send(self, cursor, table, columns, rows):
        if not rows:
            return
        if self.postgres:
            buffer = io.StringIO()
            buffer.writelines(map(_LINES.get(table, _copy_line), rows))
            buffer.seek(0)
            with connection.wrap_database_errors:
                cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
            return
        placeholders = ", ".join(["%s"] * len(columns))
        adapt = connection.ops.adapt_datetimefield_value
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",  # noqa: S608
            [[adapt(value) if isinstance(value, datetime) else value for value in row] for row in rows],
        )


class _Rows:
    __slots__ = ("tickets", "messages", "events", "tags")

    def __init__(self):
        self.tickets, self.messages, self.events, self.tags = [], [], [], []


def _copy_value(value):
    if value is None:
        return "\\N"
    kind = type(value)
    if kind is str:
        return _text(value)
    if kind is bool:
        return "t" if value else "f"
    if kind is int:
        return str(value)
    if kind is datetime:
        return _time(value)
    return str(value)


def _copy_line(row):
    return "\t".join(map(_copy_value, row)) + "\n"


def _text(value):
    # Most text needs no escaping: two C-speed checks instead of a translate.
    if value.isprintable() and "\\" not in value:
        return value
    if _NUL in value:
        value = value.replace(_NUL, "")
    return value.translate(_COPY_ESCAPES)


def _time(value):
    if value is None:
        return "\\N"
    return value.isoformat() if value.tzinfo else timezone.make_aware(value).isoformat()


def _number(value):
    return "\\N" if value is None else str(value)


# The rows of the three big tables, formatted knowing each column's type (see *_COLUMNS).
def _event_line(row):
    ticket_id, kind, actor, data, created_at = row
    return f"{ticket_id}\t{kind}\t{_number(actor)}\t{_text(data)}\t{_time(created_at)}\n"


def _message_line(row):
    ticket_id, account_id, external_id, in_reply_to, direction, kind = row[:6]
    identity_id, user_id, subject, text, html = row[7:12]
    raw, sent_at, delivery_state, attempts = row[14], row[15], row[17], row[18]
    moment = _time(sent_at)
    external = "\\N" if external_id is None else _text(external_id)
    return (
        f"{ticket_id}\t{account_id}\t{external}\t{_text(in_reply_to)}\t{direction}\t{kind}\tf\t"
        f"{_number(identity_id)}\t{_number(user_id)}\t{_text(subject)}\t{_text(text)}\t{_text(html)}\t\t{{}}\t{_text(raw)}\t"
        f"{moment}\t{moment}\t{delivery_state}\t{attempts}\t\n"
    )


def _ticket_line(row):
    (ticket_id, account_id, contact_id, thread_key, subject, status, priority, assignee_id, _key_account,
     _safety, created_at, updated_at, *times, sla_state, paused_at, pauses, at_risk_at, escalated,
     escalated_for, escalate_at) = row  # fmt: skip
    return (
        f"{ticket_id}\t{account_id}\t{contact_id}\t{_text(thread_key)}\t{_text(subject)}\t{status}\t{priority}\t"
        f"{_number(assignee_id)}\tf\t\t{_time(created_at)}\t{_time(updated_at)}\t"
        + "\t".join([_time(value) for value in times])
        + f"\t{sla_state}\t{_time(paused_at)}\t{pauses}\t{_time(at_risk_at)}\t{escalated}\t"
        f"{_time(escalated_for)}\t{_time(escalate_at)}\n"
    )


_LINES = {
    "tickets_ticketevent": _event_line,
    "tickets_message": _message_line,
    "tickets_ticket": _ticket_line,
}


def _pauses(pauses):
    return json.dumps(pauses) if pauses else "[]"


def _clip(text, length):
    if text is None:
        return None
    return text if len(text) <= length else text[: length - 1] + "…"


# ---- secondary indexes and search triggers, around a large import ----------------------------

# Kept: primary keys and unique constraints (they keep every row once), and whatever a reader of
# the import (the ledger, the identity look-up) searches by.
_REBUILT_TABLES = ("tickets_ticket", "tickets_message", "tickets_ticketevent", "tickets_contact")
_SEARCH_TRIGGERS = (("tickets_search_messages", "tickets_message"),)


def indexes_drop() -> list[str]:
    """Drop the secondary indexes of the history tables and pause the open-ticket search trigger;
    return the statements that put them back (for `indexes_rebuild`). PostgreSQL only."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "JOIN pg_class c ON c.relname = i.indexname JOIN pg_index x ON x.indexrelid = c.oid "
            "WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s) "
            "AND NOT x.indisunique AND NOT x.indisprimary",
            [list(_REBUILT_TABLES)],
        )
        found = cursor.fetchall()
        restore = [definition for _, definition in found]
        with transaction.atomic():
            for name, _ in found:
                cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
            for trigger, table in _SEARCH_TRIGGERS:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
                restore.append(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
    return restore


def indexes_rebuild(statements: Iterable[str]) -> None:
    """Put back what indexes_drop took away, refill the open tickets' search rows, ANALYZE."""
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for statement in statements:
            cursor.execute(statement.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
        history_search_refill(cursor)
        cursor.execute("ANALYZE " + ", ".join((*_REBUILT_TABLES, "tickets_identity", "tickets_ticket_tags")))


def history_search_refill(cursor) -> None:
    """The open tickets' search rows (migration 0007's fill), for tickets written while the trigger
    was paused."""
    statuses = ", ".join(f"'{status}'" for status in OPEN_STATUSES)
    cursor.execute(
        "INSERT INTO tickets_ticketsearch (ticket_id, document) "
        f"SELECT id, tickets_search_document(id) FROM tickets_ticket WHERE status IN ({statuses}) "
        "ON CONFLICT (ticket_id) DO UPDATE SET document = EXCLUDED.document"
    )
