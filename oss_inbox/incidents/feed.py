"""Reading an outage feed. Pure: the bytes a URL answered and their content type in, the outages it
lists (or why it cannot be read, in words) out.

Outage-map vendors publish current outages as JSON or CSV, each with its own field names: a list of
records at the top or under a key ("outages", "areas", "features"...), ArcGIS layers' `attributes` and
GeoJSON's `properties`, Kubra-style `desc` objects and `{"val": 120}` counts. We accept the common
names (see FIELDS) whatever their case and punctuation ("customersOut", "Customers Out",
"CUSTOMERS_OUT"), and ETRs as ISO 8601 (a time without an offset is in the utility's time zone), as
epoch seconds or milliseconds, or as "/Date(1765141200000)/".

1. The whole body is refused (`FeedReading.error`, nothing else) when it is not a feed at all: an
   HTML page, JSON that does not parse or holds no list of records, a CSV with no area column.
2. Each record becomes a `FeedRow`, or a problem naming it ("Row 4 (Harlan North): customers out
   'lots' is not a number.") while the other rows still count.
3. Rows of one outage key (the feed's id, else the area's name) are one outage: an area's outages
   listed one by one add up (customers summed, the latest ETR).
"""

import csv
import io
import json
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo

MAX_ROWS = 20_000
# Field names as vendors write them, compared lowercased without spaces, dashes or underscores,
# in order of preference ("area" before "name": a feed may have both).
FIELDS = {
    "area": (
        "area", "areaname", "region", "regionname", "servicearea", "name", "feeder", "feedername", "circuit",
        "location", "locationname", "town", "city", "district", "county", "title",
    ),
    "customers_out": (
        "customersout", "customersaffected", "custaffected", "custa", "customersoutofservice", "custout",
        "nout", "numout", "out", "affected", "customers", "outagecount",
    ),
    "cause": ("cause", "outagecause", "causedescription", "reason"),
    "etr": (
        "etr", "estimatedrestoration", "estimatedrestorationtime", "estimatedtimeofrestoration",
        "estrestoration", "restorationtime", "ert", "etrtime", "eta",
    ),
    "status": ("status", "crewstatus", "outagestatus", "state"),
    "id": ("id", "outageid", "incidentid", "eventid", "outagenumber", "objectid", "key"),
}  # fmt: skip
# Where a JSON document keeps its list of records, when it is not the document itself.
LIST_KEYS = ("outages", "areas", "features", "items", "data", "results", "records", "events", "incidents")
# Records wrapped the ArcGIS, GeoJSON and Kubra ways: their fields are one level down.
WRAPPERS = ("attributes", "properties", "desc")
# What feeds write while no ETR is set: no time, and no problem either.
NO_ETR_YET = {
    "", "null", "none", "n/a", "na", "tbd", "unknown", "pending", "assessing", "under evaluation",
    "evaluating", "not available", "--", "-", "etr-null", "etr-exp",
}  # fmt: skip
# The feed's status words, read as an incident's status. Anything else leaves the status alone.
STATUS_WORDS = (
    (
        "restored",
        ("restored", "closed", "complete", "completed", "energized", "resolved", "power on", "back on"),
    ),
    (
        "crews_working",
        ("crew", "crews", "dispatched", "en route", "enroute", "on site", "onsite", "repair", "repairs",
         "in progress", "working", "assigned"),
    ),
    (
        "investigating",
        ("investigating", "assessing", "reported", "under review", "new", "pending", "unassigned"),
    ),
)  # fmt: skip
US_FORMATS = ("%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S")
_MS_DATE = re.compile(r"^/Date\((-?\d+)(?:[+-]\d{4})?\)/$")


@dataclass(frozen=True)
class FeedRow:
    key: str  # the feed's id for the outage, or its area's name
    area_name: str
    customers_out: int | None = None
    cause: str = ""
    etr: datetime | None = None  # aware
    status: str = ""  # as the feed says it


@dataclass(frozen=True)
class FeedReading:
    rows: list = field(default_factory=list)  # FeedRow, one per outage key
    problems: list = field(default_factory=list)  # rows that could not be read, in words
    error: str = ""  # the whole body could not be read: nothing in it counts

    @property
    def summary(self) -> str:
        """The words a source's `last_error` keeps: empty when all went well."""
        if self.error:
            return self.error
        if not self.problems:
            return ""
        shown = self.problems[:10]
        more = len(self.problems) - len(shown)
        tail = [f"…and {more} more."] if more else []
        return " ".join([f"{len(self.problems)} row(s) could not be read:", *shown, *tail])


class _Unreadable(Exception):
    """The body is not a feed; the message says why."""


def parse_feed(body: bytes, content_type: str = "", *, fmt: str = "auto", tz: tzinfo = UTC) -> FeedReading:
    """The outages a feed lists. `fmt`: "json", "csv" or "auto" (by the content type, else the body);
    `tz`: the zone of times written without an offset (the utility's)."""
    try:
        text = _text(body)
        kind = fmt if fmt in ("json", "csv") else _sniff(text, content_type)
        records = _json_records(text) if kind == "json" else _csv_records(text)
    except _Unreadable as unreadable:
        return FeedReading(error=str(unreadable))
    if len(records) > MAX_ROWS:
        return FeedReading(
            error=f"The feed lists {len(records):,} rows, over the {MAX_ROWS:,} we read: is it the right URL?"
        )
    rows, problems = [], []
    for number, record in enumerate(records, start=1):
        try:
            rows.append(_row(record, tz))
        except ValueError as problem:
            problems.append(f"Row {number}{_which(record)}: {problem}")
    return FeedReading(rows=_by_key(rows), problems=problems)


def incident_status(feed_status: str) -> str | None:
    """The incident status a feed's status words mean ("Crew dispatched" -> crews_working), or None
    when they mean none we know."""
    words = " ".join(re.findall(r"[a-z]+", feed_status.lower()))
    if not words:
        return None
    padded = f" {words} "
    for status, phrases in STATUS_WORDS:
        if any(f" {phrase} " in padded for phrase in phrases):
            return status
    return None


def parse_etr(value, tz: tzinfo = UTC) -> datetime | None:
    """An ETR as feeds write it, aware; None when the feed says there is none yet. ValueError, in
    words, for anything else."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _epoch(value)
    text = str(value).strip()
    if text.lower() in NO_ETR_YET:
        return None
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return _epoch(float(text))
    ms_date = _MS_DATE.match(text)
    if ms_date:
        return _epoch(int(ms_date.group(1)))
    try:
        moment = datetime.fromisoformat(text.replace(" Z", "Z"))
    except ValueError:
        moment = _us_format(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def _epoch(number):
    # Milliseconds since 1970 pass 10^11 in 1973; seconds will not for thousands of years.
    seconds = number / 1000 if abs(number) >= 1e11 else number
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"ETR {number!r} is not a time") from None


def _us_format(text):
    for pattern in US_FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise ValueError(f"ETR {text!r} is not a time (ISO 8601 like 2026-12-07T20:30-06:00, or epoch seconds)")


def _text(body):
    if not body or not body.strip():
        raise _Unreadable("The feed answered nothing (an empty body).")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("latin-1")  # old CSV exports; every byte is a character there


def _sniff(text, content_type):
    content_type = (content_type or "").lower()
    start = text.lstrip()[:1]
    if start == "<" or "html" in content_type or "xml" in content_type:
        raise _Unreadable(
            "The feed answered a web page (HTML or XML), not JSON or CSV: is the URL the data's?"
        )
    if "json" in content_type or start in "[{":
        return "json"
    return "csv"


def _json_records(text):
    try:
        document = json.loads(text)
    except ValueError as error:
        raise _Unreadable(f"The feed is not valid JSON ({error.msg} at line {error.lineno}).") from None
    records = _find_list(document, depth=0)
    if records is None:
        raise _Unreadable(
            "The JSON holds no list of outages (looked at the top and under "
            f"{', '.join(repr(key) for key in LIST_KEYS)})."
        )
    return records


def _find_list(document, depth):
    if isinstance(document, list):
        return document
    if not isinstance(document, dict) or depth > 3:
        return None
    lowered = {_field_key(key): value for key, value in document.items()}
    for key in LIST_KEYS:
        found = _find_list(lowered.get(key), depth + 1) if key in lowered else None
        if found is not None:
            return found
    for value in document.values():  # e.g. Kubra's {"file_data": {"areas": [...]}}
        if isinstance(value, dict):
            found = _find_list(value, depth + 1)
            if found is not None:
                return found
    return None


def _csv_records(text):
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = {_field_key(name) for name in reader.fieldnames or () if name}
    if not header & set(FIELDS["area"]):
        raise _Unreadable(
            "The CSV has no area column: its first line should name one of "
            f"{', '.join(FIELDS['area'][:6])}... (it has: {', '.join(reader.fieldnames or ['nothing'])})."
        )
    return [{name: value for name, value in row.items() if name} for row in reader]


def _field_key(name):
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _flat(record):
    """A record's fields by normalised name, its wrappers' fields first; `{"val": n}` read as n."""
    flat = {}
    for wrapper in WRAPPERS:
        inner = next((value for key, value in record.items() if _field_key(key) == wrapper), None)
        if isinstance(inner, dict):
            flat.update({_field_key(key): value for key, value in inner.items()})
    for key, value in record.items():
        flat.setdefault(_field_key(key), value)
    for key, value in flat.items():
        if isinstance(value, dict):
            flat[key] = next((value[k] for k in ("val", "value", "count") if k in value), value)
    return flat


def _pick(flat, name):
    for candidate in FIELDS[name]:
        value = flat.get(candidate)
        if value not in (None, ""):
            return value
    return None


def _row(record, tz):
    if not isinstance(record, dict):
        raise ValueError(f"not a record with fields but {type(record).__name__} {str(record)[:40]!r}.")
    flat = _flat(record)
    area = _pick(flat, "area")
    if area is None or isinstance(area, dict | list) or not str(area).strip():
        raise ValueError(f"no area (looked for {', '.join(FIELDS['area'][:5])}...).")
    area = " ".join(str(area).split())[:200]
    outage_id = _pick(flat, "id")
    return FeedRow(
        key=str(outage_id).strip()[:200] if outage_id not in (None, "") else area,
        area_name=area,
        customers_out=_count(_pick(flat, "customers_out")),
        cause=_words(_pick(flat, "cause")),
        etr=parse_etr(_pick(flat, "etr"), tz),
        status=_words(_pick(flat, "status"), limit=100),
    )


def _count(value):
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"customers out {value!r} is not a number.")
    text = str(value).strip().replace(",", "")
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"customers out {str(value)[:40]!r} is not a number.") from None
    if number < 0 or number != int(number):
        raise ValueError(f"customers out {str(value)[:40]!r} is not a count of customers.")
    return int(number)


def _words(value, limit=200):
    if value is None or isinstance(value, dict | list):
        return ""
    return " ".join(str(value).split())[:limit]


def _which(record):
    if not isinstance(record, dict):
        return ""
    area = _pick(_flat(record), "area")
    return f" ({str(area)[:60]})" if area not in (None, "") and not isinstance(area, dict | list) else ""


def _by_key(rows):
    merged = {}
    for row in rows:
        earlier = merged.get(row.key)
        if earlier is None:
            merged[row.key] = row
            continue
        counts = [count for count in (earlier.customers_out, row.customers_out) if count is not None]
        etrs = [etr for etr in (earlier.etr, row.etr) if etr is not None]
        merged[row.key] = replace(
            earlier,
            customers_out=sum(counts) if counts else None,
            etr=max(etrs) if etrs else None,
            cause=earlier.cause or row.cause,
            status=earlier.status or row.status,
        )
    return list(merged.values())
