"""People who depend on power: the critical-care flag of contacts and organizations, and the register.

- `contact_set_critical_care` / `organization_set_critical_care` set or clear a flag. Setting it
  raises every open ticket of theirs to at least High, each through the one change helper with a
  CRITICAL_CARE entry on its timeline (and a PRIORITY entry when it was raised). Clearing records a
  CRITICAL_CARE entry and lowers nothing: a priority someone raised stays until someone lowers it.
- `critical_care_import` applies a register file (safety.register reads it) in one transaction:
  new entries stored, the customers already known whose identities match them flagged at once.
  `preview=True` does all of it and rolls it back, so the preview's numbers are the import's.
- `critical_care_authors` tells ingest which new customers are on the register: no query while the
  register is empty (a cached answer), one per batch otherwise.

Who may: supervisors and admins (`tickets.change_contact`); an organization's account manager and
backup may flag their organization too (they edit it). Agents see the flag and change nothing.
Removing a register entry stops it matching new customers; it leaves flags already set alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from oss_inbox.cached import cached_list, forget_now, forget_on_change
from oss_inbox.safety.models import CriticalCareEntry
from oss_inbox.safety.register import (
    EMAIL,
    FACEBOOK,
    PHONE,
    RegisterFile,
    Rejected,
    Value,
    X,
    identity_keys,
    normalise,
)

from ..models import OPEN_STATUSES, Contact, Identity, Organization, Ticket, TicketEvent
from .lifecycle import _change

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from channels.base import Author

REGISTER_KEY = "safety:critical-care-register"
CHUNK = 500  # values per query: well under any database's limit on parameters
CHANNEL_OF = {EMAIL: "email", X: "twitter", FACEBOOK: "facebook"}
REFUSED = "Only supervisors and admins change who depends on power."

forget_on_change(REGISTER_KEY, CriticalCareEntry)


@dataclass(frozen=True)
class Flagged:
    """What setting or clearing a flag did: whether it changed, on how many open tickets, how many
    of them were raised to High."""

    changed: bool = False
    tickets: int = 0
    raised: int = 0


@dataclass
class ImportReport:
    """What an import did (or, previewed, would do)."""

    added: list[Value] = field(default_factory=list)
    already: list[Value] = field(default_factory=list)  # on the register before
    repeated: list[tuple[Value, int]] = field(default_factory=list)  # again in the file, first on line n
    rejected: list[Rejected] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    flagged: list[tuple[Contact, Value]] = field(default_factory=list)  # contacts flagged, by which entry
    tickets_raised: int = 0
    preview: bool = False


# Who may -----------------------------------------------------------------------------------------


def may_flag_contacts(user: User | None) -> bool:
    """Supervisors and admins; also who may change the register."""
    return user is not None and user.is_active and user.has_perm("tickets.change_contact")


def may_flag_organization(user: User | None, organization: Organization) -> bool:
    return may_flag_contacts(user) or (
        user is not None
        and user.is_active
        and user.has_perm("tickets.work_queue")
        and user.pk in (organization.account_manager_id, organization.backup_manager_id)
    )


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(REFUSED)


# Flags -------------------------------------------------------------------------------------------


@transaction.atomic
def contact_set_critical_care(
    *, contact: Contact, critical_care: bool, actor: User, why: str = ""
) -> Flagged:
    """Flag a contact who depends on power, or clear the flag; `why` goes on the tickets' timeline."""
    _require(may_flag_contacts(actor))
    return _flag_contact(contact, critical_care, actor, why or _by(actor))


@transaction.atomic
def organization_set_critical_care(
    *, organization: Organization, critical_care: bool, actor: User
) -> Flagged:
    """Flag an organization that depends on power (a hospital, a care home), or clear it: the open
    tickets of all its contacts follow."""
    _require(may_flag_organization(actor, organization))
    changed = (
        Organization.objects.filter(pk=organization.pk)
        .exclude(critical_care=critical_care)
        .update(critical_care=critical_care, updated_at=timezone.now())
    )
    organization.critical_care = critical_care
    if not changed:
        return Flagged()
    data = {
        "critical_care": critical_care,
        "organization": organization.pk,
        "organization_name": organization.name,
        "why": f"{organization.name}, {_by(actor)}",
    }
    tickets = Ticket.objects.filter(contact__organization_id=organization.pk, status__in=OPEN_STATUSES)
    return _follow(tickets, critical_care, data, actor)


def _flag_contact(contact, critical_care, actor, why):
    # A conditional update: of two people flagging at once, one changes it and the other finds it done.
    changed = (
        Contact.objects.filter(pk=contact.pk)
        .exclude(critical_care=critical_care)
        .update(critical_care=critical_care)
    )
    contact.critical_care = critical_care
    if not changed:
        return Flagged()
    data = {"critical_care": critical_care, "contact": contact.pk, "why": why}
    return _follow(
        Ticket.objects.filter(contact_id=contact.pk, status__in=OPEN_STATUSES), critical_care, data, actor
    )


def critical_care_follow_contacts(contact_ids, *, why: str, actor: User | None = None) -> Flagged:
    """Contacts that came to depend on power without anyone flagging them (they joined a critical-care
    organization, or a flagged contact was merged into them): their open tickets below High are
    raised, each with its timeline entry. In the caller's transaction."""
    data = {"critical_care": True, "why": why}
    tickets = Ticket.objects.filter(
        contact_id__in=contact_ids, status__in=OPEN_STATUSES, priority__lt=Ticket.Priority.HIGH
    )
    return _follow(tickets, True, data, actor)


def _follow(tickets, critical_care, data, actor):
    """Each open ticket gets the entry; when flagged, one below High is raised to High."""
    raised = []

    def follow(ticket):
        if not ticket.is_open:  # resolved since it was read
            return []
        entries = [(TicketEvent.Kind.CRITICAL_CARE, data)]
        if critical_care and ticket.priority < Ticket.Priority.HIGH:
            entries.append(
                (
                    TicketEvent.Kind.PRIORITY,
                    {"from": ticket.priority, "to": Ticket.Priority.HIGH, "reason": "critical care"},
                )
            )
            ticket.priority = Ticket.Priority.HIGH
            raised.append(ticket.pk)
        return entries

    count = 0
    for ticket in tickets.select_related("account").order_by("pk"):
        count += bool(_change(ticket, follow, actor=actor))
    return Flagged(changed=True, tickets=count, raised=len(raised))


def _by(actor):
    return f"marked by {actor.get_full_name() or actor.get_username()}"


# The register ------------------------------------------------------------------------------------


@transaction.atomic
def critical_care_import(*, register: RegisterFile, actor: User, preview: bool = False) -> ImportReport:
    """Store the file's new entries and flag the known customers they match (see the module's notes);
    a preview reports what that would do, reading only: no write, no lock on any ticket."""
    _require(may_flag_contacts(actor))
    report = ImportReport(
        repeated=register.repeated,
        rejected=register.rejected,
        ignored_columns=register.ignored_columns,
        preview=preview,
    )
    if preview:
        _preview(register.values, report)
    else:
        with transaction.atomic():
            _import(register.values, actor, report)
    return report


@transaction.atomic
def critical_care_entry_add(
    *, kind: str, written: str, name: str = "", note: str = "", actor: User
) -> ImportReport:
    """One entry typed on the page; NotAValue (in words) when it is not a value of that kind."""
    _require(may_flag_contacts(actor))
    value = Value(
        0, kind, normalise(kind, written), written.strip()[:255], name.strip()[:200], note.strip()[:500]
    )
    return critical_care_import(register=RegisterFile(values=[value]), actor=actor)


@transaction.atomic
def critical_care_entry_remove(*, entry: CriticalCareEntry, actor: User) -> None:
    """Take an entry off the register: it no longer matches new customers; flags already set stay."""
    _require(may_flag_contacts(actor))
    entry.delete()


def _sort_new(values, report):
    there = _on_register(values)
    for value in values:
        (report.already if value.key in there else report.added).append(value)


def _preview(values, report):
    _sort_new(values, report)
    report.flagged = _known_customers(report.added)
    below_high = Ticket.objects.filter(status__in=OPEN_STATUSES, priority__lt=Ticket.Priority.HIGH)
    for chunk in _chunks([contact.pk for contact, _ in report.flagged]):
        report.tickets_raised += below_high.filter(contact_id__in=chunk).count()


def _import(values, actor, report):
    _sort_new(values, report)
    CriticalCareEntry.objects.bulk_create(
        [
            CriticalCareEntry(
                kind=v.kind, value=v.value, written=v.written, name=v.name, note=v.note, added_by=actor
            )
            for v in report.added
        ],
        ignore_conflicts=True,  # a colleague importing the same file at the same moment
    )
    if report.added:
        _register_changed()
    for contact, value in _known_customers(report.added):
        flagged = _flag_contact(
            contact, True, actor, f"on the critical-care register ({value.written or value.value})"
        )
        if flagged.changed:
            report.flagged.append((contact, value))
            report.tickets_raised += flagged.raised


def _on_register(values):
    by_kind = {}
    for value in values:
        by_kind.setdefault(value.kind, []).append(value.value)
    there = set()
    for kind, wanted in by_kind.items():
        for chunk in _chunks(wanted):
            there.update(
                CriticalCareEntry.objects.filter(kind=kind, value__in=chunk).values_list("kind", "value")
            )
    return there


def _known_customers(values):
    """[(contact, the value matching them)] of the customers already known, once each, unflagged only."""
    wanted = {value.key: value for value in values}
    found = {}
    for identity in _candidate_identities(values):
        keys = identity_keys(identity.kind, identity.external_id, identity.handle) & wanted.keys()
        if keys and not identity.contact.critical_care:
            found.setdefault(identity.contact_id, (identity.contact, wanted[min(keys)]))
    return list(found.values())


def _candidate_identities(values):
    """The identities that may match: by address, id or handle (indexed or a short scan per channel);
    for phone numbers, the email addresses whose local part is a number (email-to-SMS)."""
    by_kind = {}
    for value in values:
        by_kind.setdefault(value.kind, []).append(value.value)
    identities = Identity.objects.select_related("contact")
    for kind, wanted in by_kind.items():
        for chunk in _chunks(wanted):
            if kind == EMAIL:
                yield from identities.filter(kind="email", external_id__in=chunk)
            elif kind in (X, FACEBOOK):
                yield from identities.annotate(handle_lower=Lower("handle")).filter(
                    Q(external_id__in=chunk) | Q(handle_lower__in=chunk), kind=CHANNEL_OF[kind]
                )
    if PHONE in by_kind:
        yield from identities.filter(kind="email", external_id__regex=r"^\+?[0-9][0-9().-]*@")


def _chunks(values):
    values = sorted(set(values))
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _register_changed():
    """bulk_create sends no post_save: the cached "register in use" answer is moved on by hand."""
    forget_now(REGISTER_KEY)


# Ingest ------------------------------------------------------------------------------------------


def register_in_use() -> bool:
    """Whether the register has any entry: cached, so that ingest asks nothing while it is empty."""
    first = CriticalCareEntry.objects.order_by().values_list("pk", flat=True)[:1]
    return bool(cached_list(REGISTER_KEY, lambda: first))


def critical_care_authors(channel: str, authors: dict[str, Author]) -> set[str]:
    """The ids of the new authors (author id -> Author) of one channel who are on the register.
    No query while the register is empty; one otherwise, whatever the number of authors."""
    if not authors or not register_in_use():
        return set()
    keys = {
        author_id: identity_keys(channel, author_id, author.handle) for author_id, author in authors.items()
    }
    wanted = {}
    for kind, value in set().union(*keys.values()):
        wanted.setdefault(kind, []).append(value)
    if not wanted:
        return set()
    condition = Q(pk__in=[])
    for kind, values in wanted.items():
        condition |= Q(kind=kind, value__in=values)
    found = set(CriticalCareEntry.objects.filter(condition).values_list("kind", "value"))
    return {author_id for author_id, author_keys in keys.items() if author_keys & found}
