"""mbox mail folders: each message read as the email channel reads mail (channels.email.parse),
threaded as ingest threads it (tickets/threading.py): a message joins the ticket of the message it
replies to (In-Reply-To, then References from the closest), else the ticket of its conversation's
root Message-ID, else it opens one.

Mail from one of our own addresses is our reply; the rest is the customer's. The folders are read
whole before the first ticket is written (a thread's messages can be anywhere in them), so this
suits a team mailbox's archive, not a mail server's worth of it at once.
"""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from pathlib import Path

from channels.base import Unparseable
from channels.email.parse import parse_email
from oss_inbox.tickets.services.history_import import PastMessage, PastTicket, Person

from .runner import Context
from .values import first_line


class MboxSource:
    def __init__(self, path: str | Path, context: Context, *, our_addresses=(), source: str | None = None):
        self.path = Path(path)
        self.context = context
        self.account = context.account("email")
        ours = [address.strip().lower() for address in our_addresses if address.strip()]
        if not ours and self.account.self_external_id:
            ours = [self.account.self_external_id.strip().lower()]
        self.ours = set(ours)
        self.source = source or f"mbox:{self.path.name}"
        self._threads = None

    def files(self) -> list[Path]:
        if self.path.is_dir():
            return sorted(p for p in self.path.iterdir() if p.is_file() and not p.name.startswith("."))
        return [self.path]

    def estimated_total(self) -> int | None:
        return len(self._threads) if self._threads is not None else None

    def __iter__(self) -> Iterator[PastTicket]:
        self._threads = self._read()
        for thread in self._threads:
            ticket = self._ticket(thread)
            if ticket is not None:
                yield ticket

    def _read(self):
        """Every message of the folders, threaded: a list of threads, each a list of Inbound."""
        report = self.context.report
        items, seen = [], set()
        mailbox_address = next(iter(sorted(self.ours)), "")
        for path in self.files():
            box = mailbox.mbox(path, create=False)
            try:
                for number, key in enumerate(box.iterkeys(), start=1):
                    item = parse_email(box.get_bytes(key), mailbox_address=mailbox_address)
                    for attachment in getattr(item, "attachments", ()):
                        if attachment.file is not None:
                            attachment.file.close()
                    if isinstance(item, Unparseable):
                        report.problem(f"{path.name}: message {number}", f"{item.error}; left out")
                        continue
                    if item.external_id in seen:  # the same mail in two folders (Sent and Inbox)
                        continue
                    seen.add(item.external_id)
                    items.append(item)
            finally:
                box.close()
        items.sort(key=lambda item: item.sent_at)
        threads, by_id, by_key = [], {}, {}
        for item in items:
            index = next((by_id[found] for found in item.reply_to_ids if found in by_id), None)
            if index is None:
                index = by_key.get(item.thread_key)
            if index is None:
                index = len(threads)
                threads.append([])
                by_key[item.thread_key] = index
            threads[index].append(item)
            by_id[item.external_id] = index
        return threads

    def _ticket(self, thread):
        customer = next((item for item in thread if not self._ours(item)), None)
        if customer is None:
            self.context.report.problem(
                f"thread {thread[0].external_id}", "only our own mail, no customer's message; left out"
            )
            return None
        author = customer.author
        messages = [
            PastMessage(
                direction="outbound" if self._ours(item) else "inbound",
                sent_at=item.sent_at,
                text=item.text,
                html=item.html,
                external_id=item.external_id,
                subject=item.subject,
                in_reply_to=item.reply_to_ids[0] if item.reply_to_ids else "",
                raw={"attachments": [a.filename for a in item.attachments]} if item.attachments else None,
            )
            for item in thread
        ]
        return PastTicket(
            key=thread[0].external_id,
            account=self.account,
            kind="email",
            thread_key=thread[0].thread_key,
            customer=Person("email", author.external_id.lower(), name=author.name, handle=author.handle),
            created_at=thread[0].sent_at,
            messages=messages,
            status="resolved",
            subject=thread[0].subject or first_line(thread[0].text),
        )

    def _ours(self, item):
        return item.author.external_id.lower() in self.ours
