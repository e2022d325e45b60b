"""Contacts joining an organization, and the open tickets that follow its key-account status."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q

from ..models import OPEN_STATUSES, Contact, Identity, Organization, Ticket
from .critical_care import critical_care_follow_contacts
from .routing import ticket_route_to_account

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def organization_attach_contacts(
    organization: Organization, *, identities: Q, actor: User | None = None
) -> int:
    """Attach the contacts with an identity matching `identities` that belong to no organization yet
    (a contact attached by hand is never moved), then bring the open tickets of all its contacts in
    line with its key-account status. Returns how many contacts were attached."""
    organization = Organization.objects.select_related("account_manager", "backup_manager").get(
        pk=organization.pk
    )
    contact_ids = Identity.objects.filter(identities).values("contact_id")
    attached = Contact.objects.filter(pk__in=contact_ids, organization__isnull=True).update(
        organization=organization
    )
    refresh_tickets(organization, actor)
    if attached and organization.critical_care:  # a hospital's people depend on power from now on
        critical_care_follow_contacts(
            Contact.objects.filter(pk__in=contact_ids, organization=organization).values("pk"),
            why=f"joined {organization}",
            actor=actor,
        )
    return attached


def refresh_tickets(organization: Organization, actor: User | None = None) -> None:
    """Open tickets of the organization's contacts follow its key-account status (in the caller's
    transaction): flag, priority, manager, SLA, each change on the ticket's timeline."""
    tickets = (
        Ticket.objects.filter(contact__organization=organization, status__in=OPEN_STATUSES)
        .exclude(is_key_account=organization.is_key_account)
        .select_related("account", "assignee")
    )
    for ticket in tickets:
        ticket_route_to_account(ticket, organization, actor=actor)
