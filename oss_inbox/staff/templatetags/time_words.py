"""Relative times in words that never say "0 minutes": under a minute is "just now"."""

from django import template
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil

register = template.Library()
MINUTE = 60


@register.filter
def ago(moment):
    if moment is None:
        return ""
    if (timezone.now() - moment).total_seconds() < MINUTE:
        return "just now"
    return f"{timesince(moment)} ago"


@register.filter
def from_now(moment):
    if moment is None:
        return "due now"
    seconds = (moment - timezone.now()).total_seconds()
    if seconds <= 0:
        return "due now"
    if seconds < MINUTE:
        return "in under a minute"
    return f"in {timeuntil(moment)}"
