from django import template

from ..schedules import coverage_status
from ..timers import coverage_words, ticket_timer

register = template.Library()


@register.inclusion_tag("sla/_timer.html")
def sla_timer(ticket):
    """The ticket's SLA timer as a coloured label that also says its state in words."""
    return {"timer": ticket_timer(ticket)}


@register.inclusion_tag("sla/_coverage.html")
def coverage_header():
    """Whether each schedule in use is covered now, and until when (cached a few seconds)."""
    return {"lines": [(line.covered, coverage_words(line)) for line in coverage_status()]}
