"""Feeding a source's tickets to the writer in chunks: `run(source, ...)`.

1. Each chunk's keys are looked up in the ledger (ImportedTicket): tickets of this source that are
   in already are skipped, so a rerun after a crash (or of a grown export) adds each ticket once.
2. The rest are written in one transaction with their ledger rows (HistoryWriter.write); on
   PostgreSQL the next chunk is read and prepared meanwhile (HistoryWriter.pipeline).
3. The progress line (progress.py) follows each chunk; problems the reader found are kept on the
   Report with file and line, and the import goes on.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.contrib.auth import get_user_model
from django.db import connection

from channels.models import ChannelAccount
from oss_inbox.tickets.services.history_import import HistoryWriter, PastTicket, Written

from .models import ImportedTicket
from .progress import Progress

CHUNK = 5000
PROBLEMS_KEPT = 10_000


@dataclass
class Report:
    written: Written = field(default_factory=Written)
    skipped: int = 0  # in already (the ledger)
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    notes: list[str] = field(default_factory=list)
    users_created: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def problem(self, where: str, reason: str) -> None:
        self.problem_count += 1
        if len(self.problems) < PROBLEMS_KEPT:
            self.problems.append(f"{where}: {reason}")


class Context:
    """What readers ask of this installation: a channel account, a user, and where to report."""

    def __init__(self, report: Report, *, account_name: str | None = None, create_users: bool = True):
        self.report = report
        self.account_name = account_name
        self.create_users = create_users
        self._accounts: dict[tuple[str, str], ChannelAccount] = {}
        self._users: dict[str, int | None] = {}

    def account(self, kind: str, name: str = "") -> ChannelAccount:
        """The account named (in the source, else --account), else the first of that channel,
        else a new disabled "Imported <channel>" account (nobody polls it)."""
        name = name or self.account_name or ""
        key = (kind, name)
        if key not in self._accounts:
            found = None
            if name:
                found = ChannelAccount.objects.filter(name=name).first()
            found = found or ChannelAccount.objects.filter(kind=kind).order_by("pk").first()
            if found is None:
                found, _ = ChannelAccount.objects.get_or_create(
                    name=f"Imported {kind}", defaults={"kind": kind, "enabled": False}
                )
                self.report.notes.append(f"Made the channel account '{found.name}' (disabled) for {kind}.")
            self._accounts[key] = found
        return self._accounts[key]

    def user(self, who: str) -> int | None:
        """The id of the user with this username or email address; one who is not here yet is made
        inactive, without a password or a role (their name stays on the history)."""
        who = (who or "").strip()
        if not who:
            return None
        if who not in self._users:
            users = get_user_model().objects
            found = users.filter(username__iexact=who).first() or users.filter(email__iexact=who).first()
            if found is None and self.create_users:
                username = who.split("@")[0][:150] if "@" in who else who[:150]
                if users.filter(username__iexact=username).exists():
                    username = who[:150]
                found = users.create(
                    username=username, email=who if "@" in who else "", is_active=False, password="!"
                )
                self.report.users_created.append(username)
            self._users[who] = found.pk if found else None
        return self._users[who]


def run(
    tickets: Iterable[PastTicket],
    *,
    source: str,
    report: Report,
    total: int | None = None,
    progress: Progress | None = None,
    chunk_size: int = CHUNK,
    writer: HistoryWriter | None = None,
) -> Report:
    """Write the source's tickets, chunk by chunk. On PostgreSQL each chunk is prepared while the one
    before is written on a second connection (HistoryWriter.pipeline): a chunk in flight is not in
    the ledger yet, so its keys count as imported too."""
    writer = writer or HistoryWriter()
    started = time.monotonic()
    done = 0
    record = _ledger(source)
    pipeline = writer.pipeline() if writer.can_pipeline() else None
    try:
        for chunk in _chunks(iter(tickets), chunk_size):
            known = imported_keys(source, [ticket.key for ticket in chunk])
            if pipeline is not None:
                known |= writer.pending_keys()
            fresh, seen = [], set()
            for ticket in chunk:
                if ticket.key in known or ticket.key in seen:
                    report.skipped += 1
                else:
                    seen.add(ticket.key)
                    fresh.append(ticket)
            if pipeline is not None:
                pipeline.write(fresh, record=record)
            else:
                report.written.add(writer.write(fresh, record=record))
            done += len(chunk)
            if progress:
                progress.update(done, total() if callable(total) else total)
    finally:
        if pipeline is not None:
            try:
                pipeline.close()
            finally:
                report.written.add(pipeline.written)
    report.seconds = time.monotonic() - started
    if progress:
        progress.finish(done)
    return report


def imported_keys(source: str, keys: list[str]) -> set[str]:
    found = set()
    for start in range(0, len(keys), 10_000):
        found.update(
            ImportedTicket.objects.filter(source=source, external_id__in=keys[start : start + 10_000])
            .values_list("external_id", flat=True)
            .iterator()
        )
    return found


def _ledger(source):
    def record(cursor, pairs):
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            escaped_source = _copy_text(source)
            buffer.writelines(
                f"{escaped_source}\t{_copy_text(key)}\t{ticket_id}\n" for key, ticket_id in pairs
            )
            buffer.seek(0)
            with connection.wrap_database_errors:
                cursor.cursor.copy_expert(
                    "COPY importing_importedticket (source, external_id, ticket_id) FROM STDIN", buffer
                )
        else:
            cursor.executemany(
                "INSERT INTO importing_importedticket (source, external_id, ticket_id) VALUES (%s, %s, %s)",
                [(source, key, ticket_id) for key, ticket_id in pairs],
            )

    return record


def _copy_text(text):
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _chunks(iterator: Iterator, size: int):
    while chunk := list(islice(iterator, size)):
        yield chunk
