"""A schedule being edited: the week grid's windows and the date overrides, as the form holds them.

The editor keeps its whole state in the form, so every htmx request (add, remove, move, preview)
sends the draft and gets it back re-rendered; nothing is stored until Save. Validation reuses
`clock.Schedule`, whose messages already say what is wrong in plain words.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import clock
from .models import parse_windows, weekly_from_json

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NEW_WINDOW = ("09:00", "17:00")
CLOCK_TIME = re.compile(r"(\d{1,2}):?(\d{2})")


class FieldError(str):
    """An error in plain words that knows which input it belongs to, so the editor can mark it:
    "name", "timezone", "week" (no window at all), "window-3" and "override-1" (rows by their
    index in the draft), "day-5" (two of a day's windows together)."""

    def __new__(cls, text, field=""):
        error = super().__new__(cls, text)
        error.field = field
        return error


@dataclass
class Window:
    day: int
    start: str  # "HH:MM" as typed; validated by `draft_validate`
    end: str


@dataclass
class Override:
    date: str  # "YYYY-MM-DD"
    label: str = ""
    start: str = ""  # both empty: closed all day
    end: str = ""

    @property
    def closed(self):
        return not self.start and not self.end


@dataclass
class ScheduleDraft:
    name: str = ""
    timezone: str = "America/Chicago"
    windows: list = field(default_factory=list)
    overrides: list = field(default_factory=list)

    def windows_on(self, day):
        """(index in `windows`, window) of one weekday, in list order."""
        return [(index, window) for index, window in enumerate(self.windows) if window.day == day]


def window_order(window):
    """Sort key: by day, then start time (unreadable times first, as typed)."""
    start = parse_clock_time(window.start)
    return (window.day, start is not None, start or time(0), window.start)


def draft_from_schedule(schedule):
    windows = [
        Window(int(day), start, end) for day, pairs in sorted(schedule.weekly.items()) for start, end in pairs
    ]
    overrides = [
        Override(o.date.isoformat(), o.label, *(o.windows[0] if o.windows else ("", "")))
        for o in (schedule.overrides.all() if schedule.pk else ())
    ]
    return ScheduleDraft(schedule.name, schedule.timezone, windows, overrides)


def draft_from_post(data):
    """The draft the editor's form posted (lists of aligned inputs, one per row)."""
    days, starts, ends = (data.getlist(f"window_{part}") for part in ("day", "start", "end"))
    # The editor always posts whole rows; a hand-made post with ragged lists loses its unfinished row
    # rather than failing, like any other input the form never sends (strict=False on purpose).
    windows = [Window(_weekday(day), start, end) for day, start, end in zip(days, starts, ends, strict=False)]
    columns = (data.getlist(f"override_{part}") for part in ("date", "label", "start", "end"))
    overrides = [Override(*row) for row in zip(*columns, strict=False)]
    return ScheduleDraft(data.get("name", "").strip(), data.get("timezone", "").strip(), windows, overrides)


def draft_validate(draft):
    """(clock.Schedule, []) for valid hours, or (None, [messages in plain words]). The name is not
    asked for here: the preview needs none, and a new schedule has none until it is typed; saving
    asks for it (schedules.schedule_save)."""
    zone = _zone(draft.timezone)
    if zone is None:
        return None, [
            FieldError(
                f"“{draft.timezone}” is not a time zone we know. Use a name like America/Chicago.", "timezone"
            )
        ]
    weekly, overrides = {}, {}
    errors = _collect_windows(draft, weekly) + _collect_overrides(draft, overrides)
    if not draft.windows:
        errors.append(
            FieldError(
                "Add at least one weekly window: with no hours, a coverage-hours target could never run out.",
                "week",
            )
        )
    if errors:
        return None, errors
    try:
        return clock.Schedule(zone, weekly, overrides), []
    except ValueError as error:
        return None, [FieldError(_sentence(str(error)), _field_of_clock_error(str(error), draft))]


def draft_preview_schedule(draft, fallback_timezone="America/Chicago"):
    """A schedule of the draft's valid rows only, for the preview while some rows have errors (they
    are marked where they are); None when even those do not make a schedule (windows that overlap)."""
    zone = _zone(draft.timezone) or _zone(fallback_timezone)
    weekly, overrides = {}, {}
    _collect_windows(draft, weekly)
    _collect_overrides(draft, overrides)
    for _ in range(7 + len(overrides)):  # each round leaves out one day or override in error
        try:
            return clock.Schedule(zone, weekly, overrides)
        except ValueError as error:
            field = _field_of_clock_error(str(error), draft)
            if field.startswith("day-"):
                weekly.pop(int(field.removeprefix("day-")), None)
            elif field.startswith("override-"):
                overrides.pop(_date(draft.overrides[int(field.removeprefix("override-"))].date), None)
            else:
                return None
    return None


def _zone(name):
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _field_of_clock_error(message, draft):
    """The input a clock.Schedule error is about: "Saturday windows ... overlap" -> that day's
    column; "2026-12-25 (override) ..." -> that override's row."""
    for day, name in enumerate(WEEKDAYS):
        if message.startswith(name):
            return f"day-{day}"
    for index, override in enumerate(draft.overrides):
        if override.date and message.startswith(override.date):
            return f"override-{index}"
    return ""


def _collect_windows(draft, weekly):
    errors = []
    for index, window in enumerate(draft.windows):
        times, problem = _times(window.start, window.end)
        if problem:
            errors.append(FieldError(f"{WEEKDAYS[window.day]}: {problem}", f"window-{index}"))
        else:
            weekly.setdefault(window.day, []).append(times)
    return errors


FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)


def _collect_overrides(draft, overrides):
    errors = []
    for index, override in enumerate(draft.overrides):
        problem = _override_problem(override, overrides)
        if problem:
            errors.append(FieldError(problem, f"override-{index}"))
    return errors


def _override_problem(override, overrides):
    """What is wrong with one override row, in plain words; "" once it is added to `overrides`."""
    day = _date(override.date)
    times, problem = ((), "") if override.closed else _times(override.start, override.end)
    if day is None:
        return f"Override “{override.label or 'without a label'}”: enter its date."
    if not FIRST_DAY <= day <= LAST_DAY:  # the calendar math needs a day before and after it
        return f"Override on {day.isoformat()}: choose a date from {FIRST_DAY.year} to {LAST_DAY.year}."
    if day in overrides:
        return f"There are two overrides for {day:%A, %B %-d, %Y}; keep one."
    if problem:
        return f"Override on {day:%B %-d, %Y}: {problem[:-1]}, or neither to close all day."
    overrides[day] = [times] if times else []
    return ""


def draft_add_window(draft, day):
    """A new window on `day`: 09:00-17:00 on an empty day, else the hour after its last window."""
    on_day = draft.windows_on(day)
    if not on_day:
        start, end = NEW_WINDOW
    else:
        start = max((window for _, window in on_day), key=window_order).end or "17:00"
        end = _hour_after(start)
    draft.windows.append(Window(day, start, end))


def draft_add_override(draft, day, label, start="", end=""):
    draft.overrides.append(Override(day, label.strip(), start, end))
    draft.overrides.sort(key=lambda override: override.date)


def draft_remove(rows, index):
    if 0 <= index < len(rows):
        del rows[index]


def draft_snapshot(draft):
    """The draft as stored and audited: {"name", "timezone", "weekly", "overrides"}."""
    weekly = {}
    for window in sorted(draft.windows, key=window_order):
        weekly.setdefault(str(window.day), []).append([_hhmm(window.start), _hhmm(window.end)])
    overrides = [
        {"date": o.date, "label": o.label, "windows": [] if o.closed else [[_hhmm(o.start), _hhmm(o.end)]]}
        for o in sorted(draft.overrides, key=lambda o: o.date)
    ]
    return {"name": draft.name, "timezone": draft.timezone, "weekly": weekly, "overrides": overrides}


def snapshot_schedule(snapshot):
    """A stored snapshot back as a clock.Schedule (for comparing the draft with what is saved)."""
    overrides = {date.fromisoformat(o["date"]): parse_windows(o["windows"]) for o in snapshot["overrides"]}
    return clock.Schedule(snapshot["timezone"], weekly_from_json(snapshot["weekly"]), overrides)


def parse_clock_time(text):
    """ "7:00", "07:00", "0700" or "24:00" (midnight at the end of the day) as a time; else None."""
    match = CLOCK_TIME.fullmatch(text.strip())
    if not match:
        return None
    hours, minutes = int(match[1]), int(match[2])
    if (hours, minutes) == (24, 0):
        return time(0)
    return time(hours, minutes) if hours < 24 and minutes < 60 else None


def _times(start, end):
    """((start, end), "") or (None, what is wrong in plain words)."""
    if not start.strip() or not end.strip():
        return None, "enter both a start and an end time for every window."
    parsed = [parse_clock_time(text) for text in (start, end)]
    for text, moment in zip((start, end), parsed, strict=True):
        if moment is None:
            return None, f"“{text}” is not a time of day; write it like 07:00 or 22:30."
    return tuple(parsed), ""


def _hhmm(text):
    return parse_clock_time(text).strftime("%H:%M")


def _date(text):
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _weekday(text):
    return int(text) if text.isdigit() and int(text) < 7 else 0


def _hour_after(start):
    moment = datetime.combine(date(2000, 1, 1), parse_clock_time(start) or time(17)) + timedelta(hours=1)
    return moment.strftime("%H:%M")


def _sentence(message):
    return message[0].upper() + message[1:] + ("" if message.endswith(".") else ".")
