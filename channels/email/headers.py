"""Reading a message's structure and headers, however broken, and saying in plain words what was
wrong with it. Pure functions.

The email package stops reading headers at the first line that is not one (an unindented
continuation, a stray first line such as Outlook's "Microsoft Mail Internet Headers Version 2.0"),
and every header after it becomes body: a mail with a From is then refused as having none. When a
header block holds such a line and real headers after it, the block is repaired (the line joined
to the header above it, or dropped before the first header) and the message read again.
"""

import email
import re
from email import policy
from email.feedparser import BytesFeedParser

from .charsets import decode_header_value

HEADER_LINE = re.compile(rb"^[!-9;-~]+[ \t]*:")
CONTINUATION_LINE = re.compile(rb"^[ \t]")
BLANK_LINE = re.compile(rb"\r?\n\r?\n")
# Headers longer than this are not headers; a message whose first blank line is further is read as is.
HEADER_BLOCK_LIMIT = 256 * 1024
MEDIA_TYPE = re.compile(r"\s*([!-~]+/[!-:<-~]+)")
SHOWN_HEADERS = {"from", "to", "cc", "subject", "reply-to", "sender"}

DEFECT_WORDS = {
    "MissingHeaderBodySeparatorDefect": "no blank line between its headers and its body",
    "FirstHeaderLineIsContinuationDefect": "its first header line is indented, as if continuing",
    "MisplacedEnvelopeHeaderDefect": "an envelope 'From ' line among its headers",
    "NoBoundaryInMultipartDefect": "a multipart part that declares no boundary",
    "StartBoundaryNotFoundDefect": "a multipart part whose boundary never occurs",
    "CloseBoundaryNotFoundDefect": "a multipart part that is never closed (the message may be cut off)",
    "MultipartInvariantViolationDefect": "a part declared multipart that has no parts",
    "InvalidMultipartContentTransferEncodingDefect": "a multipart part with a transfer encoding",
    "InvalidBase64PaddingDefect": "base64 with wrong padding",
    "InvalidBase64CharactersDefect": "base64 holding characters that do not belong in it",
    "InvalidBase64LengthDefect": "base64 of an impossible length (its last bytes are lost)",
    "MissingHeaderValueDefect": "a header line without a value",
}
# Harmless or already said another way (raw 8-bit headers get a note saying how they were read).
QUIET_DEFECTS = {"ObsoleteHeaderDefect", "UndecodableBytesDefect", "NonASCIILocalPartDefect"}


def read_message(raw) -> tuple[email.message.Message, list[str]]:
    """(the parsed message, what had to be repaired to read it). `raw` is a spool.RawMessage.

    1. Repair the header block if a malformed line hides headers after it; 2. parse with the
    default policy (the old compat32 one if that fails); 3. re-read a multipart whose declared
    boundary is not the one it uses.
    """
    notes = []
    repaired = _repaired_header_block(raw.head(HEADER_BLOCK_LIMIT))
    prefix, offset = b"", 0
    if repaired is not None:
        prefix, offset, notes = repaired
    try:
        message = _parsed(raw, prefix, offset, policy.default)
    except Exception:  # noqa: BLE001 - the strict policy gave up; the old one reads anything
        notes.append("its structure could not be read strictly, only the forgiving way")
        return _parsed(raw, prefix, offset, policy.compat32), notes
    recovered = _with_recovered_boundary(message)
    if recovered is not message:
        notes.append("its parts are separated by another boundary than the one it declares")
    return recovered, notes


def _parsed(raw, prefix, offset, parsing_policy):
    parser = BytesFeedParser(policy=parsing_policy)
    parser.feed(prefix)
    skipped = 0
    for chunk in raw.chunks():
        if skipped + len(chunk) <= offset:
            skipped += len(chunk)
            continue
        parser.feed(chunk[max(offset - skipped, 0) :])
        skipped += len(chunk)
    return parser.close()


def _repaired_header_block(head):
    """(repaired header bytes, how many raw bytes they replace, notes), or None when the header
    block needs no repair: no malformed line, or none followed by a real header."""
    found = BLANK_LINE.search(head)
    block = head[: found.start()] if found else head  # the blank line itself is read from the raw bytes
    lines = block.splitlines(keepends=True)
    kinds = [_line_kind(line, index) for index, line in enumerate(lines)]
    last_header = max((i for i, kind in enumerate(kinds) if kind == "header"), default=-1)
    if not any(kind == "malformed" for kind in kinds[:last_header]):
        return None
    end = last_header + 1
    while end < len(lines) and kinds[end] == "continuation":
        end += 1
    out, notes, seen_header = [], [], False
    for line, kind in zip(lines[:end], kinds[:end], strict=True):
        shown = line.strip()[:60].decode("utf-8", "replace")
        if kind == "malformed" and not seen_header:
            notes.append(f"a stray line before its headers ({shown!r}) was skipped")
            continue
        if kind == "malformed":
            notes.append(f"a header line that is not a header ({shown!r}) was read as part of the one above")
            line = b" " + line
        seen_header = seen_header or kind == "header"
        out.append(_without_space_before_colon(line) if kind == "header" else line)
    return b"".join(out), sum(len(line) for line in lines[:end]), notes


def _line_kind(line, index):
    if index == 0 and line.startswith(b"From "):
        return "envelope"  # an mbox "From " line: the parser knows it
    if HEADER_LINE.match(line):
        return "header"
    if CONTINUATION_LINE.match(line):
        return "continuation"
    return "malformed" if line.strip() else "blank"


def _without_space_before_colon(line):
    name, colon, rest = line.partition(b":")
    return name.rstrip(b" \t") + colon + rest


def _with_recovered_boundary(message):
    """Re-read a multipart whose declared boundary never occurs with the one its body does use.

    Broken mailers declare one boundary and write another (or declare none); the email package
    then sees no parts at all and the agent would get raw MIME. A line "--token" followed by a
    header line ("Content-Type: ...") is taken as the boundary actually used.
    """
    if content_type(message).split("/")[0] != "multipart" or message.is_multipart():
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


# ---- header values -------------------------------------------------------------------------------


def header_pairs(message, hints=(), notes=None):
    """[name, decoded value] of every header, in order: encoded words and raw 8-bit text decoded
    (charsets.decode_header_value), whitespace unfolded. What was wrong with the charset of a header
    agents see (Subject, From...) is added to `notes`."""
    pairs = []
    for name, raw_value in message.raw_items():
        decoded = decode_header_value(str(raw_value), hints)
        if decoded.note and notes is not None and name.lower() in SHOWN_HEADERS:
            notes.append(f"{name}: {decoded.note}")
        pairs.append([name, decoded.text])
    return pairs


def header(headers, name):
    return next((value for key, value in headers if key.lower() == name.lower()), "")


def all_headers(headers, name):
    return [value for key, value in headers if key.lower() == name.lower()]


def raw_headers(message, name):
    """The raw (undecoded) values of every `name` header: addresses are read from these."""
    return [str(value) for key, value in message.raw_items() if key.lower() == name.lower()]


def content_type(part) -> str:
    """part.get_content_type(), or read from the raw header where the email package's parser fails
    on it (a garbled RFC 2231 parameter can make it raise)."""
    try:
        return part.get_content_type()
    except Exception:  # noqa: BLE001 - read the type alone, without its parameters
        found = MEDIA_TYPE.match(" ".join(raw_headers(part, "Content-Type")))
        return found.group(1).lower() if found else "text/plain"


def content_disposition(part) -> str | None:
    """part.get_content_disposition(), or read from the raw header where that fails."""
    try:
        return part.get_content_disposition()
    except Exception:  # noqa: BLE001 - read the disposition alone, without its parameters
        found = re.match(r"\s*([A-Za-z-]+)", " ".join(raw_headers(part, "Content-Disposition")))
        return found.group(1).lower() if found else None


def structure_defects(message) -> list[str]:
    """What the email package found wrong in the message's structure, in plain words, once each."""
    words = []
    for part in message.walk():
        for defect in part.defects:
            kind = type(defect).__name__
            if kind not in QUIET_DEFECTS:
                words.append(DEFECT_WORDS.get(kind) or _plain(kind, defect))
    return list(dict.fromkeys(words))


def _plain(kind, defect):
    detail = str(defect).strip()
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", kind.removesuffix("Defect")).lower()
    return f"{words}: {detail}" if detail else words
