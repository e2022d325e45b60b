"""Who wrote: one Contact per customer across channels, found through their Identity."""

from django.db import IntegrityError, transaction

from .models import Contact, Identity, OrganizationDomain, Ticket, TicketEvent


def identity_for_author(kind, author):
    """The Identity of this channel user, created with a new Contact the first time they write.

    Profile details (handle, name, avatar) follow what the channel says now.
    """
    external_id = normalise_external_id(kind, author.external_id)
    identity = Identity.objects.select_related("contact").filter(kind=kind, external_id=external_id).first()
    if identity is None:
        identity = _create_identity(kind, external_id, author)
    else:
        _refresh_profile(identity, author)
    return identity


def normalise_external_id(kind, external_id):
    external_id = (external_id or "").strip()
    if not external_id:
        raise ValueError("The item has no author id.")
    return external_id.lower() if kind == "email" else external_id


def _create_identity(kind, external_id, author):
    try:
        with transaction.atomic():
            contact = Contact.objects.create(
                name=author.name or author.handle or external_id,
                organization=organization_for(kind, external_id),
            )
            return Identity.objects.create(
                contact=contact,
                kind=kind,
                external_id=external_id,
                handle=author.handle,
                display_name=author.name,
                avatar_url=author.avatar_url,
            )
    except IntegrityError:
        # Another process created the same identity a moment ago: use theirs. Any other
        # integrity error is not ours to hide.
        theirs = Identity.objects.select_related("contact").filter(kind=kind, external_id=external_id).first()
        if theirs is None:
            raise
        return theirs


def _refresh_profile(identity, author):
    changed = {}
    for attribute, value in (("handle", author.handle), ("display_name", author.name), ("avatar_url", author.avatar_url)):
        if value and getattr(identity, attribute) != value:
            changed[attribute] = value
    if changed:
        Identity.objects.filter(pk=identity.pk).update(**changed)
        for attribute, value in changed.items():
            setattr(identity, attribute, value)


def organization_for(kind, external_id):
    if kind != "email" or "@" not in external_id:
        return None
    domain = external_id.rsplit("@", 1)[1]
    match = OrganizationDomain.objects.select_related("organization").filter(domain=domain).first()
    return match.organization if match else None


@transaction.atomic
def contact_merge(*, source, target, actor=None):
    """Merge `source` into `target`: identities and tickets move, the source row points at the survivor."""
    if source.pk == target.pk:
        raise ValueError("A contact cannot be merged into itself.")
    if target.merged_into_id:
        raise ValueError(f"{target} was itself merged into another contact; merge into that one.")
    ticket_ids = list(source.tickets.values_list("pk", flat=True))
    source.identities.update(contact=target)
    Ticket.objects.filter(pk__in=ticket_ids).update(contact=target)
    Contact.objects.filter(merged_into=source).update(merged_into=target)
    if target.organization_id is None and source.organization_id:
        target.organization_id = source.organization_id
        target.save(update_fields=["organization"])
    source.merged_into = target
    source.save(update_fields=["merged_into"])
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
