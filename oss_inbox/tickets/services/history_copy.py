"""The history import's rows and their COPY text, and the thread that sends them while the next
chunk is built.

COPY text is built here directly from Python values, knowing each column's type: a tenth of what
adapting each value through the driver costs. `ChunkSender` runs each prepared chunk's COPYs and its
commit on a connection of its own: on PostgreSQL the client's half of the work (reading the source,
building the rows and their text) then overlaps the server's half (the rows, their indexes, the
foreign-key checks at commit), on two cores instead of one after the other. Chunks are still sent
and committed one at a time, in order, each in one transaction; the first that fails stops the
rest (they are never sent), so what is committed is a prefix of the chunks, each whole.
"""

from __future__ import annotations

import queue
import threading
from datetime import datetime

from django.db import connection
from django.utils import timezone

from oss_inbox.backend_cpu import backend_cpu

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})
_NUL = "\x00"  # PostgreSQL text cannot hold it


def copy_value(value):
    if value is None:
        return "\\N"
    kind = type(value)
    if kind is str:
        return copy_text(value)
    if kind is bool:
        return "t" if value else "f"
    if kind is int:
        return str(value)
    if kind is datetime:
        return copy_time(value)
    return str(value)


def copy_line(row):
    return "\t".join(map(copy_value, row)) + "\n"


def copy_text(value):
    # Most text needs no escaping: two C-speed checks instead of a translate.
    if value.isprintable() and "\\" not in value:
        return value
    if _NUL in value:
        value = value.replace(_NUL, "")
    return value.translate(_COPY_ESCAPES)


_TIMES: dict[datetime, str] = {}  # a message's time is written on its row, its ticket's and its events


def copy_time(value):
    if value is None:
        return "\\N"
    text = _TIMES.get(value)
    if text is None:
        text = _TIMES[value] = value.isoformat() if value.tzinfo else timezone.make_aware(value).isoformat()
    return text


def copy_times_forget():
    """Drop the times remembered (one chunk's are enough)."""
    _TIMES.clear()


def copy_number(value):
    return "\\N" if value is None else str(value)


# Server CPU seconds used by the import's other connections (the senders', the index builder's) in
# this process, for benchmarks to report beside the main connection's; stays 0 when the server's
# processes cannot be read (another machine).
OTHER_CONNECTIONS_SERVER_CPU = [0.0]


def count_and_close(started: float | None) -> None:
    """Close this thread's connection, adding the CPU its server process used since `started`."""
    try:
        if started is not None:
            OTHER_CONNECTIONS_SERVER_CPU[0] += (backend_cpu() or started) - started
    finally:
        connection.close()


class Rows:
    """A chunk's rows as tuples in history_import's *_COLUMNS order (SQLite's executemany)."""

    __slots__ = ("tickets", "messages", "events", "tags")

    def __init__(self):
        self.tickets, self.messages, self.events, self.tags = [], [], [], []

    def event(self, ticket_id, kind, actor, data, moment):
        self.events.append((ticket_id, kind, actor, data, moment))

    def message(self, ticket_id, account_id, external_id, in_reply_to, direction, kind, identity_id, user_id,
                subject, text, html, raw, moment):  # fmt: skip
        outbound = direction == "outbound"
        self.messages.append(
            (ticket_id, account_id, external_id, in_reply_to, direction, kind, False, identity_id,
             user_id, subject, text, html, "", "{}", raw, moment, moment, "sent" if outbound else "",
             int(outbound), "")
        )  # fmt: skip


_NULL = "\\N"


class CopyRows(Rows):
    """The same, messages and events as COPY lines at once (PostgreSQL): a tuple each and unpacking
    it again cost a fifth of preparing a chunk."""

    __slots__ = ()

    def event(self, ticket_id, kind, actor, data, moment):
        self.events.append(
            f"{ticket_id}\t{kind}\t{_NULL if actor is None else actor}\t{data}\t{copy_time(moment)}\n"
        )

    def message(self, ticket_id, account_id, external_id, in_reply_to, direction, kind, identity_id, user_id,
                subject, text, html, raw, moment):  # fmt: skip
        moment = copy_time(moment)
        delivery = "sent\t1" if direction == "outbound" else "\t0"
        self.messages.append(
            f"{ticket_id}\t{account_id}\t{_NULL if external_id is None else copy_text(external_id)}\t"
            f"{copy_text(in_reply_to) if in_reply_to else ''}\t{direction}\t{kind}\tf\t"
            f"{_NULL if identity_id is None else identity_id}\t{_NULL if user_id is None else user_id}\t"
            f"{copy_text(subject) if subject else ''}\t{copy_text(text)}\t"
            f"{copy_text(html) if html else ''}\t\t{{}}\t{copy_text(raw)}\t{moment}\t{moment}\t{delivery}\t\n"
        )


# A ticket's row, formatted knowing each column's type (history_import.TICKET_COLUMNS).
def copy_ticket_line(row):
    (ticket_id, account_id, contact_id, thread_key, subject, status, priority, assignee_id, _key_account,
     _safety, created_at, updated_at, *times, sla_state, paused_at, pauses, at_risk_at, escalated,
     escalated_for, escalate_at) = row  # fmt: skip
    return (
        f"{ticket_id}\t{account_id}\t{contact_id}\t{copy_text(thread_key)}\t{copy_text(subject)}\t{status}\t"
        f"{priority}\t{copy_number(assignee_id)}\tf\t\t{copy_time(created_at)}\t{copy_time(updated_at)}\t"
        + "\t".join([copy_time(value) for value in times])
        + f"\t{sla_state}\t{copy_time(paused_at)}\t{pauses}\t{copy_time(at_risk_at)}\t{escalated}\t"
        f"{copy_time(escalated_for)}\t{copy_time(escalate_at)}\n"
    )


LINES = {"tickets_ticket": copy_ticket_line}  # the other tables' rows are lines already, or copy_line


class SendFailed(RuntimeError):
    """A chunk could not be written; it and every chunk after it were left out (rolled back)."""


class ChunkSender:
    """Sends chunks on its own thread and database connection, in order, one transaction each.

    `submit(chunk)` waits while `depth` chunks are already waiting; `close()` waits for the last one
    and closes the thread's connection. After a failure the chunks still queued are dropped and
    the next `submit` or `close` raises SendFailed (from the error).
    """

    def __init__(self, send, *, depth: int = 1):
        self._send = send
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="history-import-sender", daemon=True)
        self._thread.start()

    def submit(self, chunk) -> None:
        self._raise_if_failed()
        self._queue.put(chunk)

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        self._raise_if_failed()

    def _raise_if_failed(self):
        if self.error is not None:
            raise SendFailed(f"a chunk of the import could not be written: {self.error}") from self.error

    def _run(self):
        started = backend_cpu() if connection.vendor == "postgresql" else None
        try:
            while (chunk := self._queue.get()) is not None:
                if self.error is not None:
                    continue  # a chunk before it failed: it is never sent
                try:
                    self._send(chunk)
                except BaseException as error:  # noqa: BLE001 - handed to the submitting thread
                    self.error = error
        finally:
            count_and_close(started)
