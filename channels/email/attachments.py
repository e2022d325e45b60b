"""Attachments of an email: their names, whatever form the sender wrote them in, and their types.
Pure functions.

Names come from Content-Disposition's filename, else Content-Type's name, written as RFC 2231
(`filename*0*=utf-8''...` with continuations and a charset), as RFC 2047 encoded words (what
Outlook and Gmail write), as raw 8-bit bytes in a legacy charset (decoded like a header), or
unquoted with spaces in them. A name is cut to the 255 characters the database keeps, keeping its
extension. Aliases of image types (`image/jpg`, `image/pjpeg`) are normalised, and an image sent
as `application/octet-stream` is known by its extension, so that agents see a preview.
"""

import mimetypes
import re
from pathlib import PurePosixPath

from channels.base import InboundAttachment

from .charsets import decode_bytes, decode_header_value, to_bytes
from .headers import content_type, header, header_pairs, raw_headers
from .spool import attachment_content

FILENAME_LIMIT = 255  # tickets.Attachment.filename
EXTENSION_LIMIT = 16
CONTENT_TYPE_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/jpe": "image/jpeg",
    "image/x-citrix-jpeg": "image/jpeg",
    "image/x-png": "image/png",
    "image/x-citrix-png": "image/png",
}
IMAGE_EXTENSIONS = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".jpe": "image/jpeg",
    ".jfif": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
# Types that say nothing about the file: its extension says more.
GENERIC_TYPES = {
    "application/octet-stream",
    "application/x-octet-stream",
    "application/unknown",
    "application/binary",
    "application/download",
    "application/force-download",
    "binary/octet-stream",
    "image/unknown",
    "image/octet-stream",
    "image/*",
}
RFC2231_SECTION = re.compile(r"^([^*]+)(?:\*(\d+))?(\*)?$")
PARAMETER_START = re.compile(r";\s*([^=;\s]+)\s*=\s*")


def attachment(part, number, part_bytes, hints=(), notes=None) -> InboundAttachment:
    """The InboundAttachment of a leaf part; `number` names a part that has no name."""
    declared = content_type(part)
    if declared == "message/rfc822":
        name = fitted(f"{_attached_subject(part)}.eml", notes)
        return InboundAttachment(filename=name, content_type=declared, **attachment_content(part, part_bytes))
    name = filename_of(part, hints, notes)
    shown_type = content_type_for(declared, name)
    if not name:
        textual = shown_type.startswith(("text/", "message/"))
        extension = mimetypes.guess_extension(shown_type) or (".txt" if textual else ".bin")
        name = f"part-{number}{extension}"
    return InboundAttachment(filename=name, content_type=shown_type, **attachment_content(part, part_bytes))


def _attached_subject(part):
    inner = part.get_payload()
    inner = inner[0] if isinstance(inner, list) and inner else None
    subject = header(header_pairs(inner), "Subject") if inner is not None else ""
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", subject).strip(" ._")[:150] or "message"


def content_type_for(declared: str, filename: str) -> str:
    """The declared type with image aliases normalised; an image extension decides a generic type."""
    content_type = CONTENT_TYPE_ALIASES.get(declared, declared)
    by_extension = IMAGE_EXTENSIONS.get(PurePosixPath(filename.lower()).suffix)
    return by_extension if by_extension and content_type in GENERIC_TYPES else content_type


def filename_of(part, hints=(), notes=None) -> str:
    """The decoded, cleaned, fitted file name of a part; "" if it has none."""
    for header_name, parameter in (("Content-Disposition", "filename"), ("Content-Type", "name")):
        for raw_value in raw_headers(part, header_name):
            name = _clean(parameter_value(raw_value, parameter, hints))
            if name:
                return fitted(name, notes)
    return ""


def _clean(name):
    name = re.sub(r"[\x00-\x1f\x7f]", "", name)
    name = re.split(r"[\\/]", name)[-1]  # a full path, as some mail programs send it
    return " ".join(name.split()).strip()


def fitted(name: str, notes=None) -> str:
    """`name` cut to FILENAME_LIMIT characters, its extension kept."""
    if len(name) <= FILENAME_LIMIT:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > EXTENSION_LIMIT or " " in extension:
        stem, extension = name, ""
    suffix = f".{extension}" if extension else ""
    if notes is not None:
        notes.append(f"an attachment's name was longer than {FILENAME_LIMIT} characters and was cut")
    return stem[: FILENAME_LIMIT - len(suffix)].rstrip() + suffix


# ---- parameters ----------------------------------------------------------------------------------


def parameter_value(raw_value: str, wanted: str, hints=()) -> str:
    """The decoded value of parameter `wanted` of a raw Content-Type or Content-Disposition value.
    An RFC 2231 form (`name*`, `name*0*`...) wins over the plain one, which is decoded like a
    header (encoded words, raw 8-bit)."""
    plain, sections = None, {}
    for name, value, quoted in _parameters(raw_value):
        found = RFC2231_SECTION.match(name)
        if found and found.group(1) == wanted and (found.group(2) is not None or found.group(3)):
            sections[int(found.group(2) or 0)] = (value, bool(found.group(3)), quoted)
        elif name == wanted and plain is None:
            plain = value
    if sections:
        decoded = _rfc2231(sections, hints)
        if decoded:
            return decoded
    return decode_header_value(plain, hints).text if plain else ""


def _parameters(raw_value):
    """[(lower-cased name, raw value, quoted)] of `; name=value` pairs; an unquoted value runs to the
    next semicolon, spaces and all."""
    text = re.sub(r"\r?\n", "", raw_value)
    found, index = [], text.find(";")
    while 0 <= index < len(text):
        match = PARAMETER_START.match(text, index)
        if match is None:
            index = text.find(";", index + 1)
            continue
        name, index = match.group(1).lower(), match.end()
        if index < len(text) and text[index] == '"':
            value, index = _quoted(text, index)
            found.append((name, value, True))
            index = text.find(";", index)
        else:
            end = text.find(";", index)
            end = len(text) if end < 0 else end
            found.append((name, text[index:end].strip(), False))
            index = end
    return found


def _quoted(text, index):
    chars, index = [], index + 1
    while index < len(text) and text[index] != '"':
        if text[index] == "\\" and index + 1 < len(text) and text[index + 1] in '"\\':
            index += 1
        chars.append(text[index])
        index += 1
    return "".join(chars), index + 1


def _rfc2231(sections, hints):
    """RFC 2231 sections joined and decoded: `charset'language'%XX...` in the first extended one."""
    charset, data = None, b""
    for number in sorted(sections):
        value, extended, _quoted_value = sections[number]
        if extended and number == min(sections) and value.count("'") >= 2:
            charset, _language, value = value.split("'", 2)
        data += _percent_decoded(value) if extended else to_bytes(value)
    return decode_bytes(data, charset or None, hints).text


def _percent_decoded(value):
    raw = to_bytes(value)
    return re.sub(rb"%([0-9A-Fa-f]{2})", lambda match: bytes([int(match.group(1), 16)]), raw)
