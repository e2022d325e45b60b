"""The gazetteer stored and read back.

`gazetteer_load(content)` stores a CSV file (gazetteer_csv.py reads it): all of it or, when any line
is bad, nothing, with every bad line said in words. Idempotent: areas are found by their key, places
by kind, key and town, and a place is written only when its name, aliases or areas changed, so loading
the same file twice changes nothing. Places the file does not name are kept (a file may cover one
district), and counted in the result so the admin knows.

`current_gazetteer()` is the detector's view of the Place table (places.Gazetteer), built once per
process and rebuilt when a load changed it (one small query per call tells).
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Max

from .gazetteer_csv import GazetteerFile, read_gazetteer
from .models import Area, Place
from .places import Gazetteer, GazetteerPlace, place_key


@dataclass(frozen=True)
class LoadResult:
    errors: tuple = ()
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    areas_created: int = 0
    not_in_file: int = 0

    @property
    def summary(self) -> str:
        if self.errors:
            return f"Nothing was loaded: {len(self.errors)} line(s) need fixing."
        return (
            f"{self.created} place(s) added, {self.updated} changed, {self.unchanged} as in the file; "
            f"{self.areas_created} new area(s)."
            + (f" {self.not_in_file} place(s) in the gazetteer are not in this file and were kept." if
               self.not_in_file else "")
        )  # fmt: skip


def gazetteer_load(content: str) -> LoadResult:
    """Store the file's places and areas, or nothing when a line is bad."""
    parsed: GazetteerFile = read_gazetteer(content)
    if parsed.errors:
        return LoadResult(errors=parsed.errors)
    with transaction.atomic():
        areas, areas_created = _areas(parsed.rows)
        existing = {
            (place.kind, place.key, place.town_key): place
            for place in Place.objects.prefetch_related("areas")
        }
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        for row in parsed.rows:
            wanted = {areas[place_key(name)].pk for name in row.areas}
            place = existing.pop((row.kind, row.key, row.town_key), None)
            counts[_place_store(place, row, wanted)] += 1
    return LoadResult(areas_created=areas_created, not_in_file=len(existing), **counts)


def _areas(rows):
    names = {}
    for row in rows:
        for name in row.areas:
            names.setdefault(place_key(name), name)
    areas = {area.key: area for area in Area.objects.filter(key__in=names)}
    missing = [Area(key=key, name=name) for key, name in names.items() if key not in areas]
    for area in missing:
        area.save()
        areas[area.key] = area
    return areas, len(missing)


def _place_store(place, row, wanted_area_ids):
    """ "created", "updated" or "unchanged"."""
    if place is None:
        place = Place.objects.create(
            kind=row.kind, name=row.name, key=row.key, town_key=row.town_key, aliases=list(row.aliases)
        )
        place.areas.set(wanted_area_ids)
        return "created"
    current_areas = {area.pk for area in place.areas.all()}
    if place.name == row.name and place.aliases == list(row.aliases) and current_areas == wanted_area_ids:
        return "unchanged"
    place.name, place.aliases = row.name, list(row.aliases)
    place.save()  # updated_at moves: the detectors' gazetteer is rebuilt
    place.areas.set(wanted_area_ids)
    return "updated"


_CACHE = {"version": None, "gazetteer": Gazetteer()}


def current_gazetteer() -> Gazetteer:
    """The Place table as the place finder reads it, rebuilt only when it changed."""
    version = Place.objects.aggregate(count=Count("id"), latest=Max("updated_at"))
    version = (version["count"], version["latest"])
    if version != _CACHE["version"]:
        _CACHE["gazetteer"] = _build()
        _CACHE["version"] = version
    return _CACHE["gazetteer"]


def _build():
    links = Place.areas.through.objects.values_list("place_id", "area_id")
    area_ids = {}
    for place_id, area_id in links:
        area_ids.setdefault(place_id, set()).add(area_id)
    entries = (
        (GazetteerPlace(place.pk, place.kind, place.name, frozenset(area_ids.get(place.pk, ()))),
         [place.name, *place.aliases])
        for place in Place.objects.only("id", "kind", "name", "aliases")
    )  # fmt: skip
    return Gazetteer.build(entries)
