from django.shortcuts import render

from oss_inbox.sla.policies import policy_for_ticket
from oss_inbox.tickets.selectors import (
    LIST_STATUSES,
    SLA_FILTERS,
    ticket_conversation,
    ticket_for_user,
    ticket_list_page,
)


def queue(request):
    status = request.GET.get("status", "open")
    if status not in LIST_STATUSES:
        status = "open"
    sla = request.GET.get("sla", "") if status == "open" else ""
    filters = dict(SLA_FILTERS)
    sla = sla if sla in filters else ""
    page = ticket_list_page(request.user, status=status, page=request.GET.get("page", 1), sla=sla)
    context = {"page": page, "status": status, "statuses": LIST_STATUSES, "sla": sla,
               "sla_filters": SLA_FILTERS, "sla_label": filters[sla]}
    return render(request, "inbox/queue.html", context)


def ticket_detail(request, ticket_id):
    ticket = ticket_for_user(request.user, ticket_id)
    context = {"ticket": ticket, "messages": ticket_conversation(ticket), "policy": policy_for_ticket(ticket)}
    return render(request, "inbox/ticket.html", context)
