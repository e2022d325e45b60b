"""The email channel: customers' mail read over IMAP, our replies sent over SMTP.

Settings and credentials: channels/forms.py (read and checked in config.py). Reading: imap.py;
parsing: parse.py; the reply as an email: compose.py; sending it: smtp.py.

A reply's Message-ID is made from its primary key (reply_message_id): every attempt to send it
carries the same one, and a reply whose send was cut off is looked up by it (reconcile, find_sent)
in the mailbox's Sent folder, and among the answers that arrived (their In-Reply-To names it).
"""

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from channels.base import ChannelAdapter, ChannelError, Fetched, Inbound, Sent, Unparseable
from oss_inbox.tickets.models import Message

from . import smtp
from .compose import Reply, answered_from_headers, compose_reply, mail_domain
from .config import imap_config, smtp_config
from .explain import failing_server
from .imap import (
    LOOKUP_AGAIN,
    batches,
    fetch_batch,
    imap_session,
    mail_sizes,
    mail_with_id_in,
    move_mail,
    sent_folder,
    uids_to_read,
)
from .parse import parse_email

log = logging.getLogger(__name__)

NO_SENT_FOLDER = (
    "This mailbox has no Sent folder to look in; no answer to it arrived in {folder} either, so we cannot "
    "tell whether it went out. Check with the customer before sending it again."
)


@dataclass(frozen=True)
class MailFetched(Fetched):
    """Fetched, plus the UIDs of the messages read, to move them away once ingest has stored them."""

    uids: tuple[int, ...] = ()


class EmailAdapter(ChannelAdapter):
    kind = "email"

    def fetch_batches(self, cursor):
        """What is new since the cursor, one bounded batch at a time (imap.py), each with the cursor
        after its last message. A batch is released when the next is asked for: its items are
        cleared and the temporary files of its attachments deleted, so a poll that ingests each
        batch before asking for the next holds one batch at a time."""
        for batch in self._batches(cursor):
            yield batch
            batch.items.clear()

    def fetch(self, cursor):
        """Every batch in one MailFetched, all held at once: for a test or a one-off read."""
        found = list(self._batches(cursor))
        return MailFetched(
            items=[item for batch in found for item in batch.items],
            cursor=found[-1].cursor,
            uids=tuple(uid for batch in found for uid in batch.uids),
        )

    def _batches(self, cursor):
        """1. Select the folder read-only; 2. find what is new since the cursor, and its sizes;
        3. split it into batches bounded by count and bytes; 4. fetch each without marking it
        read and parse each message (one too large becomes Unparseable); 5. yield the batch."""
        config = imap_config(self.account)
        with imap_session(config) as (client, selected):
            uids, new_cursor = uids_to_read(
                client, selected, cursor or {}, first_poll_days=config.first_poll_days
            )
            sizes = mail_sizes(client, uids)
            planned = batches(uids, sizes, max_bytes=config.max_message_bytes, batch_bytes=config.batch_bytes)
            for number, batch in enumerate(planned, 1):
                mail = fetch_batch(client, batch, sizes, max_bytes=config.max_message_bytes)
                # The last batch's cursor also covers what was skipped (older mail, expunged mail).
                batch_cursor = new_cursor if number == len(planned) else {**new_cursor, "last_uid": batch[-1]}
                yield self._parsed_batch(mail, batch_cursor, config)
            if not planned:
                yield MailFetched(items=[], cursor=new_cursor)

    def _parsed_batch(self, mail, cursor, config):
        items = []
        for found in mail:
            items.append(self._parsed(found, config))
            found.raw.close()  # a large one's temporary file goes now
        # Only what became a message is moved; the rest stays where a person can open it.
        stored = tuple(
            found.uid for found, item in zip(mail, items, strict=True) if isinstance(item, Inbound)
        )
        return MailFetched(items=items, cursor=cursor, uids=stored)

    def _parsed(self, found, config):
        item = parse_email(found.raw, mailbox_address=self.account.self_external_id)
        if found.complete:
            return item
        error = (
            f"The message is {_readable_size(found.size)}, more than the "
            f"{_readable_size(config.max_message_bytes)} this mailbox accepts; it was left unread in the "
            f"{config.folder} folder."
        )
        return Unparseable(external_id=item.external_id, error=error, raw={**item.raw, "size": found.size})

    def acknowledge(self, fetched):
        """Move what `fetched` read to the processed folder, if one is set. Call it only after
        ingest has committed the batch: mail moved before that could be lost with a failed ingest.
        If this fails, the mail stays in the folder, already stored; nothing is read twice."""
        config = imap_config(self.account)
        uids = list(getattr(fetched, "uids", ()))
        if not config.processed_folder or not uids:
            return 0
        with imap_session(config, readonly=False) as (client, selected):
            if selected[b"UIDVALIDITY"] != fetched.cursor.get("uidvalidity"):
                log.warning("%s: UIDVALIDITY changed since the fetch; nothing moved", self.account)
                return 0
            move_mail(client, uids, config.processed_folder)
        return len(uids)

    def send(self, message):
        """Reply to the customer's latest message on the ticket, under the reply's own Message-ID (the
        same on every attempt), which becomes its external id."""
        reply = Reply(
            sender=self.account.self_external_id,
            sender_name=str(self.account.settings.get("from_name") or "").strip(),
            ticket_id=message.ticket_id,
            text=message.text,
            sent_at=timezone.now(),
            automatic=message.is_automatic,
            message_id=self.reply_message_id(message),
            html=str(message.context.get("email_html") or ""),
        )
        email = compose_reply(reply, self._answered(message))
        smtp.deliver(smtp_config(self.account), email)
        return Sent(external_id=email["Message-ID"].strip().strip("<>"))

    def reply_message_id(self, message):
        """Our Message-ID for a reply (without <>): the same for every attempt to send it, and unique to
        this installation (a token of its secret key), so a staging copy of the database sending from
        the same domain cannot mint a production reply's id."""
        token = hashlib.sha256(f"{settings.SECRET_KEY}{self.account.pk}".encode()).hexdigest()[:12]
        return f"oss-inbox.reply.{message.pk}.{token}@{mail_domain(self.account.self_external_id)}"

    def reconcile(self, message):
        """Whether a reply whose send was cut off reached the mail server: looked up by its Message-ID."""
        message_id = self.reply_message_id(message)
        return Sent(external_id=message_id) if self.find_sent(message_id) else None

    def find_sent(self, message_id):
        """Whether the letter `message_id` (with or without <>) went out from this mailbox.

        1. Find the Sent folder: the account's `sent_folder` setting, else the folder flagged \\Sent,
           else one with a usual name.
        2. Look for the Message-ID there, and for an answer naming it (In-Reply-To) in the folder we
           read and the processed folder.
        3. Not found and no Sent folder: ChannelError, as "not found" would mean nothing.
        """
        message_id = message_id.strip().strip("<>")
        config = imap_config(self.account)
        configured = str(self.account.settings.get("sent_folder") or "").strip()
        with imap_session(config, again=LOOKUP_AGAIN) as (client, _selected):
            sent = sent_folder(client, configured)
            found = mail_with_id_in(client, [sent, config.folder, config.processed_folder], message_id)
        if found is None and sent is None:
            raise ChannelError(NO_SENT_FOLDER.format(folder=config.folder), permanent=True)
        return found is not None

    def _answered(self, message):
        customer = (
            message.ticket.messages.filter(
                direction=Message.Direction.INBOUND, is_automatic=False, author_identity__isnull=False
            )
            .select_related("author_identity")
            .order_by("-sent_at", "-id")
            .first()
        )
        if customer is None:
            raise ChannelError(
                "This ticket has no message from a customer to answer by email.", permanent=True
            )
        return answered_from_headers(
            # A web form sends as itself with the customer in Reply-To (parse.py keeps it).
            address=customer.context.get("reply_to") or customer.author_identity.external_id,
            message_id=customer.external_id or "",
            subject=customer.subject or message.ticket.subject,
            headers=customer.raw.get("headers", []),
        )

    def check(self):
        """IMAP (log in, open the folder), then SMTP (log in); a failure names its server (error.server)."""
        config = imap_config(self.account)
        with failing_server("IMAP"), imap_session(config) as (_client, selected):
            count = selected.get(b"EXISTS", 0)
        with failing_server("SMTP"):
            smtp.probe(smtp_config(self.account))
        messages = "1 message" if count == 1 else f"{count} messages"
        return f"IMAP and SMTP reachable for {self.account.self_external_id} ({messages} in {config.folder})"


def _readable_size(size):
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{-(-size // 1024)} KB"
