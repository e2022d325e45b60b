"""Reads of tickets, scoped to what the user may see."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import get_object_or_404

from .models import OPEN_STATUSES, Ticket

PAGE_SIZE = 50
LIST_STATUSES = ("open", "pending", "resolved")


def ticket_list_page(user, *, status="open", page=1):
    """A page of tickets: open ones by SLA due time (soonest first), others by last update."""
    _require_queue(user)
    tickets = Ticket.objects.select_related("contact", "account", "assignee")
    if status == "open":
        tickets = tickets.filter(status__in=OPEN_STATUSES).order_by(F("sla_due_at").asc(nulls_last=True), "id")
    else:
        tickets = tickets.filter(status=status).order_by("-updated_at", "-id")
    return Paginator(tickets, PAGE_SIZE).get_page(page)


def ticket_for_user(user, ticket_id):
    _require_queue(user)
    return get_object_or_404(Ticket.objects.select_related("contact__organization", "account", "assignee"), pk=ticket_id)


def ticket_conversation(ticket):
    return ticket.messages.select_related("author_identity", "author_user").prefetch_related("attachments")


def _require_queue(user):
    if not user.has_perm("tickets.work_queue"):
        raise PermissionDenied
