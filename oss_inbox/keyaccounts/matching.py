"""Which organization a customer belongs to: known identities first, then email domains.

Ingest asks once per batch for the authors it has not seen before (`organizations_for_authors`);
an admin adding a rule later attaches the contacts already known (`organization_attach_matching`).
A contact attached by hand is never moved by a rule.
"""

from django.db import transaction
from django.db.models import Q

from oss_inbox.tickets.models import OPEN_STATUSES, Contact, Identity, Organization, OrganizationDomain, Ticket

from .models import KnownIdentity, normalise_known
from .routing import ticket_route_to_account

_WITH_MANAGERS = ("organization__account_manager", "organization__backup_manager")


def organizations_for_authors(kind, authors):
    """{author id: Organization} for new authors of one channel; `authors` maps id -> Author.

    Two queries at most, whatever the number of authors.
    """
    if not authors:
        return {}
    keys = {}  # normalised value -> author ids it may name (an id, an @handle or an address)
    for author_id, author in authors.items():
        for value in {author_id, getattr(author, "handle", "") or ""}:
            if value:
                keys.setdefault(normalise_known(value), set()).add(author_id)
    found = {}
    if kind == "email":
        domains = {_domain(author_id): author_id for author_id in authors if _domain(author_id)}
        rows = OrganizationDomain.objects.select_related(*_WITH_MANAGERS).filter(domain__in=domains)
        by_domain = {row.domain: row.organization for row in rows}
        found = {author_id: by_domain[_domain(author_id)] for author_id in authors if _domain(author_id) in by_domain}
    known = KnownIdentity.objects.select_related(*_WITH_MANAGERS).filter(kind=kind, value__in=keys)
    for rule in known:  # a named identity is more specific than a domain
        for author_id in keys[rule.value]:
            found[author_id] = rule.organization
    return found


@transaction.atomic
def organization_attach_matching(organization):
    """Attach the known contacts that the organization's rules match and that belong to no one yet.

    Then bring the open tickets of all its contacts in line with its key-account status (flag,
    priority, manager, SLA). Returns how many contacts were attached.
    """
    organization = Organization.objects.select_related("account_manager", "backup_manager").get(pk=organization.pk)
    matches = Q(pk__in=[])
    for domain in organization.domains.values_list("domain", flat=True):
        matches |= Q(kind="email", external_id__iendswith=f"@{domain}")
    for kind, value in organization.known_identities.values_list("kind", "value"):
        matches |= Q(kind=kind, external_id__iexact=value) | Q(kind=kind, handle__iexact=value)
    contact_ids = Identity.objects.filter(matches).values("contact_id")
    attached = Contact.objects.filter(pk__in=contact_ids, organization__isnull=True).update(organization=organization)
    organization_refresh_tickets(organization)
    return attached


def organization_refresh_tickets(organization, actor=None):
    """Open tickets of the organization's contacts follow its key-account status; returns how many changed."""
    tickets = (
        Ticket.objects.filter(contact__organization=organization, status__in=OPEN_STATUSES)
        .exclude(is_key_account=organization.is_key_account)
        .select_related("account", "assignee")
        .select_for_update(of=("self",))
    )
    changed = 0
    for ticket in tickets:
        ticket_route_to_account(ticket, organization, actor=actor)
        changed += 1
    return changed


def _domain(address):
    return address.rsplit("@", 1)[1].lower() if "@" in address else ""
