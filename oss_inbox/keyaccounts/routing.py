"""Key-account tickets: flagged, high priority, on the key-account SLA, with the account manager.

The SLA policy follows from the flag and the priority (`sla.policies`: a key-account policy is
the most specific), so routing only sets those and the assignee before the due times are computed.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from oss_inbox.sla.services import ticket_sla_recompute
from oss_inbox.staff.notifications import notification_send
from oss_inbox.tickets.models import Ticket, TicketEvent

ROUTED_REASON = "key account manager"


def key_account_route(ticket, organization):
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


def assigned_data(manager):
    """The ASSIGNED event's data when routing, not a person, gave the ticket to the manager."""
    return {"from": None, "to": manager.get_username(), "reason": ROUTED_REASON}


def ticket_route_to_account(ticket, organization, *, actor=None, now=None):
    """An open ticket whose contact joined a key account, or whose organization's status changed."""
    now = now or timezone.now()
    if organization.is_key_account:
        manager = key_account_route(ticket, organization)
    else:
        ticket.is_key_account, manager = False, None
    ticket_sla_recompute(ticket, now)
    ticket.save()
    if manager is not None:
        TicketEvent.objects.create(ticket=ticket, kind=TicketEvent.Kind.ASSIGNED, actor=actor, data=assigned_data(manager))
        manager_notify(ticket, manager, organization)


def manager_notify(ticket, manager, organization):
    """Tell the account manager of a new ticket from their account (in the app and by email)."""
    text = f"New ticket from {organization}: #{ticket.pk} {ticket.subject or '(no subject)'}"
    link = settings.SITE_URL.rstrip("/") + reverse("inbox:ticket", args=[ticket.pk])
    body = f"{text}\n\nCustomer: {ticket.contact}\nChannel: {ticket.account}\n\n{link}\n"
    notification_send(recipients=[manager], ticket=ticket, event=None, text=text, body=body)
