"""Mailboxes (address and name) out of raw address headers (From, Reply-To, To, Cc...). Pure.

The address is only ever taken from the address part of the raw header (inside the angle
brackets, or the bare addr-spec), before any encoded word is decoded: a display name decodes to
anything its writer wants, an address or a line break included, and must never become the address
a reply goes to. The forms real mail programs write are accepted: `Name <addr>`, `addr (Name)`,
`Name addr` without brackets, a trailing dot in the domain, a group (`Team: a@x, b@y;`).
"""

import re
from dataclasses import dataclass

from .charsets import decode_bytes, decode_header_value, has_raw_bytes, to_bytes

SPECIALS = '"(<,;:'
ADDRESS_FORBIDDEN = re.compile(r"[\s<>()\[\],;:\\\"\x00-\x1f\x7f]")
DOMAIN_LITERAL = re.compile(r"\[[^\[\]\s]+\]")
FOUND_ADDRESS = re.compile(r"[^\s<>()\[\],;:\"@]+@[^\s<>()\[\],;:\"@]+\.[^\s<>()\[\],;:\"@]+")


@dataclass(frozen=True)
class Mailbox:
    address: str  # lower-cased, from the address part only
    name: str = ""  # the display name, or the comment of `addr (Name)`, decoded
    notes: tuple[str, ...] = ()  # what had to be repaired, in plain words


def mailboxes(raw_value: str, hints=()) -> list[Mailbox]:
    """Every mailbox with a usable address in a raw header value, in order."""
    found = []
    for segment in _segments(_tokens(raw_value)):
        mailbox = _mailbox(segment, hints)
        if mailbox is not None:
            found.append(mailbox)
    return found


# ---- tokens -------------------------------------------------------------------------------------


def _tokens(value):
    """[(kind, text)]: quoted, comment, angle, atom, and the separators comma, semicolon, colon."""
    text = re.sub(r"[\r\n]+", " ", value)
    tokens, index = [], 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
        elif char == '"':
            index = _read_quoted(text, index, tokens)
        elif char == "(":
            index = _read_comment(text, index, tokens)
        elif char == "<":
            end = text.find(">", index)
            end = len(text) if end < 0 else end
            tokens.append(("angle", text[index + 1 : end]))
            index = end + 1
        elif char in ",;:":
            tokens.append(({",": "comma", ";": "semicolon", ":": "colon"}[char], char))
            index += 1
        else:
            end = index
            while end < len(text) and not text[end].isspace() and text[end] not in SPECIALS:
                end += 1
            tokens.append(("atom", text[index:end] or text[index]))
            index = max(end, index + 1)
    return tokens


def _read_quoted(text, index, tokens):
    chars, index = [], index + 1
    while index < len(text) and text[index] != '"':
        if text[index] == "\\" and index + 1 < len(text):
            index += 1
        chars.append(text[index])
        index += 1
    tokens.append(("quoted", "".join(chars)))
    return index + 1


def _read_comment(text, index, tokens):
    depth, chars, index = 1, [], index + 1
    while index < len(text) and depth:
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            index += 1
            char = text[index]
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if depth:
            chars.append(char)
        index += 1
    tokens.append(("comment", "".join(chars)))
    return index


def _segments(tokens):
    """Tokens split into one list per mailbox. A group's name (`Team:`) is dropped; a segment with
    no address at all is the first half of an unquoted name with a comma (`Doe, Jane <j@x>`)."""
    segments, current = [], []
    for kind, text in tokens:
        if kind == "colon" and not any(k in ("angle",) or "@" in t for k, t in current):
            current = []  # "Team:" opens a group
        elif kind in ("comma", "semicolon"):
            segments.append(current)
            current = []
        else:
            current.append((kind, text))
    segments.append(current)
    merged, pending = [], []
    for segment in segments:
        if segment and not any(kind == "angle" or (kind == "atom" and "@" in text) for kind, text in segment):
            pending += [*segment, ("atom", ",")]
            continue
        merged.append(pending + segment)
        pending = []
    return [segment for segment in merged if segment]


# ---- one mailbox --------------------------------------------------------------------------------


def _mailbox(segment, hints):
    angles = [text for kind, text in segment if kind == "angle"]
    notes = []
    if angles:
        raw_address = angles[-1].rsplit(":", 1)[-1]  # a source route: <@relay:ann@example.com>
        words = [(kind, text) for kind, text in segment if kind in ("atom", "quoted")]
    else:
        at = next((i for i, (kind, text) in enumerate(segment) if kind == "atom" and "@" in text), None)
        if at is None:
            return None
        raw_address = segment[at][1]
        words = [
            (kind, text) for i, (kind, text) in enumerate(segment) if kind in ("atom", "quoted") and i != at
        ]
        if words:
            notes.append("its address is not in angle brackets")
    address, address_notes = clean_address(raw_address)
    if not address:
        return None
    comments = [text for kind, text in segment if kind == "comment"]
    name = _name(words, hints) or _name([("quoted", text) for text in comments], hints)
    if FOUND_ADDRESS.search(name) and address not in name.lower():
        notes.append(f"its name ({name}) looks like an address other than its own")
    return Mailbox(address=address, name=name, notes=tuple(notes + address_notes))


def _name(words, hints):
    raw = " ".join(text for kind, text in words).replace(" ,", ",").strip(" ,")
    return decode_header_value(raw, hints).text.strip(" \"'")


def clean_address(raw_address: str) -> tuple[str, list[str]]:
    """(lower-cased address, notes) of a raw addr-spec, or ("", []) if it is not an address."""
    address = raw_address.strip().strip("<>'\"").strip()
    address = re.sub(r"^mailto:", "", address, flags=re.IGNORECASE)
    if has_raw_bytes(address):
        address = decode_bytes(to_bytes(address), "utf-8").text  # an internationalised address (RFC 6532)
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return "", []
    notes = []
    if domain.endswith("."):
        domain = domain.rstrip(".")
        notes.append("a dot at the end of its domain")
    domain_ok = DOMAIN_LITERAL.fullmatch(domain) or (
        domain and not ADDRESS_FORBIDDEN.search(domain) and "@" not in domain and ".." not in domain
    )
    local_ok = local.startswith('"') or not ADDRESS_FORBIDDEN.search(local)
    if not (domain_ok and local_ok) or "\ufffd" in address:
        return "", []
    return f"{local}@{domain}".lower(), notes
