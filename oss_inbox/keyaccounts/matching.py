"""Which organization a customer belongs to: known identities first, then email domains.

Ingest asks once per batch for the authors it has not seen before (`organizations_for_authors`);
an admin adding a rule later attaches the contacts already known (`organization_attach_matching`).
A contact attached by hand is never moved by a rule.
"""

from django.db.models import Q

from oss_inbox.tickets.models import OrganizationDomain
from oss_inbox.tickets.services.organizations import organization_attach_contacts

from .models import KnownIdentity, normalise_known

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
        found = {
            author_id: by_domain[_domain(author_id)]
            for author_id in authors
            if _domain(author_id) in by_domain
        }
    known = KnownIdentity.objects.select_related(*_WITH_MANAGERS).filter(kind=kind, value__in=keys)
    for rule in known:  # a named identity is more specific than a domain
        for author_id in keys[rule.value]:
            found[author_id] = rule.organization
    return found


def organization_attach_matching(organization, actor=None):
    """Attach the known contacts that the organization's rules match and that belong to no one yet,
    then bring the open tickets of all its contacts in line (tickets.services). Returns how many
    contacts were attached."""
    matches = Q(pk__in=[])
    for domain in organization.domains.values_list("domain", flat=True):
        matches |= Q(kind="email", external_id__iendswith=f"@{domain}")
    for kind, value in organization.known_identities.values_list("kind", "value"):
        matches |= Q(kind=kind, external_id__iexact=value) | Q(kind=kind, handle__iexact=value)
    return organization_attach_contacts(organization, identities=matches, actor=actor)


def _domain(address):
    return address.rsplit("@", 1)[1].lower() if "@" in address else ""
