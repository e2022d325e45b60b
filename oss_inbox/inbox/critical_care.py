"""The critical-care flag from the ticket page's customer sidebar.

Everyone who works the queue sees the flag; supervisors and admins set or clear it here (an agent
gets 403: the service refuses). Setting it raises the customer's open tickets to at least High.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from oss_inbox.tickets.selectors import ticket_for_user
from oss_inbox.tickets.services import contact_set_critical_care

from .views import in_pane, render_ticket


@require_POST
def set_critical_care(request, ticket_id):
    ticket = ticket_for_user(request.user, ticket_id)
    wanted = request.POST.get("critical_care") == "1"
    flagged = contact_set_critical_care(contact=ticket.contact, critical_care=wanted, actor=request.user)
    if not flagged.changed:
        words = f"{ticket.contact} was already {'flagged' if wanted else 'not flagged'}."
    elif wanted:
        raised = f" {flagged.raised} open ticket(s) raised to High." if flagged.raised else ""
        words = f"{ticket.contact} flagged as critical care (depends on power).{raised}"
    else:
        words = f"{ticket.contact} no longer flagged as critical care; priorities are unchanged."
    messages.success(request, words)
    if in_pane(request):
        return render_ticket(request, ticket_for_user(request.user, ticket.pk))
    return redirect("inbox:ticket", ticket.pk)
