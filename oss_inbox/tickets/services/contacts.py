"""Who wrote: one Contact per customer across channels, found through their Identity."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from ..models import Contact, Ticket, TicketEvent
from .critical_care import critical_care_follow_contacts
from .organizations import refresh_tickets

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def normalise_external_id(kind: str, external_id: str | None) -> str:
    external_id = (external_id or "").strip()
    if not external_id:
        raise ValueError("The item has no author id.")
    return external_id.lower() if kind == "email" else external_id


@transaction.atomic
def contact_merge(*, source: Contact, target: Contact, actor: User | None = None) -> Contact:
    """Merge `source` into `target`: identities and tickets move, the source row points at the survivor."""
    if source.pk == target.pk:
        raise ValueError("A contact cannot be merged into itself.")
    if target.merged_into_id:
        raise ValueError(f"{target} was itself merged into another contact; merge into that one.")
    ticket_ids = list(source.tickets.values_list("pk", flat=True))
    source.identities.update(contact=target)
    # updated_at: the queue shows another customer on them (inbox: its version, its kept rows).
    Ticket.objects.filter(pk__in=ticket_ids).update(contact=target, updated_at=timezone.now())
    Contact.objects.filter(merged_into=source).update(merged_into=target)
    if target.organization_id is None and source.organization_id:
        target.organization_id = source.organization_id
        target.save(update_fields=["organization"])
    source.merged_into = target
    source.save(update_fields=["merged_into"])
    if source.critical_care and not target.critical_care:  # who depends on power still does
        target.critical_care = True
        target.save(update_fields=["critical_care"])
    if target.organization_id:  # its open tickets, the merged ones too, follow the organization's status
        refresh_tickets(target.organization, actor)
    if target.critical_care:
        critical_care_follow_contacts([target.pk], why=f"merged with {source}", actor=actor)
    TicketEvent.objects.bulk_create(
        TicketEvent(
            ticket_id=ticket_id,
            kind=TicketEvent.Kind.CONTACT_MERGED,
            actor=actor,
            data={"from_contact": source.pk, "from_name": str(source), "into_contact": target.pk},
        )
        for ticket_id in ticket_ids
    )
    return target
