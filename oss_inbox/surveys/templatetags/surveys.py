from django import template

from ..selectors import ticket_survey

register = template.Library()


@register.inclusion_tag("surveys/_ticket_result.html")
def survey_result(ticket, conversation=()):
    """The ticket's survey in one line: its rating and comment, sent and waiting, or why none went.

    Only a ticket resolved now, or one whose conversation holds the survey (reopened since), can
    have one: the open tickets agents work on all day do not pay a query to find none.
    """
    if ticket.resolved_at is None and not any(m.context.get("survey") for m in conversation):
        return {"survey": None}
    return {"survey": ticket_survey(ticket)}
