"""One date style everywhere, in the viewer's time zone (the zone StaffZoneMiddleware activates).

Load with `{% load dates %}`. A moment (an aware datetime) reads the way the help desks people
compare us with write it, shorter the closer it is to now:

    4:42 PM               today
    Yesterday 4:42 PM     (Tomorrow 9:00 AM for a due time)
    Mon 4:42 PM           within the week around today
    Dec 6, 4:42 PM        this year
    Dec 6, 2025           another year

- `{{ moment|when }}`      the short form above.
- `{{ moment|when_full }}` "Sun, Dec 6, 2026, 4:42 PM CST": for hover titles and for text that is
  stored and read later (a notification, an email), where "Yesterday" would go stale.
- `{{ moment|when_tag }}`  `<time datetime="2026-12-06T22:42:00+00:00" title="(full)">(short)</time>`,
  what a page shows: the short form, the full one on hover.
- `{{ day|day }}`          a calendar date (a due date, a plan's agreement): "Dec 6", or
  "Dec 6, 2025" in another year; `{{ day|day_full }}` "December 6, 2026" (printed documents).
  A datetime given to them is first turned into the viewer's date.
"""

from datetime import date, datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Days either side of today written as a weekday. Within one side no two days share a name; a past
# "Wed" and a coming one can both show, told apart by what they label (a message sent, a time due)
# and by the full form on hover.
WEEK_AROUND = 6


def clock(local: datetime) -> str:
    """ "4:42 PM": written by hand, so it reads the same under every locale and platform."""
    return f"{local.hour % 12 or 12}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"


def _local(moment: datetime, zone=None) -> datetime:
    return timezone.localtime(moment, zone or timezone.get_current_timezone())


@register.filter
def when(moment: datetime | None, now: datetime | None = None) -> str:
    """The short form of a moment, in the active zone (see the module's docstring)."""
    if not isinstance(moment, datetime):
        return "" if moment is None else day(moment)
    local, today = _local(moment), _local(now or timezone.now()).date()
    offset = (local.date() - today).days
    if offset == 0:
        return clock(local)
    if offset in (-1, 1):
        return f"{'Yesterday' if offset < 0 else 'Tomorrow'} {clock(local)}"
    if abs(offset) <= WEEK_AROUND:
        return f"{WEEKDAYS[local.weekday()]} {clock(local)}"
    if local.year == today.year:
        return f"{MONTHS[local.month - 1]} {local.day}, {clock(local)}"
    return f"{MONTHS[local.month - 1]} {local.day}, {local.year}"


@register.filter
def when_full(moment: datetime | None, zone=None) -> str:
    """ "Sun, Dec 6, 2026, 4:42 PM CST": unambiguous whenever it is read."""
    if not isinstance(moment, datetime):
        return "" if moment is None else day_full(moment)
    local = _local(moment, zone)
    return (
        f"{WEEKDAYS[local.weekday()]}, {MONTHS[local.month - 1]} {local.day}, {local.year}, "
        f"{clock(local)} {local.tzname()}"
    )


@register.filter
def when_tag(moment: datetime | None, now: datetime | None = None) -> str:
    """A <time> element: the short form shown, the full one on hover, the instant for machines."""
    if moment is None:
        return ""
    if not isinstance(moment, datetime):
        return format_html('<time datetime="{}">{}</time>', moment.isoformat(), day(moment))
    return format_html(
        '<time datetime="{}" title="{}">{}</time>', moment.isoformat(), when_full(moment), when(moment, now)
    )


def _as_date(value) -> date | None:
    if isinstance(value, datetime):
        return _local(value).date()
    return value if isinstance(value, date) else None


@register.filter
def day(value) -> str:
    """ "Dec 6" this year, "Dec 6, 2025" in another."""
    value = _as_date(value)
    if value is None:
        return ""
    words = f"{MONTHS[value.month - 1]} {value.day}"
    return words if value.year == _local(timezone.now()).year else f"{words}, {value.year}"


@register.filter
def day_full(value) -> str:
    """ "December 6, 2026"."""
    value = _as_date(value)
    return "" if value is None else f"{MONTH_NAMES[value.month - 1]} {value.day}, {value.year}"
