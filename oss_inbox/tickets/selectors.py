"""Reads of tickets, scoped to what the user may see."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet

from oss_inbox.errors import get_or_404
from oss_inbox.sla.states import OPEN_STATUSES

from .models import Message, Ticket

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.contrib.auth.models import User


def ticket_for_user(user: User, ticket_id: int) -> Ticket:
    _require_queue(user)
    queryset = Ticket.objects.select_related("contact__organization", "account", "assignee")
    return get_or_404(queryset, f"No ticket #{ticket_id}.", pk=ticket_id)


def ticket_conversation(ticket: Ticket) -> QuerySet[Message]:
    # Not the platform's raw payload (kept for support and replays, a few kilobytes of JSON a message
    # from X or Meta), which the ticket page never shows: parsing it was most of a message's load.
    messages = ticket.messages.defer("raw").select_related("author_identity", "author_user")
    return messages.prefetch_related("attachments")


def open_tickets_by_assignee(user_ids: Iterable[int]) -> dict[int, int]:
    """{user id: unresolved tickets (new, open, pending) assigned to them}, through ticket_assignee_idx:
    what automatic assignment counts against a person's capacity; people holding none are left out."""
    held = Ticket.objects.filter(assignee_id__in=list(user_ids), status__in=OPEN_STATUSES)
    return dict(held.values_list("assignee_id").annotate(n=Count("id")).order_by())


def _require_queue(user):
    if not user.has_perm("tickets.work_queue"):
        raise PermissionDenied
