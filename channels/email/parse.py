"""Raw RFC 5322 messages -> Inbound items. Pure: no database, no network.

Mail arrives from every kind of program, many of them broken. The rule here is that a message is
never lost: whatever can be read is read (unknown charsets are decoded with replacement
characters, a multipart whose boundary is wrong is re-read with the one it uses), and a message
that cannot be given to a sender comes back as `Unparseable` with a reason an admin can act on.
"""

import email
import email.message
import mailbox
import mimetypes
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import IO

import nh3

from channels.base import Author, Inbound, InboundAttachment, Unparseable

from .quoting import decode_text, decoded_header, has_raw_bytes, html_to_text, quote_split, repaired
from .spool import RawMessage, attachment_content

# Outlook's own .msg files are OLE compound documents; people save them and forward them to us.
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
TICKET_REF = re.compile(r"\[#(\d{1,18})\]")
AUTOMATIC_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
DAEMON_MAILBOXES = {"mailer-daemon", "postmaster"}
# In a delivery report whose structure is broken, the bounced message's id is still quoted in text.
QUOTED_MESSAGE_ID = re.compile(
    rb"^[ \t]*(?:Original-)?Message-Id:[ \t]*<([^<>\s]+)>", re.IGNORECASE | re.MULTILINE
)


def parse_email(raw: bytes | IO[bytes], *, mailbox_address: str = "") -> Inbound | Unparseable:
    """One message, as bytes or a binary file (read from its start in chunks, never whole: see
    spool.py; large attachments come back in temporary files). `mailbox_address` is our own
    address, left out of the people copied (cc)."""
    if not isinstance(raw, (bytes, bytearray)) and not callable(getattr(raw, "read", None)):
        raise ValueError(f"an email is raw bytes, not {type(raw).__name__}")
    raw = RawMessage(raw)
    if raw.head(len(OLE_SIGNATURE)) == OLE_SIGNATURE:
        error = "an Outlook .msg file (OLE compound document), not an RFC 5322 message"
        return Unparseable(None, error, {"size": raw.size})
    try:
        return _parse(raw, mailbox_address.strip().lower())
    except Exception as error:  # noqa: BLE001 - hostile input; one unreadable message must not stop a mailbox
        return Unparseable(None, f"unreadable message: {type(error).__name__}: {error}", {"size": raw.size})


def parse_mbox(path, *, mailbox_address: str = "") -> list:
    """parse_email for every message of an mbox file, in file order."""
    box = mailbox.mbox(path, create=False)
    try:
        return [parse_email(box.get_bytes(key), mailbox_address=mailbox_address) for key in box.iterkeys()]
    finally:
        box.close()


def _parse(raw, mailbox_address):
    """1. Read the MIME structure; 2. the headers; 3. the sender; 4. ids and threading;
    5. the body, split from what it quotes; 6. the Inbound."""
    message = _read(raw)
    headers = header_pairs(message)
    summary = {"headers": headers, "size": raw.size}
    external_id = _first_id(_header(headers, "Message-ID")) or _generated_id(raw)
    sender = _sender(message, headers)
    if sender is None:
        shown = _header(headers, "From")
        reason = f"no sender address (From: {shown!r})" if shown else "no sender address"
        return Unparseable(external_id, reason, summary)
    bounce = _is_bounce(message, sender.external_id)
    automatic = bounce or _is_automatic(headers)
    reply_to_ids, root = _threading(raw, message, headers, external_id, bounce=bounce)
    body = read_body(message)
    subject = _header(headers, "Subject")
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
        attachments=body.attachments,
        raw=summary,
        **_text_and_context(body.text, message, headers, sender, mailbox_address),
    )


def _read(raw):
    try:
        message = raw.parsed(policy.default)
    except Exception:  # noqa: BLE001 - the strict policy gave up; the old one reads anything
        return raw.parsed(policy.compat32)
    return _with_recovered_boundary(message)


def _with_recovered_boundary(message):
    """Re-read a multipart whose declared boundary never occurs with the one its body does use.

    Broken mailers declare one boundary and write another (or declare none); the email package
    then sees no parts at all and the agent would get raw MIME. A line "--token" followed by a
    header line ("Content-Type: ...") is taken as the boundary actually used.
    """
    if message.get_content_maintype() != "multipart" or message.is_multipart():
        return message
    payload = message.get_payload()
    found = re.search(
        r"^--(\S{4,})[ \t]*\r?\n[\w-]+:[ \t]", payload if isinstance(payload, str) else "", re.MULTILINE
    )
    if found is None:
        return message
    try:
        message.set_boundary(found.group(1))
        return email.message_from_bytes(message.as_bytes(), policy=policy.default)
    except Exception:  # noqa: BLE001 - recovery is a bonus; the unsplit text is still readable
        return message


# ---- headers ---------------------------------------------------------------------------------


def header_pairs(message):
    """[name, decoded value] of every header, in order. A header the strict parser rejects or
    decodes with replacement characters is decoded the forgiving way instead (decoded_header)."""
    pairs = []
    for name, raw_value in message.raw_items():
        try:
            value = str(message.policy.header_fetch_parse(name, raw_value))
        except Exception:  # noqa: BLE001 - any defect in one header must not cost the message
            value = None
        if value is None or "\ufffd" in value or has_raw_bytes(value):
            value = decoded_header(raw_value)
        pairs.append([name, " ".join(value.replace("\x00", "").split())])
    return pairs


def _header(headers, name):
    return next((value for key, value in headers if key.lower() == name.lower()), "")


def _all_headers(headers, name):
    return [value for key, value in headers if key.lower() == name.lower()]


def _generated_id(raw):
    # No Message-ID: the same bytes fetched again must get the same id, or ingest stores it twice.
    return f"generated-{raw.sha256()[:32]}@oss-inbox"


def _ids(value):
    """Message ids in a header value, brackets stripped; bare ids from sloppy mailers accepted."""
    found = MESSAGE_ID.findall(value or "")
    return found or [token.strip("<>,;") for token in (value or "").split() if "@" in token]


def _first_id(value):
    found = _ids(value)
    return found[0] if found else ""


# ---- sender ----------------------------------------------------------------------------------


def _addresses(message, headers, name):
    """(display name, address) pairs of every `name` header, addresses lower-cased."""
    try:
        found = [
            (a.display_name, a.addr_spec) for header in message.get_all(name, []) for a in header.addresses
        ]
    except Exception:  # noqa: BLE001 - the strict parser gave up; read the raw value the lenient way
        found = [
            (decoded_header(display), address)
            for display, address in getaddresses(_all_headers(headers, name))
        ]
    cleaned = [(repaired(display).strip(), repaired(address).strip().lower()) for display, address in found]
    return [(display, address) for display, address in cleaned if "@" in address]


def _sender(message, headers):
    found = _addresses(message, headers, "From")
    if not found:
        return None
    display_name, address = found[0]
    return Author(external_id=address, handle=address, name=display_name)


def _is_automatic(headers):
    """An auto-reply or bulk mail: kept on its ticket, but never opens one (RFC 3834)."""
    auto_submitted = _header(headers, "Auto-Submitted").split(";")[0].strip().lower()
    precedence = _header(headers, "Precedence").strip().lower()
    return_path = [value.strip() for value in _all_headers(headers, "Return-Path")]
    return bool(
        (auto_submitted and auto_submitted != "no")
        or precedence in AUTOMATIC_PRECEDENCE
        or _header(headers, "X-Autoreply")
        or _header(headers, "X-Autorespond")
        or "<>" in return_path
    )


def _is_bounce(message, sender_address):
    """A delivery report (RFC 3464), or anything the mail system itself sends."""
    local_part = sender_address.split("@")[0]
    return message.get_content_type() == "multipart/report" or local_part in DAEMON_MAILBOXES


# ---- threading -------------------------------------------------------------------------------


def _threading(raw, message, headers, external_id, *, bounce):
    """(reply_to_ids closest first, thread root id).

    In-Reply-To is the closest, then References from the last (the parent) to the first (the
    root). A bounce answers the message that bounced, so that one comes first of all.
    """
    in_reply_to = _ids(_header(headers, "In-Reply-To"))
    references = _ids(" ".join(_all_headers(headers, "References")))
    bounced = _bounced_message_ids(raw, message) if bounce else []
    ordered = [*bounced, *in_reply_to, *reversed(references)]
    reply_to_ids = tuple(dict.fromkeys(found for found in ordered if found != external_id))
    root = (references or in_reply_to or [external_id])[0]
    return reply_to_ids, root


def _bounced_message_ids(raw, message):
    """The Message-ID of the message a delivery report is about, from its returned copy
    (message/rfc822 or */rfc822-headers part), else from a Message-Id line quoted in its text."""
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type == "message/rfc822" or content_type.endswith("/rfc822-headers"):
            found = _first_id(_header(header_pairs(_embedded_headers(part)), "Message-ID"))
            if found:
                return [found]
    body = re.split(rb"\r?\n\r?\n", raw.read_all(), maxsplit=1)[-1]
    return [match.decode("ascii", "replace") for match in QUOTED_MESSAGE_ID.findall(body)][:1]


def _embedded_headers(part):
    payload = part.get_payload()
    if isinstance(payload, list):
        return payload[0] if payload else email.message.Message()
    data = part.get_payload(decode=True) or b""
    return BytesHeaderParser(policy=policy.compat32).parsebytes(data)


# ---- date, subject, text ---------------------------------------------------------------------


def _sent_at(headers):
    """The Date header; if it is missing or garbled, the newest date among the Received headers
    (when our side got it); if there is none either, the current time."""
    sent_at = _parse_date(_header(headers, "Date"))
    if sent_at is not None:
        return sent_at
    received = [
        _parse_date(value.rsplit(";", 1)[-1]) for value in _all_headers(headers, "Received") if ";" in value
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


def _text_and_context(text, message, headers, sender, mailbox_address):
    """`text` is the new part of the message; the quoted earlier messages go to context."""
    new, quoted = quote_split(text)
    context = {}
    if quoted:
        context.update(quoted_text=quoted, full_text=text)
    reply_to = [address for _, address in _addresses(message, headers, "Reply-To")]
    if reply_to and reply_to[0] != sender.external_id:
        context["reply_to"] = reply_to[0]  # e.g. a web form that sends as itself for the customer
    recipients = _addresses(message, headers, "To") + _addresses(message, headers, "Cc")
    copied = [address for _, address in recipients if address not in {mailbox_address, sender.external_id}]
    if copied:
        context["cc"] = list(dict.fromkeys(copied))  # the others on the conversation, for reply-all
    return {"text": new, "context": context}


# ---- body and attachments --------------------------------------------------------------------

# Shown to agents: scripts, styles and the <title> are dropped with their content; nh3 keeps
# links with rel="noopener noreferrer" and drops event handlers and javascript: URLs.
UNSAFE_CONTENT = {"script", "style", "title"}


@dataclass(frozen=True)
class Body:
    text: str
    html: str
    attachments: tuple[InboundAttachment, ...]


def read_body(message) -> Body:
    """The text, sanitised HTML and attachments of a message.

    Every inline text/plain and text/html leaf is body, in order (lists and some mail programs
    add parts, as in a digest); every other leaf is an attachment, inline images included. With
    no text/plain part the text is read out of the HTML.
    """
    plain, markup, attachments = [], [], []
    for part in _leaves(message):
        role = _role(part)
        if role == "attachment":
            attachments.append(_attachment(part, len(attachments) + 1))
        else:
            text = decode_text(_part_bytes(part), part.get_content_charset())
            (plain if role == "plain" else markup).append(text)
    source = "\n".join(markup)
    # NUL characters are dropped: PostgreSQL refuses them in text, and they are never meant.
    text = "\n\n".join(chunk.strip() for chunk in plain if chunk.strip())
    text = text.replace("\r\n", "\n").replace("\x00", "")
    source = source.replace("\x00", "")
    html = nh3.clean(source, clean_content_tags=UNSAFE_CONTENT).strip() if source.strip() else ""
    return Body(text=text or html_to_text(source), html=html, attachments=tuple(attachments))


def _leaves(part):
    """Leaf parts in order. An attached message (message/rfc822) is a leaf: it becomes an .eml."""
    if part.get_content_maintype() == "multipart" and part.is_multipart():
        for child in part.get_payload():
            yield from _leaves(child)
    else:
        yield part


def _role(part):
    content_type = part.get_content_type()
    disposition = part.get_content_disposition()
    if content_type == "message/rfc822" or disposition == "attachment":
        return "attachment"
    if content_type in ("text/plain", "text/html") and (disposition == "inline" or not _filename(part)):
        return content_type.split("/")[1]
    # A multipart the parser could not split (no boundary at all): its text is all there is.
    return "plain" if part.get_content_maintype() == "multipart" else "attachment"


def _filename(part):
    try:
        return repaired(part.get_filename() or "").strip()
    except Exception:  # noqa: BLE001 - a garbled filename parameter: the part gets a made-up name
        return ""


def _attachment(part, number):
    content_type = part.get_content_type()
    if content_type == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else None
        subject = _header(header_pairs(inner), "Subject") if inner is not None else ""
        name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", subject).strip(" ._")[:150] or "message"
        return InboundAttachment(
            filename=f"{name}.eml", content_type=content_type, **attachment_content(part, _part_bytes)
        )
    textual = content_type.startswith(("text/", "message/"))
    extension = mimetypes.guess_extension(content_type) or (".txt" if textual else ".bin")
    name = _filename(part) or f"part-{number}{extension}"
    return InboundAttachment(
        filename=name, content_type=content_type, **attachment_content(part, _part_bytes)
    )


def _part_bytes(part):
    data = part.get_payload(decode=True)
    if data is not None:
        return data
    payload = part.get_payload()  # message/* parts hold parsed messages, not bytes
    if isinstance(payload, list):
        return b"".join(_serialised(inner) for inner in payload)
    return str(payload or "").encode("utf-8", "surrogateescape")


def _serialised(message):
    for serialising_policy in (message.policy, policy.compat32):
        try:
            return message.as_bytes(policy=serialising_policy)
        except Exception:  # noqa: BLE001 - try the more forgiving policy, then give up on this part
            continue
    return b""
