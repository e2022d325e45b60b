"""Writes and reads of coverage schedules: save with an audit record, holiday import, header status."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import holidays
from django.db import transaction
from django.utils import timezone

from channels.models import ChannelAccount
from oss_inbox.cached import forget_now, local_store, version_of

from . import clock
from .drafts import (
    WEEKDAYS,
    FieldError,
    draft_add_override,
    draft_from_schedule,
    draft_snapshot,
    draft_validate,
)
from .models import CoverageOverride, CoverageSchedule, ScheduleChange
from .policies import builtin_schedule
from .services import sla_settings_changed
from .storm_state import storm_clock_schedule, storm_horizon_change

# The header's coverage lines: each process keeps its own, under the version of COVERAGE_KEY (moved
# on when a schedule, an override or an account changes: SlaConfig.ready), for at most
# COVERAGE_CACHE_SECONDS and never past the next opening or closing. Every page shows them: kept
# in the process, they cost no round trip to the cache (the version comes with the request's others).
COVERAGE_KEY = "sla:coverage"
COVERAGE_CACHE_SECONDS = 10
_coverage = local_store()  # versioned key -> (until when, lines)
YEARS = range(2000, 2101)


class HolidayImportError(ValueError):
    """The country, region or year has no public-holiday calendar; the message says so plainly."""


def schedule_snapshot(schedule):
    return draft_snapshot(draft_from_schedule(schedule)) if schedule.pk else {}


def schedule_save(*, schedule, draft, actor):
    """Store a draft if valid; returns the errors, [] once saved.

    Steps: validate with the clock; refuse a name already taken; in one transaction write the
    schedule, replace its overrides and record a ScheduleChange (who, before, after); once
    committed, recompute open tickets in the background and refresh the header's status.
    """
    _, errors = draft_validate(draft)
    if not draft.name.strip():
        errors = [FieldError("Give the schedule a name.", "name"), *errors]
    elif not errors and CoverageSchedule.objects.exclude(pk=schedule.pk).filter(name=draft.name).exists():
        errors = [FieldError(f"Another schedule is already called “{draft.name}”.", "name")]
    if errors:
        return errors
    with transaction.atomic():
        before, after = schedule_snapshot(schedule), draft_snapshot(draft)
        if before == after:
            return []
        schedule.name, schedule.timezone, schedule.weekly = after["name"], after["timezone"], after["weekly"]
        schedule.save()
        schedule.overrides.all().delete()
        CoverageOverride.objects.bulk_create(
            [
                CoverageOverride(
                    schedule=schedule, date=row["date"], label=row["label"], windows=row["windows"]
                )
                for row in after["overrides"]
            ]
        )
        ScheduleChange.objects.create(schedule=schedule, actor=actor, before=before, after=after)
        sla_settings_changed()
        forget_now(COVERAGE_KEY)
    return []


def draft_import_holidays(draft, country, year, subdivision="", *, since=None):
    """Add the public holidays of a country (and region) in `year` as closed days.

    Dates the draft already overrides are kept as they are; dates before `since` are left out
    (a past holiday changes no due time). Returns (added, kept, past).
    """
    if year not in YEARS:
        raise HolidayImportError(f"Choose a year from {YEARS[0]} to {YEARS[-1]}.")
    try:
        found = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    except NotImplementedError:
        where = f"“{country}”" + (f" region “{subdivision}”" if subdivision else "")
        raise HolidayImportError(f"There is no public-holiday calendar for {where}.") from None
    taken = {override.date for override in draft.overrides}
    ahead = [(day, name) for day, name in sorted(found.items()) if since is None or day >= since]
    added = [(day, name) for day, name in ahead if day.isoformat() not in taken]
    for day, name in added:
        draft_add_override(draft, day.isoformat(), name[:100])
    return len(added), len(ahead) - len(added), len(found) - len(ahead)


def holiday_countries():
    """[(code, name)] of the countries the `holidays` package knows, by name."""
    from holidays.registry import COUNTRIES

    pairs = {(entry[1], module.replace("_", " ").title()) for module, entry in COUNTRIES.items()}
    return sorted(pairs, key=lambda pair: pair[1])


def change_summary(before, after):
    """What a ScheduleChange changed, in short lines for the history list."""
    if not before:
        return ["Created."]
    lines = [
        f"{label}: {before[key]} → {after[key]}"
        for key, label in (("name", "Name"), ("timezone", "Time zone"))
        if before[key] != after[key]
    ]
    for day, name in enumerate(WEEKDAYS):
        old, new = (_hours(side["weekly"].get(str(day), [])) for side in (before, after))
        if old != new:
            lines.append(f"{name}: {old} → {new}")
    old, new = ({o["date"]: o for o in side["overrides"]} for side in (before, after))
    lines += [f"Added {day} {_override_words(new[day])}" for day in sorted(new.keys() - old.keys())]
    lines += [f"Removed {day} {_override_words(old[day])}" for day in sorted(old.keys() - new.keys())]
    lines += [
        f"Changed {day} to {_override_words(new[day])}"
        for day in sorted(old.keys() & new.keys())
        if old[day] != new[day]
    ]
    return lines


def _hours(pairs):
    return ", ".join(f"{start}–{end}" for start, end in pairs) or "closed"


def _override_words(override):
    label = f"{override['label']} " if override["label"] else ""
    return f"{label}({_hours(override['windows'])})"


@dataclass(frozen=True)
class CoverageLine:
    name: str
    covered: bool
    changes_at: datetime | None  # None: no change ahead (always covered, or never again)


def coverage_status(now=None):
    """How each schedule in use stands now, for the header; cached a few seconds per process
    and never past the next opening or closing."""
    now = now or timezone.now()
    key = f"{COVERAGE_KEY}:{version_of(COVERAGE_KEY)}"
    kept = _coverage.get(key)
    if kept is None or not now < kept[0] <= now + timedelta(seconds=COVERAGE_CACHE_SECONDS):
        lines = [coverage_line(schedule, now) for schedule in schedules_in_use()]
        changes = [line.changes_at for line in lines if line.changes_at]
        kept = (min([now + timedelta(seconds=COVERAGE_CACHE_SECONDS), *changes]), lines)
        _coverage.clear()  # older versions are never read again
        _coverage[key] = kept
    return kept[1]


def coverage_line(schedule, now):
    built = storm_clock_schedule(schedule)
    try:
        changes_at, opens = clock.next_coverage_change(now, built)
    except ValueError:
        covered = clock.coverage_between(now, now + timedelta(minutes=1), built) > timedelta(0)
        return CoverageLine(schedule.name, covered, None)
    if storm_horizon_change(changes_at, built.tz, now):  # storm hours until it is turned off
        return CoverageLine(schedule.name, not opens, None)
    return CoverageLine(schedule.name, not opens, changes_at)


def schedules_in_use():
    """The schedules enabled accounts follow (the default one for accounts without their own)."""
    chosen = set(ChannelAccount.objects.filter(enabled=True).values_list("coverage_schedule_id", flat=True))
    schedules = list(CoverageSchedule.objects.filter(pk__in=chosen - {None}))
    if None in chosen or not chosen:
        default = CoverageSchedule.objects.filter(is_default=True).first() or builtin_schedule()
        schedules = [default, *[schedule for schedule in schedules if schedule.pk != default.pk]]
    return schedules


def weekly_words(weekly):
    """ "Mon–Fri 07:00–22:00 · Sat–Sun 08:00–21:00": runs of days with the same hours."""
    hours = [_hours(weekly.get(str(day), [])) for day in range(7)]
    runs, first = [], 0
    for day in range(1, 8):
        if day == 7 or hours[day] != hours[first]:
            days = WEEKDAYS[first][:3] + (f"–{WEEKDAYS[day - 1][:3]}" if day - 1 > first else "")
            runs.append(f"{days} {hours[first]}")
            first = day
    return " · ".join(runs)
