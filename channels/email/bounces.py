"""Mail the mail system sends rather than a person: auto-replies and delivery reports (bounces).
Pure functions.

Such mail is kept on the ticket it is about, never opens one (RFC 3834). A bounce often has no
usable sender (`From: <>`, `From: MAILER-DAEMON` without a domain, or no From at all); it is still
read, from a made-up "Mail delivery system" of our own mailbox's domain, and what it answers is the
message that bounced: its Message-ID (and the ids that message answered) from the returned copy.
"""

import re
from email import policy
from email.parser import BytesHeaderParser

from channels.base import Author

from .headers import all_headers, content_type, header, raw_headers

AUTOMATIC_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
DAEMON_MAILBOXES = {"mailer-daemon", "postmaster"}
DAEMON_NAME = re.compile(
    r"mailer[-_ ]?daemon|postmaster|mail delivery|delivery (?:status|subsystem)", re.IGNORECASE
)
DAEMON_NAME_SHOWN = "Mail delivery system"
MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
# In a delivery report whose structure is broken, the bounced message's id is still quoted in text.
QUOTED_MESSAGE_ID = re.compile(
    rb"^[ \t]*(?:Original-)?Message-Id:[ \t]*<([^<>\s]+)>", re.IGNORECASE | re.MULTILINE
)


def is_automatic(headers) -> bool:
    """An auto-reply or bulk mail: kept on its ticket, but never opens one (RFC 3834)."""
    auto_submitted = header(headers, "Auto-Submitted").split(";")[0].strip().lower()
    precedence = header(headers, "Precedence").strip().lower()
    return_path = [value.strip() for value in all_headers(headers, "Return-Path")]
    return bool(
        (auto_submitted and auto_submitted != "no")
        or precedence in AUTOMATIC_PRECEDENCE
        or header(headers, "X-Autoreply")
        or header(headers, "X-Autorespond")
        or "<>" in return_path
    )


def is_bounce(message, sender_address: str = "") -> bool:
    """A delivery report (RFC 3464), or anything the mail system itself sends: a daemon's address,
    or, when the From has no usable address, a daemon's name ("MAILER DAEMON <>")."""
    local_part = sender_address.split("@")[0]
    named = not sender_address and any(DAEMON_NAME.search(value) for value in raw_headers(message, "From"))
    return (
        content_type(message) == "multipart/report"
        or local_part in DAEMON_MAILBOXES
        or named
        or bool(raw_headers(message, "X-Failed-Recipients"))
    )


def daemon_author(mailbox_address: str, recipients=()) -> Author:
    """Who a bounce without a usable sender is from: the mail system of our own mailbox's domain
    (else of the first recipient's)."""
    domain = next(
        (address.rpartition("@")[2] for address in (mailbox_address, *recipients) if "@" in address),
        "unknown.invalid",
    )
    address = f"mailer-daemon@{domain}"
    return Author(external_id=address, handle=address, name=DAEMON_NAME_SHOWN)


def ids(value: str) -> list[str]:
    """Message ids in a header value, brackets stripped; bare ids from sloppy mailers accepted."""
    found = MESSAGE_ID.findall(value or "")
    return found or [token.strip("<>,;") for token in (value or "").split() if "@" in token]


def bounced_message_ids(raw, message) -> list[str]:
    """The ids a delivery report is about, closest first: the returned message's Message-ID, then
    the ids it answered (In-Reply-To, References from the last), from its returned copy
    (message/rfc822 or */rfc822-headers part), else a Message-Id line quoted in the report's text."""
    for part in message.walk():
        kind = content_type(part)
        if kind == "message/rfc822" or kind.endswith("/rfc822-headers"):
            returned = _returned_headers(part)
            found = ids(" ".join(raw_headers(returned, "Message-ID")))[:1]
            if found:
                answered = ids(" ".join(raw_headers(returned, "In-Reply-To")))
                references = ids(" ".join(raw_headers(returned, "References")))
                return list(dict.fromkeys([*found, *answered, *reversed(references)]))
    body = re.split(rb"\r?\n\r?\n", raw.read_all(), maxsplit=1)[-1]
    return [match.decode("ascii", "replace") for match in QUOTED_MESSAGE_ID.findall(body)][:1]


def _returned_headers(part):
    payload = part.get_payload()
    if isinstance(payload, list):
        return payload[0] if payload else BytesHeaderParser(policy=policy.compat32).parsebytes(b"")
    try:
        data = part.get_payload(decode=True) or b""
    except Exception:  # noqa: BLE001 - a garbled transfer encoding: the headers are readable as they stand
        data = str(payload or "").encode("utf-8", "surrogateescape")
    return BytesHeaderParser(policy=policy.compat32).parsebytes(data)
