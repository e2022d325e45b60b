"""Raw RFC 5322 messages -> Inbound items. Pure: no database, no network.

Mail arrives from every kind of program, many of them broken. The rule here is that a message is
never lost: whatever can be read is read, and read right (charsets.py: the declared charset as its
vendor superset, then detection; headers.py: a malformed header line does not hide the headers
after it; addresses.py: senders in every form mail programs write; attachments.py: names in every
encoding), and what had to be repaired is recorded on the item (`context["defects"]`, shown to
agents). A message that cannot be given to a sender comes back as `Unparseable` with a reason an
admin can act on; `parse_email` never raises on what a message holds.
"""

import hashlib
import mailbox
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import IO

from channels.base import Author, Inbound, Unparseable

from .addresses import mailboxes
from .body import declared_charsets, read_body
from .bounces import (
    MESSAGE_ID,
    bounced_message_ids,
    daemon_author,
    ids,
    is_automatic,
    is_bounce,
)
from .charsets import decode_bytes, has_raw_bytes, to_bytes
from .headers import all_headers, header, header_pairs, raw_headers, read_message, structure_defects
from .quoting import quote_split
from .spool import RawMessage

__all__ = ["MESSAGE_ID", "parse_email", "parse_mbox"]

# Outlook's own .msg files are OLE compound documents; people save them and forward them to us.
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TICKET_REF = re.compile(r"\[#(\d{1,18})\]")
# Where the sender is looked for when From has no usable address, in this order.
SENDER_HEADERS = ("From", "Reply-To", "Sender")
DEFECTS_SHOWN = 12
RAW_MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*<([^<>\s]+)>", re.IGNORECASE | re.MULTILINE)


def parse_email(raw: bytes | IO[bytes], *, mailbox_address: str = "") -> Inbound | Unparseable:
    """One message, as bytes or a binary file (read from its start in chunks, never whole: see
    spool.py; large attachments come back in temporary files). `mailbox_address` is our own
    address, left out of the people copied (cc). Never raises on a message's content: anything
    that goes wrong reading it becomes an Unparseable saying what."""
    if not isinstance(raw, (bytes, bytearray)) and not callable(getattr(raw, "read", None)):
        raise ValueError(f"an email is raw bytes, not {type(raw).__name__}")
    raw = RawMessage(raw)
    try:
        if raw.head(len(OLE_SIGNATURE)) == OLE_SIGNATURE:
            error = "an Outlook .msg file (OLE compound document), not an RFC 5322 message"
            return Unparseable(None, error, {"size": raw.size})
        return _parse(raw, mailbox_address.strip().lower())
    except Exception as error:  # noqa: BLE001 - hostile input; one unreadable message must not stop a mailbox
        return _unreadable(raw, error)


def _unreadable(raw, error):
    try:
        size = raw.size
        found = RAW_MESSAGE_ID.search(raw.head(64 * 1024).split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0])
    except Exception:  # noqa: BLE001 - the bytes themselves cannot be read: say so without them
        size, found = None, None
    external_id = found.group(1).decode("ascii", "replace") if found else None
    reason = f"the message could not be read ({type(error).__name__}: {error})"
    return Unparseable(external_id, reason, {"size": size})


def parse_mbox(path, *, mailbox_address: str = "") -> list:
    """parse_email for every message of an mbox file, in file order."""
    box = mailbox.mbox(path, create=False)
    try:
        return [parse_email(box.get_bytes(key), mailbox_address=mailbox_address) for key in box.iterkeys()]
    finally:
        box.close()


def _parse(raw, mailbox_address):
    """1. Read the MIME structure, repairing it; 2. the headers, decoded with the charsets the
    message declares as hints; 3. the sender (a made-up mail system for a bounce without one);
    4. ids and threading; 5. the body, split from what it quotes; 6. the Inbound, with what was
    wrong with the message and a digest of its content."""
    message, defects = read_message(raw)
    hints = message_hints(message)
    headers = header_pairs(message, hints, defects)
    summary = {"headers": headers, "size": raw.size}
    external_id = _first_id(header(headers, "Message-ID")) or _generated_id(raw)
    sender = _sender(message, hints, defects)
    bounce = is_bounce(message, sender.external_id if sender else "")
    automatic = bounce or is_automatic(headers)
    if sender is None and automatic:
        sender = daemon_author(mailbox_address, _addresses(message, "To", hints))
        shown = header(headers, "From")
        defects.append(
            f"its From header has no usable address ({shown!r})" if shown else "it has no From header"
        )
    if sender is None:
        shown = header(headers, "From")
        reason = f"no sender address (From: {shown!r})" if shown else "no sender address"
        return Unparseable(external_id, reason, summary)
    reply_to_ids, root = _threading(raw, message, headers, external_id, bounce=bounce)
    body = read_body(message, hints, defects)
    subject = header(headers, "Subject")
    context = _context(body.text, message, hints, sender, mailbox_address, defects)
    context["digest"] = content_digest(sender.external_id, subject, body.text)
    shown_defects = list(dict.fromkeys([*defects, *structure_defects(message)]))[:DEFECTS_SHOWN]
    if shown_defects:
        context["defects"] = shown_defects
    return Inbound(
        external_id=external_id,
        kind="email",
        thread_key=f"email:{root}",
        author=sender,
        sent_at=_sent_at(headers),
        subject=subject,
        ticket_ref=_ticket_ref(subject),
        reply_to_ids=reply_to_ids,
        is_automatic=automatic,
        html=body.html,
        text=context.pop("text"),
        attachments=body.attachments,
        context=context,
        raw=summary,
    )


def message_hints(message) -> list[str]:
    """Charsets to try first on this message's undeclared text: those its parts declare, then the
    one detected over all its raw 8-bit header text at once (longer text, surer detection)."""
    hints = declared_charsets(message)
    raw_text = b" ".join(
        to_bytes(str(value)) for _, value in message.raw_items() if has_raw_bytes(str(value))
    )
    if raw_text:
        hints.append(decode_bytes(raw_text, None, hints).codec)
    return hints


def content_digest(sender_address: str, subject: str, text: str) -> str:
    """sha256 (hex) of the sender address, subject and body text, whitespace normalised: two
    different mails that reuse one Message-ID differ in it; the same mail fetched twice does not."""
    parts = (sender_address.strip().lower(), " ".join(subject.split()), " ".join(text.split()))
    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


# ---- ids, sender -------------------------------------------------------------------------------


def _generated_id(raw):
    # No Message-ID: the same bytes fetched again must get the same id, or ingest stores it twice.
    return f"generated-{raw.sha256()[:32]}@oss-inbox"


def _first_id(value):
    found = ids(value)
    return found[0] if found else ""


def _sender(message, hints, defects):
    """The first usable mailbox of From, else Reply-To, else Sender; what was repaired to defects."""
    for name in SENDER_HEADERS:
        found = [mailbox for value in raw_headers(message, name) for mailbox in mailboxes(value, hints)]
        if not found:
            continue
        sender = found[0]
        defects.extend(f"{name}: {note}" for note in sender.notes)
        if name != "From":
            missing = "has no usable address" if raw_headers(message, "From") else "is missing"
            defects.append(f"its From header {missing}; the sender was read from {name}")
        return Author(external_id=sender.address, handle=sender.address, name=sender.name)
    return None


def _threading(raw, message, headers, external_id, *, bounce):
    """(reply_to_ids closest first, thread root id).

    In-Reply-To is the closest, then References from the last (the parent) to the first (the
    root). A bounce answers the message that bounced (and what that one answered), so those come
    first of all.
    """
    in_reply_to = ids(header(headers, "In-Reply-To"))
    references = ids(" ".join(all_headers(headers, "References")))
    bounced = bounced_message_ids(raw, message) if bounce else []
    ordered = [*bounced, *in_reply_to, *reversed(references)]
    reply_to_ids = tuple(dict.fromkeys(found for found in ordered if found != external_id))
    root = (references or in_reply_to or [external_id])[0]
    return reply_to_ids, root


# ---- date, subject, text ---------------------------------------------------------------------


def _sent_at(headers):
    """The Date header; if it is missing or garbled, the newest date among the Received headers
    (when our side got it); if there is none either, the current time."""
    sent_at = _parse_date(header(headers, "Date"))
    if sent_at is not None:
        return sent_at
    received = [
        _parse_date(value.rsplit(";", 1)[-1]) for value in all_headers(headers, "Received") if ";" in value
    ]
    received = [found for found in received if found is not None]
    return max(received) if received else datetime.now(UTC)


def _parse_date(value):
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # "-0000" means "time zone unknown" (RFC 5322): parsedate gives a naive time, read as UTC.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _ticket_ref(subject):
    match = TICKET_REF.search(subject)
    return int(match.group(1)) if match else None


def _context(text, message, hints, sender, mailbox_address, defects):
    """`text` is the new part of the message; the quoted earlier messages go to context, with the
    address to reply to and the others on the conversation."""
    new, quoted = quote_split(text)
    context = {"text": new}
    if quoted:
        context.update(quoted_text=quoted, full_text=text)
    reply_to = [found for value in raw_headers(message, "Reply-To") for found in mailboxes(value, hints)]
    if reply_to and reply_to[0].address != sender.external_id:
        context["reply_to"] = reply_to[0].address  # e.g. a web form that sends as itself for the customer
        defects.extend(f"Reply-To: {note}" for note in reply_to[0].notes)
    recipients = _addresses(message, "To", hints) + _addresses(message, "Cc", hints)
    copied = [address for address in recipients if address not in {mailbox_address, sender.external_id}]
    if copied:
        context["cc"] = list(dict.fromkeys(copied))  # the others on the conversation, for reply-all
    return context


def _addresses(message, name, hints):
    return [found.address for value in raw_headers(message, name) for found in mailboxes(value, hints)]
