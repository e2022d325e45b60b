"""Where is this outage? Pure: a message's text and the gazetteer in, the places it names and the
areas they narrow down to out, each with why.

1. ZIP codes: five digits (ZIP+4 too) standing alone, not a part of a longer number ("312 555 01234",
   "1234-56789"), not an account, meter or phone number by the words before it ("account 66012",
   "ends in 66012", "#66012"), not a count ("12000 customers") nor a house number ("12000 Elm St").
2. Gazetteer names: the text normalised as the gazetteer's names are (`place_key`: accents and case
   dropped, "Street" read as "st", "West" as "w", "Sutter's" as "sutters"), then the longest run of
   words that is a place's name or alias wins at each position. A street is also found without its
   direction ("4th St" for "W 4th St") and, after "calle" or "avenida", without its suffix.
3. Streets the gazetteer does not know are still reported when written as streets are ("Quarry Rd"):
   the agent sees them; they narrow nothing down.
4. The areas (`narrow_areas`): each kind's places agree on areas (two cross streets: the area they
   share), then from the most specific kind to the widest each narrows the rest down, a kind that
   shares no area with the others being left out. One area left is the report's area.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from oss_inbox.safety.text import normalise

# A street's suffix and direction as people write them, and as keys compare them.
SUFFIXES = {
    "street": "st", "st": "st", "avenue": "ave", "ave": "ave", "av": "ave", "road": "rd", "rd": "rd",
    "lane": "ln", "ln": "ln", "drive": "dr", "dr": "dr", "court": "ct", "ct": "ct", "boulevard": "blvd",
    "blvd": "blvd", "parkway": "pkwy", "pkwy": "pkwy", "highway": "hwy", "hwy": "hwy", "terrace": "ter",
    "ter": "ter", "trail": "trl", "trl": "trl", "place": "pl", "pl": "pl", "circle": "cir", "cir": "cir",
    "way": "way", "run": "run",
}  # fmt: skip
DIRECTIONS = {"north": "n", "south": "s", "east": "e", "west": "w", "n": "n", "s": "s", "e": "e", "w": "w"}
SPANISH_STREET_WORDS = frozenset({"calle", "avenida", "av"})
# Kinds from the most specific to the widest: the order areas are narrowed in.
SPECIFICITY = ("street", "neighbourhood", "feeder", "zip", "substation", "town")
MAX_NAME_WORDS = 6

_ZIP = re.compile(r"(?<![\w$#.,/-])(\d{5})(?:-\d{4})?(?![\w%]|[.,/-]\d)")
_NOT_A_ZIP_BEFORE = re.compile(
    r"\b(?:account|acct|acc|a/c|meter|ref|reference|order|ticket|case|invoice|confirmation|phone|tel|cell"
    r"|mobile|call|text|cuenta|numero|número|medidor|ends?|ending|last \w+|no|number|id|pin)"
    r"\W{0,3}(?:\b(?:in|is|es|are)\b)?\W{0,3}$",
    re.IGNORECASE,
)
_NUMBER_AROUND = re.compile(r"\d[\s().-]$")  # a digit group right before: a longer number
_NUMBER_AFTER = re.compile(r"^[\s().-]\d")
_COUNT_AFTER = re.compile(
    r"^\s*(?:customers|clientes|people|homes|houses|households|kwh|kw|watts|volts|dollars|usd)\b",
    re.IGNORECASE,
)
_SUFFIX_WORDS = "|".join(sorted(SUFFIXES, key=len, reverse=True))
_HOUSE_NUMBER_AFTER = re.compile(rf"^\s+(?:[A-Za-z0-9']+\s+){{1,3}}(?:{_SUFFIX_WORDS})\b", re.IGNORECASE)
_WRITTEN_STREET = re.compile(
    rf"\b((?:(?:[NSEW]|North|South|East|West)\.?\s+)?(?:[A-Z][a-z']+|\d+(?:st|nd|rd|th))"
    rf"(?:\s+[A-Z][a-z']+){{0,2}}\s+(?i:{_SUFFIX_WORDS})\b\.?(?:\s+\d+\b)?)"
)
_WORD = re.compile(r"[a-z0-9]+|[.!?;:,&/\n]+")


@dataclass(frozen=True)
class GazetteerPlace:
    place_id: int
    kind: str  # town | zip | neighbourhood | street | feeder | substation
    name: str
    area_ids: frozenset


@dataclass(frozen=True)
class PlaceFound:
    kind: str
    written: str  # as the customer wrote it (normalised when it cannot be shown as written)
    places: tuple = ()  # GazetteerPlace: several when a name is used in several towns
    why: str = ""

    @property
    def area_ids(self) -> frozenset:
        return frozenset().union(*(place.area_ids for place in self.places))


@dataclass(frozen=True)
class Whereabouts:
    found: tuple  # PlaceFound, in the order written
    area_ids: frozenset  # the areas the places allow
    why: str

    @property
    def area_id(self) -> int | None:
        """The report's area when its places narrow down to one."""
        return next(iter(self.area_ids)) if len(self.area_ids) == 1 else None


@dataclass
class Gazetteer:
    """The places by key (names and aliases), built once per version of the Place table."""

    by_key: dict = field(default_factory=dict)  # key -> [GazetteerPlace]
    street_bases: dict = field(default_factory=dict)  # "maple" -> [GazetteerPlace] (after "calle")

    @classmethod
    def build(cls, entries: Iterable[tuple[GazetteerPlace, Iterable[str]]]) -> "Gazetteer":
        """From (place, its names and aliases as written)."""
        gazetteer = cls()
        for place, names in entries:
            for name in names:
                key = place_key(name)
                for variant in _variants(key, place.kind):
                    gazetteer.by_key.setdefault(variant, []).append(place)
                if place.kind == "street" and key.split()[-1:][0] in SUFFIXES.values():
                    base = " ".join(_without_direction(key.split())[:-1])
                    gazetteer.street_bases.setdefault(base, []).append(place)
        return gazetteer


def place_key(name: str) -> str:
    """A name as it is compared: accents, case and punctuation dropped, street words abbreviated."""
    words = [word for word in _WORD.findall(normalise(name)) if word[0].isalnum()]
    return " ".join(_canonical(words))


def _canonical(words):
    last = len(words) - 1
    out = []
    for index, word in enumerate(words):
        if word in DIRECTIONS and index < last and not (index == 0 and last == 0):
            out.append(DIRECTIONS[word])
        elif word in SUFFIXES and index > 0:
            out.append(SUFFIXES[word])
        else:
            out.append(word)
    return out


def _variants(key, kind):
    words = key.split()
    variants = {key}
    if kind == "street" and len(words) > 2 and words[0] in DIRECTIONS.values():
        variants.add(" ".join(words[1:]))  # "4th st" for "w 4th st"
    return variants


def _without_direction(words):
    return words[1:] if len(words) > 1 and words[0] in DIRECTIONS.values() else words


def find_places(text: str, gazetteer: Gazetteer) -> list[PlaceFound]:
    """The ZIPs, then the gazetteer places, then the written streets `text` names, each once."""
    found, seen = [], set()
    for place in (*_zips(text, gazetteer), *_named(text, gazetteer), *_written_streets(text)):
        key = place_key(place.written)
        if place.places or not any(kind == "street" and known.endswith(key) for kind, known in seen):
            if (place.kind, key) not in seen:  # a written street the gazetteer found already is no news
                seen.add((place.kind, key))
                found.append(place)
    return found


def _zips(text, gazetteer):
    for match in _ZIP.finditer(text):
        before, after = text[max(0, match.start() - 30) : match.start()], text[match.end() :]
        if _NOT_A_ZIP_BEFORE.search(before) or _NUMBER_AROUND.search(before) or _NUMBER_AFTER.match(after):
            continue
        if _COUNT_AFTER.match(after) or _HOUSE_NUMBER_AFTER.match(after):
            continue
        zip_code = match.group(1)
        places = tuple(place for place in gazetteer.by_key.get(zip_code, ()) if place.kind == "zip")
        why = f"ZIP {zip_code}" + ("" if places else " (not in the service area's gazetteer)")
        yield PlaceFound("zip", zip_code, places, why)


def _named(text, gazetteer):
    """Runs of words that are a place's key, longest first at each position."""
    words = [word for word in _WORD.findall(normalise(text))]
    canonical = _canonical(words)
    index = 0
    while index < len(words):
        hit = _longest_at(canonical, index, gazetteer)
        if hit:
            length, places, how = hit
            written = " ".join(words[index : index + length])
            for kind in dict.fromkeys(place.kind for place in places):
                same = tuple(place for place in places if place.kind == kind)
                if kind != "zip":  # ZIPs are found by their own, stricter rule
                    yield PlaceFound(kind, written, same, f'{kind} "{same[0].name}"{how}')
            index += length
        else:
            index += 1


def _longest_at(canonical, index, gazetteer):
    for length in range(min(MAX_NAME_WORDS, len(canonical) - index), 0, -1):
        run = canonical[index : index + length]
        if not run[-1][0].isalnum() or not all(word[0].isalnum() for word in run):
            continue
        key = " ".join(run)
        if key in gazetteer.by_key:
            return length, gazetteer.by_key[key], ""
        if index and canonical[index - 1] in SPANISH_STREET_WORDS and key in gazetteer.street_bases:
            return length, gazetteer.street_bases[key], f' (after "{canonical[index - 1]}")'
    return None


def _written_streets(text):
    for match in _WRITTEN_STREET.finditer(text):
        written = " ".join(match.group(1).rstrip(".").split())
        yield PlaceFound("street", written, (), f'street "{written}" (not in the gazetteer)')


def narrow_areas(found: list[PlaceFound]) -> Whereabouts:
    """The areas the found places allow (see the module's step 4), and why."""
    by_kind = {}
    for place in found:
        if place.places:
            by_kind.setdefault(place.kind, []).append(place.area_ids)
    areas, used = None, []
    for kind in SPECIFICITY:
        if kind not in by_kind:
            continue
        shared = frozenset.intersection(*by_kind[kind]) or frozenset().union(*by_kind[kind])
        if areas is None or areas & shared:
            areas = shared if areas is None else areas & shared
            used.append(kind)
    areas = areas or frozenset()
    if not found:
        why = "no place named"
    elif not used:
        why = "no place in the gazetteer"
    else:
        why = f"{len(areas)} area(s) from the {', '.join(used)}"
    return Whereabouts(found=tuple(found), area_ids=areas, why=why)
