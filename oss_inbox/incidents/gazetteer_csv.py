"""The service-area gazetteer's CSV file, read: rows in, places (or each bad line's reason in plain
words) out. Pure: no database; gazetteer.py stores what this returns.

The format (docs/storm.md):

    kind,name,aliases,town,areas
    town,Harlan,,,Harlan North; Harlan South
    zip,66012,,,Harlan North; Harlan South
    feeder,Feeder 12,F12; Circuit 12,,Harlan North
    street,Elm St,Elm Street,Harlan,Harlan North

- kind: town, zip, neighbourhood (or neighborhood), street, feeder or substation.
- name: as people write it. A ZIP is five digits.
- aliases: other names, separated by ";" (optional).
- town: for a street or neighbourhood, the town it is in (optional): Main St of Harlan and Main St of
  Fairview are two places.
- areas: the areas the place lies in or serves, separated by ";" (at least one). An area is what an
  incident is about, usually what one feeder serves; it is created by the first line that names it.
"""

import csv
import io
import re
from dataclasses import dataclass

from .places import place_key

KINDS = {
    "town": "town", "city": "town", "zip": "zip", "zipcode": "zip", "zip code": "zip", "postcode": "zip",
    "neighbourhood": "neighbourhood", "neighborhood": "neighbourhood", "street": "street", "feeder": "feeder",
    "circuit": "feeder", "substation": "substation",
}  # fmt: skip
COLUMNS = ("kind", "name", "aliases", "town", "areas")
REQUIRED = ("kind", "name", "areas")
MAX_NAME = 200
MAX_LINES = 100_000


@dataclass(frozen=True)
class GazetteerRow:
    line: int
    kind: str
    name: str
    key: str
    aliases: tuple
    town: str
    town_key: str
    areas: tuple  # area names as written, each once


@dataclass(frozen=True)
class GazetteerFile:
    rows: tuple
    errors: tuple  # "Line 4: ..." in words; a file with any is not loaded


def read_gazetteer(content: str) -> GazetteerFile:
    """Every line of the file read, each bad one said in words."""
    reader = csv.reader(io.StringIO(content.lstrip("\ufeff")))
    header = next(reader, None)
    columns, problem = _columns(header)
    if problem:
        return GazetteerFile(rows=(), errors=(problem,))
    rows, errors, seen = [], [], {}
    for values in reader:
        line = reader.line_num
        if line > MAX_LINES:
            errors.append(f"The file has over {MAX_LINES:,} lines: split it.")
            break
        if not any(value.strip() for value in values):
            continue
        row, problems = _row(line, dict(zip(columns, values, strict=False)), len(values) > len(columns))
        if row is not None:
            identity = (row.kind, row.key, row.town_key)
            if identity in seen:
                problems.append(f"the same {row.kind} as line {seen[identity]}: give each place one line")
            seen.setdefault(identity, line)
        errors.extend(f"Line {line}: {problem}." for problem in problems)
        if row is not None and not problems:
            rows.append(row)
    if not rows and not errors:
        errors.append("The file has no places: one line per place after the header.")
    return GazetteerFile(rows=tuple(rows), errors=tuple(errors))


def _columns(header):
    if header is None:
        return (), f"The file is empty: it needs a header line ({','.join(COLUMNS)}) and one line per place."
    columns = [column.strip().lower() for column in header]
    unknown = [column for column in columns if column not in COLUMNS]
    if unknown:
        return (), (
            f"Line 1: unknown column {unknown[0]!r}; the columns are {', '.join(COLUMNS)} "
            "(aliases and town may be left out)."
        )
    missing = [column for column in REQUIRED if column not in columns]
    if missing:
        return (), f"Line 1: the header has no {' and no '.join(missing)} column."
    return columns, None


def _row(line, values, extra_values):
    problems = []
    if extra_values:
        problems.append("more values than the header has columns (a name with a comma needs quotes)")
    kind_written = " ".join(values.get("kind", "").split()).lower()
    kind = KINDS.get(kind_written)
    if kind is None:
        problems.append(
            f"kind {kind_written!r} is not one of town, zip, neighbourhood, street, feeder, substation"
            if kind_written
            else "no kind (town, zip, neighbourhood, street, feeder or substation)"
        )
    name = " ".join(values.get("name", "").split())
    key = place_key(name)
    if not key:
        problems.append("no name")
    elif len(name) > MAX_NAME:
        problems.append(f"the name is longer than {MAX_NAME} characters")
    elif kind == "zip" and not re.fullmatch(r"\d{5}", name):
        problems.append(f"ZIP {name!r} is not five digits")
    areas = _list(values.get("areas", ""))
    if not areas:
        problems.append("no area: name the area(s) this place lies in or serves, separated by ';'")
    elif any(len(area) > MAX_NAME for area in areas):
        problems.append(f"an area's name is longer than {MAX_NAME} characters")
    town = " ".join(values.get("town", "").split())
    aliases = tuple(alias for alias in _list(values.get("aliases", "")) if place_key(alias) != key)
    if kind is None or not key:
        return None, problems
    row = GazetteerRow(line, kind, name, key, aliases, town, place_key(town), areas)
    return row, problems


def _list(value):
    """ "a; b;; a" -> ("a", "b"): each once, as first written."""
    items = {}
    for item in value.split(";"):
        item = " ".join(item.split())
        if item and place_key(item):
            items.setdefault(place_key(item), item)
    return tuple(items.values())
