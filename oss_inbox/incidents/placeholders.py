"""A broadcast's placeholders, filled per ticket: {{area}}, {{etr}}, {{status}}, {{first_name}}. Pure.

Times are said in the service territory's local time (settings.TIME_ZONE, America/Chicago), the way a
customer reads them: "6:40 PM", "6:40 PM tomorrow", "6:40 PM on Wednesday, Nov 4".
"""

import re
from datetime import datetime, timedelta

from django.utils import timezone

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
NAMES = ("area", "etr", "status", "first_name")
ETR_UNKNOWN = "not yet known"
# Said to a customer whose name we do not know, or which is a handle or an address.
NO_NAME = "there"
# How a status reads inside a sentence ("Update for Elm St: crews working").
STATUS_WORDS = {
    "investigating": "investigating",
    "crews_working": "crews working",
    "restored": "restored",
}


class PlaceholderRefused(ValueError):
    """The text names a placeholder we cannot fill; the message says which, and what may be used."""


def placeholders_check(template: str) -> None:
    """Refuse, in words, a text with a placeholder that is not one of NAMES."""
    known = ", ".join(f"{{{{{name}}}}}" for name in NAMES[:-1]) + f" or {{{{{NAMES[-1]}}}}}"
    for name in PLACEHOLDER.findall(template):
        if name not in NAMES:
            raise PlaceholderRefused(f"{{{{{name}}}}} is not a placeholder; use {known}.")


def fill(template: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), template)


def first_name(name: str) -> str:
    """The customer's first name, or NO_NAME when what we have is not a person's name (a handle, an
    address, a number)."""
    word = (name or "").strip().split(" ", 1)[0].strip(",.;:")
    if not word or not word[0].isalpha() or "@" in word or any(ch.isdigit() for ch in word):
        return NO_NAME
    return word


def time_words(when: datetime | None, now: datetime) -> str:
    """A time as the customer reads it, in the territory's local time."""
    if when is None:
        return ETR_UNKNOWN
    local, today = timezone.localtime(when), timezone.localtime(now).date()
    clock = f"{local:%-I:%M %p}"
    if local.date() == today:
        return clock
    if local.date() == today + timedelta(days=1):
        return f"{clock} tomorrow"
    return f"{clock} on {local:%A, %b %-d}"


def values_for(*, area: str, etr: datetime | None, status: str, name: str, now: datetime) -> dict[str, str]:
    return {
        "area": area,
        "etr": time_words(etr, now),
        "status": STATUS_WORDS.get(status, status),
        "first_name": first_name(name),
    }
