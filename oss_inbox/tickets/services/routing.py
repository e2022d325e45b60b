"""Key-account tickets: flagged, high priority, on the key-account SLA, with the account manager.

The SLA policy follows from the flag and the priority (`sla.policies`: a key-account policy is
the most specific), so routing only sets those and the assignee before the due times are computed.
Ingest routes a new ticket in memory (key_account_route); an open ticket whose organization
changed is routed through the one change helper (ticket_route_to_account).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from oss_inbox.staff.notifications import notification_send

from ..models import Organization, Ticket, TicketEvent
from .lifecycle import _change

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ROUTED_REASON = "key account manager"


def key_account_route(ticket: Ticket, organization: Organization | None) -> User | None:
    """Flag an unsaved or open ticket of the organization's contact; returns the manager it was given.

    Makes no query when the organization came with its managers (select_related), as ingest's do.
    """
    if organization is None or not organization.is_key_account:
        return None
    ticket.is_key_account = True
    ticket.priority = max(ticket.priority, Ticket.Priority.HIGH)
    manager = organization.manager_on_duty()
    if manager is None or ticket.assignee_id is not None:
        return None
    ticket.assignee = manager
    return manager


def assigned_data(manager: User) -> dict:
    """The ASSIGNED event's data when routing, not a person, gave the ticket to the manager."""
    return {"from": None, "to": manager.get_username(), "reason": ROUTED_REASON}


@transaction.atomic
def ticket_route_to_account(
    ticket: Ticket, organization: Organization, *, actor: User | None = None, now: datetime | None = None
) -> None:
    """An open ticket whose contact joined a key account, or whose organization's status changed."""
    now = now or timezone.now()
    managers = []

    def route(ticket):
        if ticket.is_key_account == organization.is_key_account:
            return []
        if organization.is_key_account:
            managers.append(key_account_route(ticket, organization))
        else:
            ticket.is_key_account = False
        data = {"key_account": organization.is_key_account, "organization": organization.pk}
        entries = [(TicketEvent.Kind.KEY_ACCOUNT, data)]
        if managers and managers[0] is not None:
            entries.append((TicketEvent.Kind.ASSIGNED, assigned_data(managers[0])))
        return entries

    _change(ticket, route, actor=actor, now=now)
    if managers and managers[0] is not None:
        manager_notify(ticket, managers[0], organization)


def manager_notify(ticket: Ticket, manager: User, organization: Organization) -> None:
    """Tell the account manager of a new ticket from their account (in the app and by email)."""
    text = f"New ticket from {organization}: #{ticket.pk} {ticket.subject or '(no subject)'}"
    link = settings.SITE_URL.rstrip("/") + ticket.get_absolute_url()
    body = f"{text}\n\nCustomer: {ticket.contact}\nChannel: {ticket.account}\n\n{link}\n"
    notification_send(recipients=[manager], ticket=ticket, event=None, text=text, body=body)
