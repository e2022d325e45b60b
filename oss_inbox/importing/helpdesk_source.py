"""django-helpdesk's own tables, read from its database (`--helpdesk-database postgres://...` or
`sqlite:///path`): helpdesk_ticket, helpdesk_followup, helpdesk_queue and auth_user.

- A ticket's description is the customer's first message (from submitter_email, at `created`).
- A follow-up is the customer's when public and written by no user (mail read by helpdesk),
  our reply when public and written by a user, a note when not public. Follow-ups that only change
  the status (no comment) give the time the ticket was resolved.
- Status: Open and Reopened are open (new while nobody has answered), on hold is pending,
  Resolved, Closed and Duplicate are resolved. Priority 1 (critical) is urgent, 2 high, 3 normal,
  4 and 5 low. The queue becomes a tag (its slug). The assignee is the user with that email
  address or username here (made, without a login, if there is none).

Tickets and follow-ups are streamed in ticket order (server-side cursors on PostgreSQL), so a
million-ticket database is read in flat memory.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from oss_inbox.tickets.services.history_import import PastMessage, PastTicket, Person

from .runner import Context
from .values import first_line

STATUS = {1: "open", 2: "open", 3: "resolved", 4: "resolved", 5: "resolved"}
RESOLVING = {3, 4, 5}
PRIORITY = {1: 3, 2: 2, 3: 1, 4: 0, 5: 0}
UTC = ZoneInfo("UTC")
FETCH = 10_000

TICKETS = """
    SELECT t.id, t.title, t.created, t.modified, t.submitter_email, t.status, t.on_hold, t.description,
           t.priority, q.slug, u.username, u.email
    FROM helpdesk_ticket t
    JOIN helpdesk_queue q ON q.id = t.queue_id
    LEFT JOIN auth_user u ON u.id = t.assigned_to_id
    ORDER BY t.id
"""
FOLLOWUPS = """
    SELECT f.ticket_id, f.id, f.date, f.comment, f.public, f.new_status, f.message_id, u.username, u.email
    FROM helpdesk_followup f
    LEFT JOIN auth_user u ON u.id = f.user_id
    ORDER BY f.ticket_id, f.date, f.id
"""


class HelpdeskUnreadable(Exception):
    pass


class HelpdeskSource:
    def __init__(self, url: str, context: Context, *, source: str | None = None):
        self.url = url
        self.context = context
        parts = urlsplit(url)
        self.postgres = parts.scheme in ("postgres", "postgresql")
        if not self.postgres and parts.scheme != "sqlite":
            raise HelpdeskUnreadable(
                f"--helpdesk-database: {parts.scheme}:// is not supported (postgres or sqlite)"
            )
        self.source = source or f"helpdesk:{parts.path.lstrip('/')}@{parts.hostname or 'local'}"
        self.account = context.account("email")
        self._connection = self._connect()
        try:
            cursor = self._connection.cursor()
            cursor.execute("SELECT count(*) FROM helpdesk_ticket")
            self.total = cursor.fetchone()[0]
            cursor.close()
        except Exception as error:  # noqa: BLE001 - whatever the driver says, in plain words
            raise HelpdeskUnreadable(f"{url} has no django-helpdesk tables readable here ({error})") from None

    def _connect(self):
        try:
            if self.postgres:
                import psycopg2

                connection = psycopg2.connect(self.url)
                connection.set_session(readonly=True)
                return connection
            path = urlsplit(self.url).path
            return sqlite3.connect(f"file:{path[1:] if path.startswith('//') else path}?mode=ro", uri=True)
        except Exception as error:  # noqa: BLE001
            raise HelpdeskUnreadable(f"Cannot open {self.url}: {error}") from None

    def estimated_total(self) -> int:
        return self.total

    def _rows(self, query, name):
        if self.postgres:
            cursor = self._connection.cursor(name=name)
            cursor.itersize = FETCH
            cursor.execute(query)
            yield from cursor
            cursor.close()
        else:
            cursor = self._connection.cursor()
            cursor.execute(query)
            while rows := cursor.fetchmany(FETCH):
                yield from rows

    def __iter__(self) -> Iterator[PastTicket]:
        followups = self._rows(FOLLOWUPS, "oss_import_followups")
        pending = next(followups, None)
        try:
            for row in self._rows(TICKETS, "oss_import_tickets"):
                ticket_id = row[0]
                mine = []
                while pending is not None and pending[0] < ticket_id:
                    pending = next(followups, None)  # a follow-up of no ticket: skipped
                while pending is not None and pending[0] == ticket_id:
                    mine.append(pending)
                    pending = next(followups, None)
                ticket = self._ticket(row, mine)
                if ticket is not None:
                    yield ticket
        finally:
            self._connection.close()

    def _ticket(self, row, followups):
        (ticket_id, title, created, modified, submitter, status, on_hold, description, priority, slug,
         assignee_name, assignee_email) = row  # fmt: skip
        created = _aware(created)
        submitter = (submitter or "").strip().lower()
        if not submitter:
            self.context.report.problem(
                f"helpdesk_ticket {ticket_id}", "no submitter e-mail: filed under a placeholder address"
            )
            submitter = f"helpdesk-ticket-{ticket_id}@no-address.invalid"
        messages = [PastMessage("inbound", created, description or "")]
        resolved_at = None
        for _, followup_id, date, comment, public, new_status, message_id, user_name, user_email in followups:
            date = _aware(date)
            if new_status in RESOLVING:
                resolved_at = date
            elif new_status in (1, 2):
                resolved_at = None
            if not (comment or "").strip():
                continue
            if public and not user_name:
                direction, author = "inbound", None
            else:
                direction = "outbound" if public else "note"
                author = self.context.user(user_email or user_name)
            messages.append(
                PastMessage(
                    direction,
                    date,
                    comment,
                    external_id=(message_id or "").strip("<> ") or None,
                    author_user_id=author,
                    raw={"helpdesk_followup": followup_id},
                )
            )
        state = STATUS.get(status, "open")
        if state == "open" and on_hold:
            state = "pending"
        if state == "open" and not any(message.direction == "outbound" for message in messages):
            state = "new"
        if state == "resolved" and resolved_at is None:
            resolved_at = _aware(modified) if modified else messages[-1].sent_at
        return PastTicket(
            key=str(ticket_id),
            account=self.account,
            kind="email",
            thread_key=f"import:{self.source}:{ticket_id}",
            customer=Person("email", submitter, handle=submitter),
            created_at=created,
            messages=messages,
            status=state,
            subject=title or first_line(description or ""),
            priority=PRIORITY.get(priority, 1),
            assignee_id=self.context.user(assignee_email or assignee_name) if assignee_name else None,
            tags=[slug[:50]] if slug else [],
            resolved_at=resolved_at,
        )


def _aware(value):
    if isinstance(value, str):  # SQLite gives text
        from datetime import datetime

        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
