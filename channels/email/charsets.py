"""Bytes of a mail -> text, in whatever charset they are really in. Pure functions.

The declared charset is read first, as its vendor superset (mail programs label text with the
older, smaller charset of a family and write its superset, as browsers know: GB2312 mail holds
GBK characters, Shift_JIS mail holds NEC circled digits, "Latin-1" mail holds Windows curly
quotes). Text that is not in its declared charset, or declares none, is read as UTF-8 if it is
UTF-8, else by detection (detection.py). A replacement character is stored only for bytes that
no charset reads.
"""

import binascii
import codecs
import re
from dataclasses import dataclass

from .detection import SAMPLE_BYTES, best_decoding, normalizer_guess

SUPERSETS = {
    "shift_jis": "cp932",
    "shift_jis_2004": "cp932",
    "shift_jisx0213": "cp932",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
    "big5": "cp950",
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
}
# ISO-8859-x and its Windows page differ in places, but bytes 0x80-0x9F are controls in the first
# (never meant in text) and punctuation or letters in the second: those are read the Windows way.
WINDOWS_SIBLINGS = {
    "iso8859-2": "cp1250",
    "iso8859-4": "cp1257",
    "iso8859-5": "cp1251",
    "iso8859-6": "cp1256",
    "iso8859-7": "cp1253",
    "iso8859-8": "cp1255",
    "iso8859-13": "cp1257",
    "iso8859-15": "cp1252",
}
# Labels Python does not know, as mail programs write them.
LABELS = {
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "x-gbk": "gb18030",
    "x-euc-jp": "euc_jp",
    "iso-8859-8-i": "iso8859-8",
    "windows-874": "cp874",
    "x-mac-roman": "mac-roman",
}
UNLABELLED = {"", "ascii", "unknown-8bit", "x-unknown", "default", "unknown", "8bit", "binary", "none"}
# Where the declared charset fails, its neighbours are the likeliest truth.
FAMILIES = {
    "ja": ("cp932", "euc_jp"),
    "zh": ("gb18030", "cp950"),
    "ko": ("cp949",),
}
FAMILY_OF = {
    "cp932": "ja",
    "euc_jp": "ja",
    "iso2022_jp": "ja",
    "gb18030": "zh",
    "cp950": "zh",
    "hz": "zh",
    "cp949": "ko",
    "iso2022_kr": "ko",
}
# UTF-8 with at most one undecodable byte in this many non-ASCII characters is still UTF-8.
STRAY_BYTES_ALLOWED = 50
ASCII_BYTES = bytes(range(128))
SEVEN_BIT_CODECS = {"utf-7", "hz", "iso2022_kr", "iso2022_jp"}
ISO_2022_JP_ESCAPE = re.compile(rb"\x1b(?:\$[@B]|\$\(D|\(I)")
READABLE_NAMES = {
    "cp932": "Shift_JIS (cp932)",
    "gb18030": "GB18030",
    "cp949": "EUC-KR (cp949)",
    "cp950": "Big5 (cp950)",
    "cp1252": "Windows-1252",
    "euc_jp": "EUC-JP",
    "iso2022_jp": "ISO-2022-JP",
}


@dataclass(frozen=True)
class Decoded:
    text: str
    codec: str  # what it was read as
    note: str = ""  # what was wrong with its labelling, in plain words; "" if nothing


def codec_for(label: str | None) -> str:
    """The Python codec (vendor superset) for a MIME charset label; "" if unlabelled or unknown."""
    name = (label or "").strip().strip("\"'").lower()
    name = name.split("*", 1)[0]  # RFC 2231 language suffix: "utf-8*en"
    if name in UNLABELLED or not name.isascii():
        return ""
    name = LABELS.get(name, name)
    for candidate in (name, name.removeprefix("x-"), name.replace("-", "")):
        try:
            codec = codecs.lookup(candidate).name
        except (LookupError, ValueError):
            continue
        return "" if codec == "ascii" else SUPERSETS.get(codec, codec)
    return ""


def readable(codec: str) -> str:
    return READABLE_NAMES.get(codec, codec.upper())


def decode_bytes(data: bytes, declared: str | None = None, hints=()) -> Decoded:
    """Text of `data`, labelled `declared` (or not); `hints` are the other charsets the message
    declares, tried before the common ones when the declared one fails or is absent."""
    label = (declared or "").strip().strip("\"'")
    codec = codec_for(label)
    if not data:
        return Decoded("", codec or "ascii")
    if codec.startswith(("utf-16", "utf-32")):
        try:
            return Decoded(data.decode(codec, errors="replace"), codec)
        except UnicodeError:  # no byte order mark: read as if undeclared
            codec = ""
    if data.isascii():
        return _seven_bit(data, codec, label)
    utf8 = _mostly_utf8(data)
    if utf8 is not None:
        return utf8
    if codec:
        try:
            return Decoded(_decode_strictly(data, codec), codec)
        except (UnicodeError, LookupError):
            pass
    family = FAMILIES.get(FAMILY_OF.get(codec, ""), ())
    guess = codec_for(normalizer_guess(data[:SAMPLE_BYTES]))
    candidates = [codec, *family, *(codec_for(hint) for hint in hints)]
    found, text = best_decoding(data, [name for name in candidates if name], guess)
    return Decoded(text, found, _note(label, codec, found))


def _mostly_utf8(data):
    """UTF-8 text, or UTF-8 text with a few stray bytes of another charset (a Windows-1252 word
    pasted into it), those read as Windows-1252; None if it is not UTF-8. Text in a legacy charset is
    almost never valid UTF-8 by accident, so a label that says otherwise is wrong."""
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    strays = data.decode("utf-8", errors="replace").count("\ufffd")
    non_ascii_bytes = len(data.translate(None, ASCII_BYTES))
    if strays * STRAY_BYTES_ALLOWED * 2 > non_ascii_bytes:  # a non-ASCII character is 2 bytes or more
        return None
    note = f"{strays} byte(s) that are not UTF-8 in UTF-8 text, read as Windows-1252"
    return Decoded(data.decode("utf-8", errors="oss-inbox-cp1252"), "utf-8", note)


def decode_text(data: bytes, declared: str | None = None, hints=()) -> str:
    return decode_bytes(data, declared, hints).text


def _seven_bit(data, codec, label):
    if ISO_2022_JP_ESCAPE.search(data):
        note = "" if FAMILY_OF.get(codec) == "ja" else _note(label, codec, "iso2022_jp")
        return Decoded(decode_iso2022jp(data), "iso2022_jp", note)
    if codec in SEVEN_BIT_CODECS:
        try:
            return Decoded(data.decode(codec), codec)
        except UnicodeError:
            pass
    return Decoded(data.decode("ascii"), "ascii")


def _decode_strictly(data, codec):
    sibling = WINDOWS_SIBLINGS.get(codec)
    if sibling and re.search(rb"[\x80-\x9f]", data):
        return "".join(_windows_where_control(char, sibling) for char in data.decode(codec))
    return data.decode(codec)


def _windows_where_control(char, sibling):
    if "\x80" <= char <= "\x9f":
        read = char.encode("latin-1").decode(sibling, errors="ignore")
        return read or char
    return char


def _note(label, codec, found):
    if not label or label.lower() in UNLABELLED:
        return f"text in an undeclared charset, read as {readable(found)}"
    if not codec:
        return f"an unknown charset {label!r}, read as {readable(found)}"
    return f"labelled {label} but not written in it, read as {readable(found)}"


# ---- ISO-2022-JP -------------------------------------------------------------------------------

ISO_2022_JP_MODES = {
    b"\x1b(B": "ascii",
    b"\x1b(J": "ascii",
    b"\x1b(I": "kana",
    b"\x1b$@": "jis",
    b"\x1b$B": "jis",
    b"\x1b$(D": "jis",  # JIS X 0212: not in cp932; read as JIS X 0208 would be garbage, but never fails
}
ISO_2022_JP_SPLIT = re.compile(rb"(\x1b\(B|\x1b\(J|\x1b\(I|\x1b\$@|\x1b\$B|\x1b\$\(D)")


def decode_iso2022jp(data: bytes) -> str:
    """ISO-2022-JP as Microsoft writes it (CP50220: with NEC circled digits and IBM kanji), via
    the Shift_JIS bytes of the same JIS codes, read as cp932. Standard ISO-2022-JP first."""
    try:
        return data.decode("iso2022_jp_2")
    except UnicodeDecodeError:
        pass
    shift_jis = bytearray()
    mode = "ascii"
    for piece in ISO_2022_JP_SPLIT.split(data):
        if piece in ISO_2022_JP_MODES:
            mode = ISO_2022_JP_MODES[piece]
        elif mode == "ascii":
            shift_jis += piece
        elif mode == "kana":
            shift_jis += bytes(byte | 0x80 if 0x21 <= byte <= 0x5F else byte for byte in piece)
        else:
            shift_jis += _jis_to_shift_jis(piece)
    return bytes(shift_jis).decode("cp932", errors="replace")


def _jis_to_shift_jis(piece):
    out = bytearray()
    index = 0
    while index < len(piece):
        first = piece[index]
        second = piece[index + 1] if index + 1 < len(piece) else 0
        if not (0x21 <= first <= 0x7E and 0x21 <= second <= 0x7E):
            out.append(first)  # a line end left inside a kanji run, or a truncated pair
            index += 1
            continue
        lead = (first + 1) // 2 + (0x70 if first <= 0x5E else 0xB0)
        trail = second + (0x1F if first % 2 else 0x7E)
        if first % 2 and trail >= 0x7F:
            trail += 1
        out += bytes((lead, trail))
        index += 2
    return out


# ---- headers -----------------------------------------------------------------------------------

ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")


def to_bytes(value: str) -> bytes:
    """The bytes of a header value as the email package keeps it (8-bit bytes as surrogates)."""
    return value.encode("utf-8", "surrogateescape")


def has_raw_bytes(text: str) -> bool:
    return any("\udc80" <= char <= "\udcff" for char in text)


def decode_header_value(value: str, hints=()) -> Decoded:
    """A raw header value with its RFC 2047 encoded words and raw 8-bit text decoded, unfolded.

    Adjacent encoded words in one charset are joined before decoding (mail programs split a
    character's bytes across two words). The note is the first thing wrong with its charsets.
    """
    pieces = _pieces(value)
    texts, notes = [], []
    for data, charset, encoded in pieces:
        decoded = decode_bytes(data, charset if encoded else None, hints)
        texts.append(decoded.text)
        if decoded.note:
            notes.append(decoded.note)
    text = re.sub(r"[ \t\r\n]+", " ", "".join(texts)).strip()  # not str.split(): it takes U+3000 for a space
    text = "".join(char for char in text if char >= " " and not "\x7f" <= char <= "\x9f")
    return Decoded(text, "", notes[0] if notes else "")


def _pieces(value):
    """[(bytes, charset, encoded)] of a header value: raw text and encoded words in turn."""
    pieces = []
    position = 0
    for match in ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        if between and not (pieces and pieces[-1][2] and not between.strip()):
            pieces.append((to_bytes(between), None, False))
        charset = match.group(1).split("*", 1)[0]
        data = _word_bytes(match.group(2), match.group(3))
        if pieces and pieces[-1][2] and pieces[-1][1].lower() == charset.lower():
            pieces[-1] = (pieces[-1][0] + data, charset, True)
        else:
            pieces.append((data, charset, True))
        position = match.end()
    if position < len(value):
        pieces.append((to_bytes(value[position:]), None, False))
    return pieces


def _word_bytes(encoding, text):
    data = to_bytes(text)
    if encoding.lower() == "q":
        return binascii.a2b_qp(data, header=True)
    digits = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
    digits = digits[: len(digits) - len(digits) % 4 if len(digits) % 4 == 1 else len(digits)]
    return binascii.a2b_base64(digits + b"=" * (-len(digits) % 4))
