"""Reading the values exports hold: times in several spellings, statuses and priorities in each help
desk's words, channels, text in an unknown encoding."""

from __future__ import annotations

import codecs
from datetime import datetime, tzinfo
from email.utils import parsedate_to_datetime

from charset_normalizer import from_bytes

SAMPLE = 1 << 20  # bytes read to tell the encoding
SINGLE_BYTE = ("cp125", "cp85", "cp775", "cp1125", "latin", "iso8859", "mac_")

# Tried after ISO 8601 (which datetime.fromisoformat reads: "2025-03-01 14:05", "2025-03-01T14:05:00Z").
TIME_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%b %d, %Y %H:%M",
    "%b %d, %Y %I:%M %p",
)

STATUSES = {
    "new": "new",
    "open": "open",
    "reopened": "open",
    "in progress": "open",
    "assigned": "open",
    "pending": "pending",
    "hold": "pending",
    "on hold": "pending",
    "on-hold": "pending",
    "waiting": "pending",
    "waiting on customer": "pending",
    "waiting for customer": "pending",
    "resolved": "resolved",
    "solved": "resolved",
    "closed": "resolved",
    "merged": "resolved",
    "duplicate": "resolved",
}
PRIORITIES = {
    "low": 0,
    "very low": 0,
    "normal": 1,
    "medium": 1,
    "high": 2,
    "urgent": 3,
    "critical": 3,
    "0": 0,
    "1": 1,
    "2": 2,
    "3": 3,
}
# channel word -> (account kind, message kind)
CHANNELS = {
    "email": ("email", "email"),
    "e-mail": ("email", "email"),
    "mail": ("email", "email"),
    "web": ("email", "email"),
    "portal": ("email", "email"),
    "twitter": ("twitter", "mention"),
    "x": ("twitter", "mention"),
    "mention": ("twitter", "mention"),
    "tweet": ("twitter", "mention"),
    "dm": ("twitter", "dm"),
    "twitter dm": ("twitter", "dm"),
    "x dm": ("twitter", "dm"),
    "facebook": ("facebook", "comment"),
    "comment": ("facebook", "comment"),
    "post": ("facebook", "post"),
    "messenger": ("facebook", "messenger"),
    "facebook messenger": ("facebook", "messenger"),
    "instagram": ("instagram", "ig_comment"),
    "instagram comment": ("instagram", "ig_comment"),
    "ig": ("instagram", "ig_comment"),
    "instagram dm": ("instagram", "ig_dm"),
    "ig dm": ("instagram", "ig_dm"),
}
DIRECTIONS = {
    "inbound": "inbound",
    "in": "inbound",
    "incoming": "inbound",
    "customer": "inbound",
    "requester": "inbound",
    "end-user": "inbound",
    "outbound": "outbound",
    "out": "outbound",
    "outgoing": "outbound",
    "agent": "outbound",
    "reply": "outbound",
    "public": "outbound",
    "note": "note",
    "internal": "note",
    "private": "note",
    "internal note": "note",
}


class BadValue(ValueError):
    pass


def parse_time(text: str, zone: tzinfo) -> datetime:
    """A time as exports write it; one without an offset is in `zone`."""
    text = text.strip()
    if not text:
        raise BadValue("no time given")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None:
        for form in TIME_FORMATS:
            try:
                value = datetime.strptime(text, form)  # noqa: DTZ007 - the zone is set below
                break
            except ValueError:
                continue
    if value is None:
        try:
            value = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            raise BadValue(
                f"'{text[:40]}' is not a date and time (write 2025-03-01 14:05 or ISO 8601)"
            ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    if not 1970 <= value.year <= 2100:
        raise BadValue(f"'{text[:40]}' is not a plausible date")
    return value


def word(table: dict, text: str, what: str):
    found = table.get(text)  # most exports write one spelling throughout
    if found is not None:
        return found
    key = " ".join(text.strip().lower().replace("_", " ").split())
    if key not in table:
        known = ", ".join(sorted({k for k in table if " " not in k})[:12])
        raise BadValue(f"'{text[:40]}' is not a {what} (one of {known}, ...)")
    return table[key]


def detect_encoding(sample: bytes) -> str:
    """The encoding of a file from its first bytes: a BOM says it; UTF-8 if it reads as such; else
    what charset-normalizer finds (Windows-1252 from Excel, say)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(sample).best()
    guess = best.encoding if best is not None else None
    # Short samples of Western text fit several single-byte code pages equally well; a utility's
    # export from Excel on Windows is Windows-1252, so that one wins among them.
    try:
        sample.decode("cp1252")
    except UnicodeDecodeError:
        return guess or "latin-1"
    return "cp1252" if guess is None or guess.startswith(SINGLE_BYTE) else guess


def first_line(text: str, length: int = 120) -> str:
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= length else line[: length - 1].rstrip() + "…"
