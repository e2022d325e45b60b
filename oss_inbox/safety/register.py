"""The critical-care register's values and files, read the way people and spreadsheets write them.

Pure: text in, normalised values (or the reason in plain words) out; no database. The services
(tickets.services.critical_care) store the values and match customers against them.

Values, normalised so that one person is one entry whatever the file's spelling:
- email: lower-cased, without "mailto:" or a display name ("Maria <maria@example.com>").
- phone: North American numbers as their 10 digits ("+1 (312) 555-0123" -> 3125550123); other
  countries as + and their digits; an extension is dropped.
- x: the handle, lower-cased, without "@" or the x.com / twitter.com link around it; or a user id.
- facebook: the numeric id (Facebook gives a Page its users' ids, not their names), or a username
  from a facebook.com link, lower-cased.

How a customer matches (identity_keys): an email identity by its address, an X or Facebook one by
its id or handle. There is no phone channel, and reading every message for numbers would cost a
search per message: a phone entry matches an email address whose local part is that number (the
email-to-SMS addresses of carriers, 3125550123@vtext.com), which is cheap and never a guess.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from email.utils import parseaddr

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

EMAIL, PHONE, X, FACEBOOK = "email", "phone", "x", "facebook"
HANDLE = "handle"  # a column of handles of any kind: the value says which (a link, an address)
NAME, NOTE = "name", "note"
# Header words, compared without case, spaces, punctuation or a trailing number ("Email 2").
COLUMNS = {
    **dict.fromkeys(["email", "emailaddress", "mail", "emails"], EMAIL),
    **dict.fromkeys(
        [
            "phone",
            "phonenumber",
            "phoneno",
            "telephone",
            "tel",
            "mobile",
            "cell",
            "cellphone",
            "mobilephone",
            "phones",
        ],
        PHONE,
    ),  # fmt: skip
    **dict.fromkeys(["x", "xhandle", "twitter", "twitterhandle", "xaccount", "twitteraccount"], X),
    **dict.fromkeys(
        ["facebook", "fb", "facebookid", "facebookhandle", "facebookprofile", "facebookurl"], FACEBOOK
    ),
    **dict.fromkeys(["handle", "handles", "username", "socialhandle", "account"], HANDLE),
    **dict.fromkeys(
        [
            "name",
            "fullname",
            "customer",
            "customername",
            "contact",
            "contactname",
            "firstname",
            "lastname",
            "surname",
            "organization",
            "organisation",
        ],
        NAME,
    ),  # fmt: skip
    **dict.fromkeys(["note", "notes", "comment", "comments", "remarks", "reason", "equipment"], NOTE),
}
IDENTIFIERS = (EMAIL, PHONE, X, FACEBOOK, HANDLE)
MAX_FILE_BYTES = 2_000_000
NAME_LENGTH, NOTE_LENGTH, WRITTEN_LENGTH = 200, 500, 255

_X_LINK = re.compile(r"(?i)^(?:https?://)?(?:www\.|mobile\.)?(?:x|twitter)\.com/(?P<path>[^?#]*)")
_FACEBOOK_LINK = re.compile(r"(?i)^(?:https?://)?(?:www\.|m\.|web\.)?(?:facebook|fb)\.com/(?P<path>[^#]*)")
_X_HANDLE = re.compile(r"[a-z0-9_]{1,15}")
_DIGITS_ID = re.compile(r"\d{1,20}")
_FACEBOOK_NAME = re.compile(r"[a-z0-9.]{5,50}")
_EXTENSION = re.compile(r"(?i)\s*(?:ext\.?|extension|x|#)\s*\d{1,6}\s*$")
_PHONE_LOCAL_PART = re.compile(r"\+?[0-9][0-9().\- ]{6,}")
_SEPARATORS = re.compile(r"[\n|,;]")
_PHONE_LIKE = re.compile(r"\+?[0-9(][0-9().\- ]{6,}")


class NotAValue(ValueError):
    """The text is not a value of that kind; the message says why, in words for the person importing."""


class UnreadableFile(ValueError):
    """The file cannot be read as a register at all; nothing of it is imported."""


@dataclass(frozen=True)
class Value:
    """One value read from a file line (or typed): kind, normalised value, as written, who, why."""

    line: int
    kind: str
    value: str
    written: str
    name: str = ""
    note: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.value)


@dataclass(frozen=True)
class Rejected:
    line: int
    written: str
    reason: str


@dataclass
class RegisterFile:
    """What a file holds: its values (first time each), repeats of a value on a later line, rejected
    values with their line and reason, and the columns read and ignored."""

    values: list[Value] = field(default_factory=list)
    repeated: list[tuple[Value, int]] = field(default_factory=list)  # (value, line it first appeared on)
    rejected: list[Rejected] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    text: str = ""  # the file as read, so that a previewed file can be imported without a second upload


# Values ------------------------------------------------------------------------------------------


def normalise(kind: str, written: str) -> str:
    """The value as stored and matched; NotAValue saying why when it is not one of `kind`."""
    text = " ".join(written.split())
    if not text:
        raise NotAValue("is empty")
    return {EMAIL: normalise_email, PHONE: normalise_phone, X: normalise_x, FACEBOOK: normalise_facebook}[
        kind
    ](text)


def normalise_email(text: str) -> str:
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:") :]
    address = parseaddr(text)[1] if "<" in text else text
    address = address.strip().strip("<>").lower()
    try:
        validate_email(address)
    except ValidationError:
        raise NotAValue("is not an email address") from None
    return address


def normalise_phone(text: str) -> str:
    text = _EXTENSION.sub("", text.strip())
    if re.search(r"\d[.,]\d*e\+?\d", text, re.IGNORECASE):
        raise NotAValue(
            "was turned into a number by the spreadsheet (like 3.12555E+09): format the column as text"
        )
    if re.search(r"[A-Za-z]", text):
        raise NotAValue("is not a phone number (it has letters)")
    digits = re.sub(r"\D", "", text)
    international = text.startswith("+") or text.startswith("00")
    if text.startswith("00"):
        digits = digits[2:]
    if len(digits) == 11 and digits[0] == "1":  # North America with its country code
        digits, international = digits[1:], False
    if len(digits) == 10 and not international:
        if digits[0] in "01" or digits[3] in "01":
            raise NotAValue("is not a North American number (area code and exchange start with 2-9)")
        return digits
    if international and 8 <= len(digits) <= 15:
        return "+" + digits
    raise NotAValue("is not a phone number: write its 10 digits (312 555 0123), or + and the country code")


def normalise_x(text: str) -> str:
    link = _X_LINK.match(text)
    if link:
        parts = [part for part in link["path"].split("/") if part]
        if parts[:2] == ["i", "user"] and len(parts) > 2:
            parts = parts[2:]
        if not parts or parts[0].lower() in ("i", "home", "search", "intent", "hashtag"):
            raise NotAValue("is a link to X, but not to an account")
        text = parts[0]
    value = text.strip().lstrip("@").lower()
    if _X_HANDLE.fullmatch(value) or _DIGITS_ID.fullmatch(value):
        return value
    if _FACEBOOK_LINK.match(text):
        raise NotAValue("is a Facebook link: put it in the facebook column")
    raise NotAValue("is not an X handle (letters, digits and _, at most 15) or user id")


def normalise_facebook(text: str) -> str:
    link = _FACEBOOK_LINK.match(text)
    if link:
        path, _, query = link["path"].partition("?")
        number = re.search(r"(?:^|&)id=(\d+)", query)
        parts = [part for part in path.split("/") if part]
        if number:
            text = number[1]
        elif parts and parts[0].lower() == "people" and parts[-1].isdigit():
            text = parts[-1]
        elif parts and parts[0].lower() not in ("profile.php", "groups", "pages", "events", "watch"):
            text = parts[0]
        else:
            raise NotAValue("is a link to Facebook, but not to a person")
    value = text.strip().lstrip("@").lower()
    if _DIGITS_ID.fullmatch(value) or _FACEBOOK_NAME.fullmatch(value):
        return value
    raise NotAValue("is not a Facebook id (its digits) or username")


def guess_kind(text: str) -> str:
    """The kind of a value in a column of handles: a link says its site, an address is an email, a
    number written as one ("+1 312-555-0123") a phone, anything else an X handle."""
    stripped = text.strip()
    if _FACEBOOK_LINK.match(stripped):
        return FACEBOOK
    if _X_LINK.match(stripped):
        return X
    if "@" in stripped.lstrip("@"):
        return EMAIL
    if _PHONE_LIKE.fullmatch(stripped) and not stripped.isdigit():  # bare digits are an X user id
        return PHONE
    return X


def identity_keys(channel: str, external_id: str, handle: str = "") -> set[tuple[str, str]]:
    """The register keys (kind, value) a customer's identity on `channel` (twitter, facebook,
    email) matches: its address, id or handle, and the phone number of an email-to-SMS address."""
    external_id, handle = (external_id or "").strip().lower(), (handle or "").strip().lstrip("@").lower()
    if channel == "email":
        keys = {(EMAIL, external_id)}
        local_part = external_id.partition("@")[0]
        if _PHONE_LOCAL_PART.fullmatch(local_part):
            try:
                keys.add((PHONE, normalise_phone(local_part)))
            except NotAValue:
                pass
        return keys
    kind = {"twitter": X, "facebook": FACEBOOK}.get(channel)
    if kind is None:
        return set()
    return {(kind, value) for value in (external_id, handle) if value}


# Files -------------------------------------------------------------------------------------------


def read_register_file(data: bytes) -> RegisterFile:
    """Read a CSV file of the register: a header row naming the columns, then one person per line.

    Accepts a BOM, UTF-8 / UTF-16 / Windows-1252, commas, semicolons, tabs or bars, blank lines,
    extra columns (ignored), several values in one cell ("a@x.com; b@x.com"). A value that is not
    one is rejected with its line; a file that cannot be read at all raises UnreadableFile, and
    nothing of it is imported.
    """
    text = _text_of(data)
    rows = _records(text)
    header_line, header = next(((line, row) for line, row in rows if any(c.strip() for c in row)), (0, []))
    if not header:
        raise UnreadableFile("The file is empty.")
    columns = [COLUMNS.get(_column_word(cell)) for cell in header]
    if not any(column in IDENTIFIERS for column in columns):
        raise UnreadableFile(
            "The first line must name the columns, e.g. “email,phone,x,facebook,name,note”; it reads "
            f"“{_short(','.join(header), 80)}”."
        )
    register = RegisterFile(
        text=text,
        columns=[cell.strip() for cell, column in zip(header, columns, strict=True) if column],
        ignored_columns=[cell.strip() for cell, column in zip(header, columns, strict=True) if not column],
    )
    seen = {}
    for line, row in rows:
        if line > header_line and any(cell.strip() for cell in row):
            _read_row(register, seen, line, row, columns)
    return register


def _records(text):
    """[(line it starts on, cells)]; UnreadableFile in words for a quote that breaks the file."""
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records, start = [], 1
    try:
        for row in reader:
            records.append((start, row))
            start = reader.line_num + 1
    except csv.Error as error:
        if "end of data" in str(error):
            raise UnreadableFile(
                f"Line {start}: a quotation mark opens a value that is never closed; nothing was imported."
            ) from None
        if "field larger" in str(error):
            raise UnreadableFile(f"Line {start}: a value is far too long; is this the right file?") from None
        raise UnreadableFile(
            f'Line {start}: a value has text after its closing quotation mark (like "abc"def): quote the '
            "whole value and double any quotation mark inside it. Nothing was imported."
        ) from None
    return records


def _text_of(data):
    if not data or not data.strip():
        raise UnreadableFile("The file is empty.")
    if data[:4] == b"PK\x03\x04" or data[:4] == b"\xd0\xcf\x11\xe0":
        raise UnreadableFile(
            "This is an Excel workbook, not a CSV file: in Excel choose File › Save As › “CSV UTF-8”, and "
            "upload that."
        )
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile(f"The file is larger than {MAX_FILE_BYTES // 1_000_000} MB: split it in parts.")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:  # cut off mid-character, or not UTF-16 after all
            raise UnreadableFile(
                "The file says it is UTF-16 but cannot be read as such: save it again as “CSV UTF-8”."
            ) from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:  # Excel's plain "CSV" on Windows
            text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise UnreadableFile("This does not look like a text file: upload the register as CSV.")
    return text.lstrip("\ufeff")


def _delimiter(text):
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {delimiter: first.count(delimiter) for delimiter in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _column_word(cell):
    return re.sub(r"\d+$", "", re.sub(r"[^a-z0-9]", "", cell.lower()))


def _read_row(register, seen, line, row, columns):
    cells = list(zip(columns, row, strict=False))  # a short row lacks its last cells; extra cells are ignored
    name = _short(" ".join(c.strip() for column, c in cells if column == NAME and c.strip()), NAME_LENGTH)
    note = _short("; ".join(c.strip() for column, c in cells if column == NOTE and c.strip()), NOTE_LENGTH)
    found = False
    for column, cell in cells:
        if column not in IDENTIFIERS:
            continue
        for written in (part.strip() for part in _SEPARATORS.split(cell)):
            if not written:
                continue
            found = True
            kind = guess_kind(written) if column == HANDLE else column
            try:
                value = Value(
                    line, kind, normalise(kind, written), _short(written, WRITTEN_LENGTH), name, note
                )
            except NotAValue as refused:
                register.rejected.append(Rejected(line, written, f"“{written}” {refused}"))
                continue
            if value.key in seen:
                register.repeated.append((value, seen[value.key]))
            else:
                seen[value.key] = line
                register.values.append(value)
    if not found:
        register.rejected.append(
            Rejected(
                line,
                _short("; ".join(cell.strip() for cell in row if cell.strip()), 80),
                "no email, phone number, X handle or Facebook id",
            )
        )


def _short(text, length):
    return text if len(text) <= length else text[: length - 1] + "…"
