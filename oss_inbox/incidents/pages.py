"""The incident pages (/incidents/): the list (proposed first, with the reports that triggered them,
then open, then the latest restored, then the latest dismissed and merged: kept as records) and an
incident's page (its timeline, its tickets, and one-click actions). Whoever works the queue reads
them; supervisors and admins act (tickets.view_dashboards). An agent may move a ticket out of its
incident, or into another, from the ticket page."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from oss_inbox.tickets.models import Ticket

from .assign import incident_ticket_move, incident_ticket_unlink
from .models import Incident, IncidentTicket, OutageReport
from .services import (
    IncidentRefused,
    incident_confirm,
    incident_dismiss,
    incident_edit,
    incident_merge,
    incident_split,
)

REFUSED = 422
RESTORED_SHOWN = 30
CLOSED_SHOWN = 30  # dismissed and merged, the latest first
REPORTS_SHOWN = 3  # a proposal's triggering reports shown on the list
TICKETS_SHOWN = 200  # an incident's tickets listed on its page (the count says how many in all)
Status = Incident.Status
# What a supervisor sets by hand; dismissed and merged are what Dismiss and Merge leave.
EDITABLE_STATUSES = [
    (value, label) for value, label in Status.choices if value not in ("dismissed", "merged")
]

supervisors = permission_required("tickets.view_dashboards", raise_exception=True)


def _readers(view):
    """Whoever works the queue or supervises reads the incident pages."""

    def wrapped(request, *args, **kwargs):
        if not (
            request.user.has_perm("tickets.work_queue") or request.user.has_perm("tickets.view_dashboards")
        ):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return wrapped


def _open_tickets():
    return Count("links", filter=Q(links__unlinked_at__isnull=True))


@_readers
def incident_list(request):
    incidents = Incident.objects.select_related("area").annotate(tickets=_open_tickets())
    current = list(incidents.open().order_by("-created_at"))
    proposed = [incident for incident in current if incident.proposed]
    _attach_reports(proposed)
    context = {
        "proposed": proposed,
        "open": [incident for incident in current if not incident.proposed],
        "restored": incidents.filter(status=Status.RESTORED).order_by("-restored_at")[:RESTORED_SHOWN],
        "closed": _closed(),
        "may_act": request.user.has_perm("tickets.view_dashboards"),
    }
    return render(request, "incidents/list.html", context)


def _closed():
    """The latest dismissed and merged incidents, kept as records: when (their last timeline entry is
    the dismissal or the merge) and how many tickets they held."""
    return (
        Incident.objects.filter(status__in=[Status.DISMISSED, Status.MERGED])
        .select_related("area", "dismissed_by", "merged_into")
        .annotate(closed_at=Max("updates__created_at"), held=Count("links__ticket_id", distinct=True))
        .order_by("-closed_at", "-pk")[:CLOSED_SHOWN]
    )


def _attach_reports(proposed):
    """Each proposal's first reports (the customers' words and where): one query for all."""
    for incident in proposed:
        incident.reports = []
    if not proposed:
        return
    by_incident = {incident.pk: incident for incident in proposed}
    links = IncidentTicket.objects.filter(incident_id__in=by_incident, unlinked_at__isnull=True)
    first = {}  # the first tickets each proposal linked: theirs are the reports shown
    for incident_id, ticket_id in links.order_by("linked_at", "id").values_list("incident_id", "ticket_id"):
        if len(first.setdefault(incident_id, [])) < REPORTS_SHOWN:
            first[incident_id].append(ticket_id)
    ticket_incident = {ticket_id: incident_id for incident_id, ids in first.items() for ticket_id in ids}
    reports = OutageReport.objects.filter(ticket_id__in=ticket_incident).order_by("received_at")
    seen = set()
    for report in reports.only("ticket_id", "matched", "places", "received_at"):
        if report.ticket_id not in seen:  # a customer's first report: several in one ticket count once
            seen.add(report.ticket_id)
            by_incident[ticket_incident[report.ticket_id]].reports.append(report)


@_readers
def incident_page(request, incident_id):
    return _page(request, _incident(incident_id))


def _incident(incident_id):
    return get_object_or_404(
        Incident.objects.select_related("area", "confirmed_by", "dismissed_by", "merged_into"), pk=incident_id
    )


def _page(request, incident, *, error="", status=200):
    links = (
        incident.links.filter(unlinked_at__isnull=True)
        .select_related("ticket__contact", "ticket__account")
        .order_by("linked_at", "id")
    )
    context = {
        "incident": incident,
        "updates": incident.updates.select_related("author"),
        "links": links[:TICKETS_SHOWN],
        "ticket_count": links.count(),
        "tickets_shown": TICKETS_SHOWN,
        "others": Incident.objects.open().exclude(pk=incident.pk).select_related("area"),
        "statuses": EDITABLE_STATUSES,
        "may_act": request.user.has_perm("tickets.view_dashboards"),
        "error": error,
    }
    return render(request, "incidents/incident.html", context, status=status)


@supervisors
@require_POST
def confirm(request, incident_id):
    incident = _incident(incident_id)
    try:
        incident_confirm(incident, user=request.user)
    except IncidentRefused as refused:
        return _page(request, incident, error=str(refused), status=REFUSED)
    messages.success(request, f"“{incident.title}” is confirmed.")
    return redirect("incident_pages:incident", incident.pk)


@supervisors
@require_POST
def dismiss(request, incident_id):
    incident = _incident(incident_id)
    try:
        freed = incident_dismiss(incident, user=request.user)
    except IncidentRefused as refused:
        return _page(request, incident, error=str(refused), status=REFUSED)
    messages.success(
        request,
        f"“{incident.title}” was dismissed (kept as a record): its {freed} ticket(s) are in no incident.",
    )
    return redirect("incident_pages:list")


@supervisors
@require_POST
def merge(request, incident_id):
    incident = _incident(incident_id)
    target = Incident.objects.filter(pk=_int(request.POST.get("into"))).first()
    try:
        if target is None:
            raise IncidentRefused("Choose the incident to merge this one into.")
        moved = incident_merge(incident, target, user=request.user)
    except IncidentRefused as refused:
        return _page(request, incident, error=str(refused), status=REFUSED)
    messages.success(request, f"“{incident.title}” was merged into this incident: {moved} ticket(s) moved.")
    return redirect("incident_pages:incident", target.pk)


@supervisors
@require_POST
def split(request, incident_id):
    incident = _incident(incident_id)
    ticket_ids = [pk for pk in map(_int, request.POST.getlist("ticket")) if pk is not None]
    try:
        new = incident_split(incident, ticket_ids, title=request.POST.get("title", ""), user=request.user)
    except IncidentRefused as refused:
        return _page(request, incident, error=str(refused), status=REFUSED)
    messages.success(request, f"{len(set(ticket_ids))} ticket(s) moved to this new incident.")
    return redirect("incident_pages:incident", new.pk)


@supervisors
@require_POST
def edit(request, incident_id):
    incident = _incident(incident_id)
    try:
        incident_edit(
            incident,
            status=request.POST.get("status", ""),
            etr=_etr(request.POST.get("etr", "")),
            customers_out=_customers_out(request.POST.get("customers_out", "")),
            user=request.user,
        )
    except IncidentRefused as refused:
        return _page(request, incident, error=str(refused), status=REFUSED)
    messages.success(request, "Saved, and added to the timeline.")
    return redirect("incident_pages:incident", incident.pk)


@require_POST
def ticket_move(request, ticket_id):
    """An agent moves a ticket out of its incident ("out") or into another open one."""
    if not request.user.has_perm("tickets.work_queue"):
        raise PermissionDenied
    get_object_or_404(Ticket, pk=ticket_id)
    where = request.POST.get("to", "")
    if where == "out":
        incident_ticket_unlink(ticket_id, user=request.user)
        messages.success(request, "The ticket is in no incident now.")
    else:
        target = Incident.objects.open().filter(pk=_int(where)).first()
        if target is None:
            messages.error(request, "That incident is restored, dismissed or merged: choose an open one.")
        else:
            incident_ticket_move(target, ticket_id, by=IncidentTicket.LinkedBy.AGENT, user=request.user)
            messages.success(request, f"The ticket is in “{target.title}” now.")
    return redirect("inbox:ticket", ticket_id)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _etr(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise IncidentRefused(f"“{value}” is not a date and time: pick one, or leave the ETR empty.")
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _customers_out(value: str) -> int | None:
    value = value.strip().replace(",", "")
    if not value:
        return None
    if not value.isdigit():
        raise IncidentRefused(f"Customers out must be a whole number, not “{value}”.")
    return int(value)
