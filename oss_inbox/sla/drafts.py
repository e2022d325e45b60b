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
    errors = []
    try:
        zone = ZoneInfo(draft.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return None, [
            *errors,
            f"“{draft.timezone}” is not a time zone we know. Use a name like America/Chicago.",
        ]
    weekly, overrides = {}, {}
    errors += _collect_windows(draft, weekly) + _collect_overrides(draft, overrides)
    if not draft.windows:
        errors.append(
            "Add at least one weekly window: with no hours, a coverage-hours target could never run out."
        )
    if errors:
        return None, errors
    try:
        return clock.Schedule(zone, weekly, overrides), []
    except ValueError as error:
        return None, [_sentence(str(error))]


def _collect_windows(draft, weekly):
    errors = []
    for window in draft.windows:
        times, problem = _times(window.start, window.end)
        if problem:
            errors.append(f"{WEEKDAYS[window.day]}: {problem}")
        else:
            weekly.setdefault(window.day, []).append(times)
    return errors


FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)


def _collect_overrides(draft, overrides):
    errors = []
    for override in draft.overrides:
        day = _date(override.date)
        times, problem = ((), "") if override.closed else _times(override.start, override.end)
        if day is None:
            errors.append(f"Override “{override.label or 'without a label'}”: enter its date.")
        elif not FIRST_DAY <= day <= LAST_DAY:  # the calendar math needs a day before and after it
            errors.append(
                f"Override on {day.isoformat()}: choose a date from {FIRST_DAY.year} to {LAST_DAY.year}."
            )
        elif day in overrides:
            errors.append(f"There are two overrides for {day:%A, %B %-d, %Y}; keep one.")
        elif problem:
            errors.append(f"Override on {day:%B %-d, %Y}: {problem[:-1]}, or neither to close all day.")
        else:
            overrides[day] = [times] if times else []
    return errors


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
