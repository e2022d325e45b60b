"""The text, sanitised HTML and attachments of a parsed message. Pure functions."""

import re
from dataclasses import dataclass
from email import policy

import nh3

from channels.base import InboundAttachment

from .attachments import attachment, filename_of
from .charsets import decode_bytes
from .headers import content_disposition, content_type
from .quoting import html_to_text

# Shown to agents: scripts, styles and the <title> are dropped with their content; nh3 keeps
# links with rel="noopener noreferrer" and drops event handlers and javascript: URLs.
UNSAFE_CONTENT = {"script", "style", "title"}
# An HTML part that declares no charset in its MIME header often declares it in the markup.
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class Body:
    text: str
    html: str
    attachments: tuple[InboundAttachment, ...]


def declared_charsets(message) -> list[str]:
    """Every charset the message's parts declare, in order, once each: hints for its undeclared text."""
    found = []
    for part in message.walk():
        try:
            charset = part.get_param("charset")
        except Exception:  # noqa: BLE001 - a garbled Content-Type declares nothing usable
            continue
        if isinstance(charset, str) and charset.strip():
            found.append(charset.strip().lower())
    return list(dict.fromkeys(found))


def read_body(message, hints=(), notes=None) -> Body:
    """The text, sanitised HTML and attachments of a message.

    Every inline text/plain and text/html leaf is body, in order (lists and some mail programs
    add parts, as in a digest); every other leaf is an attachment, inline images included. With
    no text/plain part the text is read out of the HTML.
    """
    plain, markup, attachments = [], [], []
    for part in _leaves(message):
        try:
            role = _role(part, hints)
            if role == "attachment":
                attachments.append(attachment(part, len(attachments) + 1, part_bytes, hints, notes))
            else:
                (plain if role == "plain" else markup).append(_part_text(part, hints, notes))
        except Exception as error:  # noqa: BLE001 - one unreadable part must not cost the message
            attachments.append(_unread_part(part, len(attachments) + 1))
            if notes is not None:
                notes.append(f"a part could not be read ({type(error).__name__}); it is attached as it came")
    source = "\n".join(markup)
    # NUL characters are dropped: PostgreSQL refuses them in text, and they are never meant.
    text = "\n\n".join(chunk.strip() for chunk in plain if chunk.strip())
    text = text.replace("\r\n", "\n").replace("\x00", "")
    source = source.replace("\x00", "")
    html = nh3.clean(source, clean_content_tags=UNSAFE_CONTENT).strip() if source.strip() else ""
    return Body(text=text or html_to_text(source), html=html, attachments=tuple(attachments))


def _unread_part(part, number):
    payload = part.get_payload()
    data = b"" if isinstance(payload, list) else str(payload or "").encode("utf-8", "surrogateescape")
    return InboundAttachment(
        filename=f"part-{number}.bin", content_type="application/octet-stream", data=data
    )


def _part_text(part, hints, notes):
    data = part_bytes(part)
    try:
        declared = part.get_content_charset()
    except Exception:  # noqa: BLE001 - a garbled charset parameter: as if none were declared
        declared = None
    if not declared and content_type(part) == "text/html":
        found = META_CHARSET.search(data[:4096])
        declared = found.group(1).decode("ascii") if found else None
    decoded = decode_bytes(data, declared, hints)
    if decoded.note and notes is not None:
        notes.append(f"its {content_type(part)} text: {decoded.note}")
    return decoded.text


def _leaves(part):
    """Leaf parts in order. An attached message (message/rfc822) is a leaf: it becomes an .eml."""
    if content_type(part).startswith("multipart/") and part.is_multipart():
        for child in part.get_payload():
            yield from _leaves(child)
    else:
        yield part


def _role(part, hints):
    kind = content_type(part)
    disposition = content_disposition(part)
    if kind == "message/rfc822" or disposition == "attachment":
        return "attachment"
    if kind in ("text/plain", "text/html") and (disposition == "inline" or not filename_of(part, hints)):
        return kind.split("/")[1]
    # A multipart the parser could not split (no boundary at all): its text is all there is.
    return "plain" if kind.startswith("multipart/") else "attachment"


def part_bytes(part) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - a garbled transfer encoding: the bytes as they came
        data = None
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
