"""Critical care: who depends on power, for supervisors and admins (tickets.change_contact).

One page (/accounts/critical-care/) with the register (search, remove an entry), the CSV upload
with its report (a preview first, which changes nothing, or the import at once), one entry typed
by hand, and the contacts and organizations flagged. Every change is one call of
tickets.services (critical_care.py), which raises the open tickets of whoever is flagged.
"""

import re

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Max, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from oss_inbox.safety.models import CriticalCareEntry
from oss_inbox.safety.register import UnreadableFile, read_register_file
from oss_inbox.tickets.models import OPEN_STATUSES, Contact, Identity, Organization
from oss_inbox.tickets.services import (
    contact_set_critical_care,
    critical_care_entry_add,
    critical_care_entry_remove,
    critical_care_import,
    may_flag_contacts,
    organization_set_critical_care,
)

from .forms import RegisterEntryForm, RegisterUploadForm
from .permissions import require

PAGE = "keyaccounts/critical_care.html"
ENTRIES_PER_PAGE = 50
FLAGGED_SHOWN = 100
REPORT_LINES = 200  # rejected or repeated lines listed; the counts are always whole
REFUSED = 422


def critical_care(request):
    require(may_flag_contacts(request.user))
    return _render(request)


@require_POST
def register_import(request):
    """Preview (the default: nothing changes) or import a CSV file; the report either way."""
    require(may_flag_contacts(request.user))
    form = RegisterUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(request, upload=form, status=REFUSED)
    try:
        register = read_register_file(form.cleaned_data["data"])
    except UnreadableFile as unreadable:
        form.add_error(None, str(unreadable))
        return _render(request, upload=form, status=REFUSED)
    preview = request.POST.get("action") != "import"
    report = critical_care_import(register=register, actor=request.user, preview=preview)
    return _render(request, report=report, confirm_text=register.text if preview and report.added else "")


@require_POST
def entry_add(request):
    require(may_flag_contacts(request.user))
    form = RegisterEntryForm(request.POST)
    if not form.is_valid():
        return _render(request, entry_form=form, status=REFUSED)
    report = critical_care_entry_add(**form.cleaned_data, actor=request.user)
    if report.already:
        messages.info(request, f"{report.already[0].written} was already on the register.")
    else:
        messages.success(request, f"Added {report.added[0].written} to the register.{_flagged_words(report)}")
    return redirect("keyaccounts:critical_care")


@require_POST
def entry_remove(request, entry_id):
    require(may_flag_contacts(request.user))
    entry = get_object_or_404(CriticalCareEntry, pk=entry_id)
    critical_care_entry_remove(entry=entry, actor=request.user)
    messages.success(
        request,
        f"Removed {entry.written or entry.value} from the register. Customers it flagged keep their flag: "
        "clear it below if they no longer depend on power.",
    )
    return redirect("keyaccounts:critical_care")


@require_POST
def contact_flag(request, contact_id):
    require(may_flag_contacts(request.user))
    contact = get_object_or_404(Contact, pk=contact_id, merged_into=None)
    wanted = request.POST.get("critical_care") == "1"
    flagged = contact_set_critical_care(contact=contact, critical_care=wanted, actor=request.user)
    messages.success(request, flag_words(str(contact), wanted, flagged))
    return redirect("keyaccounts:critical_care")


@require_POST
def organization_flag(request, organization_id):
    require(may_flag_contacts(request.user))
    organization = get_object_or_404(Organization, pk=organization_id)
    wanted = request.POST.get("critical_care") == "1"
    flagged = organization_set_critical_care(
        organization=organization, critical_care=wanted, actor=request.user
    )
    messages.success(request, flag_words(organization.name, wanted, flagged))
    return redirect("keyaccounts:critical_care")


def flag_words(who, wanted, flagged):
    if not flagged.changed:
        return f"{who} was already {'flagged' if wanted else 'not flagged'}."
    if not wanted:
        return (
            f"{who} no longer flagged as critical care; the priorities of their open tickets are unchanged."
        )
    raised = f" {flagged.raised} open ticket(s) raised to High." if flagged.raised else ""
    return f"{who} flagged as critical care (depends on power).{raised}"


def _flagged_words(report):
    if not report.flagged:
        return ""
    raised = f"; {report.tickets_raised} open ticket(s) raised to High" if report.tickets_raised else ""
    return f" Flagged {', '.join(str(contact) for contact, _ in report.flagged)}{raised}."


def _render(request, *, upload=None, entry_form=None, report=None, confirm_text="", status=200):
    query = request.GET.get("find", "").strip()
    contacts = flagged_contacts(query)
    shown = list(contacts[: FLAGGED_SHOWN + 1])
    context = {
        "query": query,
        "entries": Paginator(register_entries(query), ENTRIES_PER_PAGE).get_page(request.GET.get("page")),
        "register_size": CriticalCareEntry.objects.count(),
        "contacts": shown[:FLAGGED_SHOWN],
        "contact_count": len(shown) if len(shown) <= FLAGGED_SHOWN else contacts.count(),
        "organizations": flagged_organizations(),
        "upload": upload or RegisterUploadForm(),
        "entry_form": entry_form or RegisterEntryForm(),
        "report": report,
        "report_lines": REPORT_LINES,
        "confirm_text": confirm_text,
    }
    return render(request, PAGE, context, status=status)


# Reads -------------------------------------------------------------------------------------------


def register_entries(query=""):
    """The register, newest first; `query` finds a value (a phone number whatever its spelling), a
    name or a note."""
    entries = CriticalCareEntry.objects.select_related("added_by").order_by("-created_at", "-id")
    if not query:
        return entries
    found = (
        Q(value__icontains=query.lstrip("@"))
        | Q(written__icontains=query)
        | Q(name__icontains=query)
        | Q(note__icontains=query)
    )
    digits = re.sub(r"\D", "", query)
    if len(digits) >= 3:
        found |= Q(kind=CriticalCareEntry.Kind.PHONE, value__contains=digits)
    return entries.filter(found)


def flagged_contacts(query=""):
    """Contacts flagged themselves (merged ones left out), with their identities, open tickets and
    newest ticket; `query` finds a name, an address or a handle."""
    contacts = Contact.objects.filter(critical_care=True, merged_into=None)
    if query:
        matching = Identity.objects.filter(
            Q(external_id__icontains=query) | Q(handle__icontains=query.lstrip("@"))
        ).values("contact_id")
        contacts = contacts.filter(Q(name__icontains=query) | Q(pk__in=matching))
    identities = Prefetch("identities", queryset=Identity.objects.order_by("kind", "external_id"))
    return (
        contacts.select_related("organization")
        .prefetch_related(identities)
        .annotate(
            open_tickets=Count("tickets", filter=Q(tickets__status__in=OPEN_STATUSES)),
            newest_ticket=Max("tickets__id"),
        )
        .order_by("name", "id")
    )


def flagged_organizations():
    return (
        Organization.objects.filter(critical_care=True)
        .annotate(
            contact_count=Count("contacts", distinct=True),
            open_tickets=Count(
                "contacts__tickets", filter=Q(contacts__tickets__status__in=OPEN_STATUSES), distinct=True
            ),
        )
        .order_by("name")
    )
