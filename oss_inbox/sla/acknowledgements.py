"""Out of coverage, tell a customer when the team is back: when coverage opens again, in words.

Pure helpers over a coverage schedule; the acknowledgement itself is a reply, queued by
tickets.services.acknowledgements.
"""

import re

from django.utils import dateformat

from . import clock


def closed_until(moment, schedule):
    """When coverage next opens, if it is closed at `moment`; None while open (or never again)."""
    try:
        change_at, opens = clock.next_coverage_change(moment, schedule)
    except ValueError:  # always open, or never open again: nothing to promise
        return None
    return change_at if opens else None


def back_at_words(reopens_at, now, tz):
    """ "7:00 AM CT", "7:00 AM CT tomorrow", "8:00 AM CT on Saturday" or with the date if far off."""
    local, today = reopens_at.astimezone(tz), now.astimezone(tz).date()
    words = f"{dateformat.format(local, 'g:i A')} {zone_words(local)}"
    days = (local.date() - today).days
    if days == 0:
        return words
    if days == 1:
        return f"{words} tomorrow"
    return f"{words} on {dateformat.format(local, 'l' if days < 7 else 'l, F j')}"


def zone_words(local):
    """ "CT" for CST or CDT (customers don't care which), else the zone's own abbreviation."""
    name = local.tzname() or ""
    return f"{name[0]}T" if re.fullmatch(r"[A-Z][SD]T", name) else name
