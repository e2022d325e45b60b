"""Saving an organization from its edit form: the fields, its email domains and known identities."""

from django.db import transaction

from oss_inbox.tickets.models import Organization, OrganizationDomain

from .matching import organization_attach_matching
from .models import AccountEvent, KnownIdentity

WATCHED = ("name", "is_key_account", "tier", "account_manager", "backup_manager")
MANAGERS = ("account_manager", "backup_manager")


@transaction.atomic
def organization_save(*, form, actor):
    """Save the form and its rules, record what changed on the timeline, then apply the rules.

    1. Save the organization's own fields.
    2. Replace its domains and known identities with the lists typed (unchanged rows are kept).
    3. Write one AccountEvent ACCOUNT naming the changes, if any.
    4. Attach the known contacts the rules now match and bring their open tickets in line
       (flag, priority, manager, SLA) with the account's key-account status.
    """
    creating = form.instance.pk is None
    # The form has already copied the new values onto its instance: read the stored ones.
    stored = None if creating else Organization.objects.select_related(*MANAGERS).get(pk=form.instance.pk)
    before = {name: _shown(stored, name) for name in WATCHED} if stored else {}
    organization = form.save()
    changes = [
        f"{_label(name)}: {before[name]} → {_shown(organization, name)}"
        for name in WATCHED
        if not creating and before[name] != _shown(organization, name)
    ]
    changes += _replace_domains(organization, form.cleaned_data["domains"])
    changes += _replace_identities(organization, form.cleaned_data["identities"])
    if creating:
        changes = ["created the organization", *changes]
    if changes:
        AccountEvent.objects.create(
            organization=organization,
            kind=AccountEvent.Kind.ACCOUNT,
            actor=actor,
            summary=_short("; ".join(changes)),
            data={"changes": changes},
        )
    attached = organization_attach_matching(organization, actor)
    return organization, attached


def _replace_domains(organization, domains):
    current = set(organization.domains.values_list("domain", flat=True))
    removed, added = current - set(domains), [domain for domain in domains if domain not in current]
    organization.domains.filter(domain__in=removed).delete()
    OrganizationDomain.objects.bulk_create(
        [OrganizationDomain(organization=organization, domain=d) for d in added]
    )
    return [*(f"added domain {d}" for d in added), *(f"removed domain {d}" for d in sorted(removed))]


def _replace_identities(organization, rules):
    current = set(organization.known_identities.values_list("kind", "value"))
    removed, added = current - set(rules), [rule for rule in rules if rule not in current]
    for kind, value in removed:
        organization.known_identities.filter(kind=kind, value=value).delete()
    KnownIdentity.objects.bulk_create(
        [KnownIdentity(organization=organization, kind=k, value=v) for k, v in added]
    )
    return [
        *(f"added identity {v}" for _, v in added),
        *(f"removed identity {v}" for _, v in sorted(removed)),
    ]


def _shown(organization, name):
    value = getattr(organization, name)
    if name == "tier":
        return organization.get_tier_display() or "none"
    if name == "is_key_account":
        return "yes" if value else "no"
    if name in ("account_manager", "backup_manager"):
        return (value.get_full_name() or value.get_username()) if value else "nobody"
    return value


def _label(name):
    return {"is_key_account": "key account", "backup_manager": "backup"}.get(name, name.replace("_", " "))


def _short(text, length=300):
    return text if len(text) <= length else text[: length - 1] + "…"
