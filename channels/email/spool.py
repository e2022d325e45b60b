"""Large mail without holding it whole: the raw message read a chunk at a time, large attachments
written to temporary files as they are decoded.

A 20 MB message parsed with `email.message_from_bytes` costs about eight times its size at the
peak (the bytes, a str copy of them, and the UCS-4 buffer of the StringIO the parser reads from);
fed to the same parser in chunks, under three times (its body lines, before they are joined). Its
decoded attachment then goes to a named temporary file, slice by slice for well-formed base64, so
that it is never in memory twice more; `tickets.services` moves that file into storage.
"""

import binascii
import hashlib
import io
import re
import tempfile
from email.feedparser import BytesFeedParser

READ_CHUNK = 64 * 1024
# Attachments larger than this (as encoded in the message) go to a temporary file.
ATTACHMENT_IN_MEMORY = 1024 * 1024
DECODE_SLICE = 1024 * 1024  # characters of base64 decoded at a time
SPOOL_PREFIX = "oss-inbox-"
BASE64_DIGITS = re.compile(rb"[A-Za-z0-9+/]*")
BASE64_LAST = re.compile(rb"[A-Za-z0-9+/]*={0,2}")


class RawMessage:
    """A message's bytes, in memory or in a binary file, read a chunk at a time from its start."""

    def __init__(self, raw):
        self.file = io.BytesIO(raw) if isinstance(raw, (bytes, bytearray)) else raw

    def chunks(self):
        self.file.seek(0)
        while chunk := self.file.read(READ_CHUNK):
            yield chunk

    @property
    def size(self):
        return self.file.seek(0, io.SEEK_END)

    def head(self, size):
        self.file.seek(0)
        return self.file.read(size)

    def read_all(self):
        self.file.seek(0)
        return self.file.read()

    def sha256(self):
        digest = hashlib.sha256()
        for chunk in self.chunks():
            digest.update(chunk)
        return digest.hexdigest()

    def parsed(self, policy):
        # What email.message_from_bytes does, fed in chunks instead of one str of the whole message.
        parser = BytesFeedParser(policy=policy)
        for chunk in self.chunks():
            parser.feed(chunk)
        return parser.close()


def attachment_content(part, part_bytes):
    """{"data": the bytes} of a small attachment; {"file": a named temporary file} of a large one.

    `part_bytes(part)` decodes a part whole; base64 that is well formed is decoded into the file a
    slice at a time instead (the same bytes: anything else is decoded the forgiving way, whole).
    """
    payload = part.get_payload()
    if not isinstance(payload, str) or len(payload) <= ATTACHMENT_IN_MEMORY:
        data = part_bytes(part)
        return {"data": data} if len(data) <= ATTACHMENT_IN_MEMORY else {"file": _spooled(data)}
    file = tempfile.NamedTemporaryFile(prefix=SPOOL_PREFIX, suffix=".part")
    encoding = str(part.get("content-transfer-encoding", "")).strip().lower()
    if encoding != "base64" or not write_base64(payload, file):
        file.seek(0)
        file.truncate()
        file.write(part_bytes(part))
    file.flush()
    file.seek(0)
    return {"file": file}


def _spooled(data):
    file = tempfile.NamedTemporaryFile(prefix=SPOOL_PREFIX, suffix=".part")
    file.write(data)
    file.flush()
    file.seek(0)
    return file


def write_base64(payload, out):
    """Decode well-formed base64 (line breaks aside, only base64 digits, padding only at the end)
    into `out`, a slice at a time; False, with part of it written, for anything else."""
    carry = b""
    for start in range(0, len(payload), DECODE_SLICE):
        last = start + DECODE_SLICE >= len(payload)
        try:
            digits = carry + payload[start : start + DECODE_SLICE].encode("ascii").translate(None, b"\r\n")
        except UnicodeEncodeError:
            return False
        if not (BASE64_LAST if last else BASE64_DIGITS).fullmatch(digits):
            return False
        usable = len(digits) if last else len(digits) - len(digits) % 4
        if usable % 4:
            return False  # missing padding: the email package repairs it and notes a defect
        out.write(binascii.a2b_base64(digits[:usable]))
        carry = digits[usable:]
    return True
