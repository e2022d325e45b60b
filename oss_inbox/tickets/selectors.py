"""Reads of tickets, scoped to what the user may see."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from oss_inbox.errors import get_or_404

from .models import Message, Ticket

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def ticket_for_user(user: User, ticket_id: int) -> Ticket:
    _require_queue(user)
    queryset = Ticket.objects.select_related("contact__organization", "account", "assignee")
    return get_or_404(queryset, f"No ticket #{ticket_id}.", pk=ticket_id)


def ticket_conversation(ticket: Ticket) -> QuerySet[Message]:
    return ticket.messages.select_related("author_identity", "author_user").prefetch_related("attachments")


def _require_queue(user):
    if not user.has_perm("tickets.work_queue"):
        raise PermissionDenied
