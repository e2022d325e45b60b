"""Reads of tickets, scoped to what the user may see."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .models import OPEN_STATUSES, Ticket

PAGE_SIZE = 50
LIST_STATUSES = ("open", "pending", "resolved")


SLA_FILTERS = (("", "All"), ("at_risk", "At risk"), ("breached", "Breached"))


def ticket_list_page(user, *, status="open", page=1, sla="", now=None):
    """A page of tickets: open ones by SLA due time (soonest first), others by last update.

    `sla` narrows open tickets to those at risk or breached now, from the stored due and
    at-risk instants (so the filter is right between two runs of the SLA scan).
    """
    _require_queue(user)
    tickets = Ticket.objects.select_related("contact", "account", "assignee")
    if status == "open":
        tickets = tickets.filter(status__in=OPEN_STATUSES).order_by(F("sla_due_at").asc(nulls_last=True), "id")
        now = now or timezone.now()
        if sla == "breached":
            tickets = tickets.filter(sla_due_at__lte=now)
        elif sla == "at_risk":
            tickets = tickets.filter(sla_at_risk_at__lte=now, sla_due_at__gt=now)
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
