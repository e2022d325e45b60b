from django.shortcuts import render

from oss_inbox.tickets.selectors import LIST_STATUSES, ticket_conversation, ticket_for_user, ticket_list_page


def queue(request):
    status = request.GET.get("status", "open")
    if status not in LIST_STATUSES:
        status = "open"
    page = ticket_list_page(request.user, status=status, page=request.GET.get("page", 1))
    return render(request, "inbox/queue.html", {"page": page, "status": status, "statuses": LIST_STATUSES})


def ticket_detail(request, ticket_id):
    ticket = ticket_for_user(request.user, ticket_id)
    return render(request, "inbox/ticket.html", {"ticket": ticket, "messages": ticket_conversation(ticket)})
