"""The CSV format: one row per message, a ticket's rows together (docs/import.md).

Help desks export that shape with least effort (Zendesk's and Freshdesk's ticket-with-comments
reports, Zammad's articles): the ticket's fields repeat on each of its rows. A bad row (no ticket
id, a time that cannot be read, an unknown direction) is reported with its file and line and left
out; the rest of its ticket and the import go on.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from datetime import tzinfo
from pathlib import Path

from oss_inbox.tickets.services.history_import import PastMessage, PastTicket, Person

from .runner import Context
from .values import (
    CHANNELS,
    DIRECTIONS,
    PRIORITIES,
    SAMPLE,
    STATUSES,
    BadValue,
    detect_encoding,
    first_line,
    parse_time,
    word,
)

# Column names as written in the file (lower-cased, spaces and dashes as underscores) -> ours.
ALIASES = {
    "ticket_id": "ticket_id",
    "ticket": "ticket_id",
    "ticket_number": "ticket_id",
    "message_time": "message_time",
    "sent_at": "message_time",
    "comment_created_at": "message_time",
    "article_created_at": "message_time",
    "body": "body",
    "text": "body",
    "comment": "body",
    "message": "body",
    "direction": "direction",
    "channel": "channel",
    "source": "channel",
    "customer": "customer",
    "requester": "customer",
    "requester_email": "customer",
    "customer_email": "customer",
    "customer_name": "customer_name",
    "requester_name": "customer_name",
    "subject": "subject",
    "status": "status",
    "priority": "priority",
    "assignee": "assignee",
    "agent": "agent",
    "author": "agent",
    "tags": "tags",
    "ticket_created_at": "ticket_created_at",
    "resolved_at": "resolved_at",
    "solved_at": "resolved_at",
    "closed_at": "resolved_at",
    "message_id": "message_id",
    "account": "account",
}
REQUIRED = ("ticket_id", "message_time", "body")


class _Counting(io.RawIOBase):
    """A binary file that counts the bytes read, for the progress estimate."""

    def __init__(self, raw):
        self.raw, self.count = raw, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        read = self.raw.readinto(buffer)
        self.count += read or 0
        return read


class CsvSource:
    def __init__(self, path: str | Path, context: Context, *, zone: tzinfo, encoding: str | None = None,
                 source: str | None = None):  # fmt: skip
        self.path = Path(path)
        self.context = context
        self.zone = zone
        self.size = os.path.getsize(self.path)
        with open(self.path, "rb") as sample:
            self.encoding = encoding or detect_encoding(sample.read(SAMPLE))
        self.source = source or f"csv:{self.path.name}"
        self.tickets_read = 0
        self._counter = None

    def estimated_total(self) -> int | None:
        """Tickets in the whole file, estimated from those read and the bytes they took."""
        if not self._counter or not self._counter.count or not self.tickets_read:
            return None
        share = min(1.0, self._counter.count / self.size) if self.size else 1.0
        return max(self.tickets_read, round(self.tickets_read / share))

    def __iter__(self) -> Iterator[PastTicket]:
        report = self.context.report
        name = self.path.name
        with open(self.path, "rb", buffering=0) as raw:
            self._counter = _Counting(raw)
            text = io.TextIOWrapper(
                io.BufferedReader(self._counter, 1 << 20),
                encoding=self.encoding,
                errors="replace",
                newline="",
            )
            reader = csv.reader(text)
            header = next(reader, None)
            if header is None:
                report.problem(f"{name}:1", "the file is empty")
                return
            columns = self._columns(header, name)
            if columns is None:
                return
            done: dict[str, int] = {}  # ticket id -> the line its rows ended at
            current, rows = None, []
            line = reader.line_num + 1
            row_of = self._row
            for values in reader:
                where_line, line = line, reader.line_num + 1
                row = row_of(values, columns, where_line, name)
                if row is None:
                    continue
                ticket_id = row.ticket_id
                if ticket_id != current:
                    if current is not None:
                        ticket = self._ticket(current, rows, columns, name)
                        done[current] = rows[-1].line
                        if ticket is not None:
                            self.tickets_read += 1
                            yield ticket
                    if ticket_id in done:
                        report.problem(
                            f"{name}:{where_line}",
                            f"ticket {ticket_id} has rows apart from its others (which end at line "
                            f"{done[ticket_id]}): sort the file by ticket id; this row is left out",
                        )
                        current, rows = None, []
                        continue
                    current, rows = ticket_id, []
                rows.append(row)
            if current is not None:
                ticket = self._ticket(current, rows, columns, name)
                if ticket is not None:
                    self.tickets_read += 1
                    yield ticket

    def _columns(self, header, name):
        columns, unknown = {}, []
        for index, title in enumerate(header):
            key = "_".join(title.strip().lower().replace("-", " ").split())
            ours = ALIASES.get(key)
            if ours and ours not in columns:
                columns[ours] = index
            else:
                unknown.append((title.strip(), index))
        missing = [column for column in REQUIRED if column not in columns]
        if missing:
            self.context.report.problem(
                f"{name}:1",
                f"the header has no {', '.join(missing)} column (see docs/import.md); nothing imported",
            )
            return None
        if unknown:
            shown = ", ".join(title or f"column {index + 1}" for title, index in unknown)
            self.context.report.notes.append(
                f"{name}: columns not in the format, kept with each message's raw data: {shown}"
            )
        columns["_unknown"] = unknown
        return columns

    def _row(self, values, columns, line, name):
        """The row's message fields read and checked (a _Row), or None: reported, left out."""
        count = len(values)
        ticket_index, time_index = columns["ticket_id"], columns["message_time"]
        ticket_id = values[ticket_index].strip() if ticket_index < count else ""
        if not ticket_id:
            if any(value.strip() for value in values):
                self.context.report.problem(f"{name}:{line}", "no ticket id; the row is left out")
            return None
        column = "message_time"
        try:
            moment = parse_time(values[time_index] if time_index < count else "", self.zone)
            column = "direction"
            direction = _cell(values, columns.get("direction"))
            if direction:
                direction = DIRECTIONS.get(direction) or word(DIRECTIONS, direction, "direction")
            else:
                direction = "outbound" if _cell(values, columns.get("agent")) else "inbound"
        except BadValue as error:
            self.context.report.problem(f"{name}:{line}", f"{column}: {error}; the row is left out")
            return None
        return _Row(values, line, ticket_id, moment, direction)

    def _ticket(self, ticket_id, rows, columns, name):
        report = self.context.report
        first = rows[0]

        def value(column, last=False):
            """The column's first (or last) value given on the ticket's rows, or ""."""
            index = columns.get(column)
            if index is None:
                return ""
            for row in reversed(rows) if last else rows:
                text = row.values[index].strip() if index < len(row.values) else ""
                if text:
                    return text
            return ""

        def checked(column, parse, last=True):
            text = value(column, last)
            if not text:
                return None
            try:
                return parse(text)
            except BadValue as error:
                index = columns[column]
                line = next(
                    row.line for row in rows if index < len(row.values) and row.values[index].strip() == text
                )
                report.problem(f"{name}:{line}", f"{column}: {error}; left empty")
                return None

        account_kind, kind = checked("channel", lambda text: word(CHANNELS, text, "channel"), last=False) or (
            "email",
            "email",
        )
        customer = value("customer")
        if not customer:
            report.problem(
                f"{name}:{first.line}", f"ticket {ticket_id} has no customer column value; left out"
            )
            return None
        if account_kind == "email":
            customer = customer.lower()
        person = Person(kind=account_kind, external_id=customer[:255], name=value("customer_name"),
                        handle=customer[:255])  # fmt: skip
        status = checked("status", lambda text: word(STATUSES, text, "status")) or "resolved"
        priority = checked("priority", lambda text: word(PRIORITIES, text, "priority"))
        created_at = checked("ticket_created_at", lambda text: parse_time(text, self.zone), last=False)
        resolved_at = checked("resolved_at", lambda text: parse_time(text, self.zone))
        tags_text = value("tags", last=True)
        tags = [tag[:50] for tag in tags_text.replace(",", " ").split()] if tags_text else []
        body, message_id = columns["body"], columns.get("message_id")
        subject_index, agent_index = columns.get("subject"), columns.get("agent")
        unknown = columns["_unknown"]
        user = self.context.user
        messages = []
        for row in rows:
            values, count = row.values, len(row.values)
            direction = row.direction
            extra = {title: values[index] for title, index in unknown if index < count and values[index]}
            text = values[body] if body < count else ""
            messages.append(
                PastMessage(
                    direction=direction,
                    sent_at=row.moment,
                    text=text.replace("\r\n", "\n") if "\r" in text else text,
                    external_id=_cell(values, message_id).strip("<>") or None,
                    subject=_cell(values, subject_index) if kind == "email" else "",
                    author_user_id=None if direction == "inbound" else user(_cell(values, agent_index)),
                    raw={"columns": extra} if extra else None,
                )
            )
        if any(
            later.sent_at < earlier.sent_at for earlier, later in zip(messages, messages[1:], strict=False)
        ):
            messages.sort(key=lambda message: message.sent_at)
        subject = value("subject") or first_line(messages[0].text)
        first_id = messages[0].external_id
        thread_key = (
            f"email:{first_id}" if kind == "email" and first_id else f"import:{self.source}:{ticket_id}"
        )
        return PastTicket(
            key=ticket_id,
            account=self.context.account(account_kind, value("account")),
            kind=kind,
            thread_key=thread_key,
            customer=person,
            created_at=min(created_at or messages[0].sent_at, messages[0].sent_at),
            messages=messages,
            status=status,
            subject=subject,
            priority=1 if priority is None else priority,
            assignee_id=user(value("assignee", last=True)),
            tags=tags,
            resolved_at=resolved_at,
        )


def _cell(values, index):
    return values[index].strip() if index is not None and index < len(values) else ""


class _Row:
    """A message's row: its values as read, where it starts, and what was read from it."""

    __slots__ = ("values", "line", "ticket_id", "moment", "direction")

    def __init__(self, values, line, ticket_id, moment, direction):
        self.values, self.line, self.ticket_id, self.moment, self.direction = (
            values, line, ticket_id, moment, direction,
        )  # fmt: skip
