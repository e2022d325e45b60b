"""Why a ticket's assignee has it, when automatic assignment (or key-account routing) chose them."""

from django import template

from oss_inbox.tickets.services.assignment import automatic_assignment as assignment_of

register = template.Library()


@register.simple_tag
def automatic_assignment(ticket):
    """The ASSIGNED event's data ({"reason": ...}) behind the current assignee, or None:
    `{% automatic_assignment ticket as assigned %}`."""
    return assignment_of(ticket)
