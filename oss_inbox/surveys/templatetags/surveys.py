from django import template

from ..selectors import ticket_survey

register = template.Library()


@register.inclusion_tag("surveys/_ticket_result.html")
def survey_result(ticket):
    """The ticket's survey in one line: its rating and comment, sent and waiting, or why none went."""
    return {"survey": ticket_survey(ticket)}
