"""The incident page's "Customer updates" panel: write one update to all the incident's customers,
preview whom it reaches, send it, follow its progress live, and restore the incident with a final
message. Whoever reads the incident page sees the progress; supervisors and admins write.

The panel loads itself into the incident page (`_update_panel.html`, one include there) and swaps
in place with htmx; each view is one service call (fanout.py).
"""

from datetime import timedelta

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from .fanout import (
    BroadcastRefused,
    broadcast_progress,
    broadcast_send,
    incident_restore,
    incident_set_notify,
    reach_preview,
    restored_text,
)
from .models import Incident, IncidentUpdate
from .pages import _readers, supervisors
from .placeholders import NAMES, PlaceholderRefused
from .still_out import still_out_tickets

SECTION = "incidents/_update_section.html"
# A second Send of the same text by the same person within this is the same click, twice.
REPEAT_WINDOW = timedelta(minutes=2)
BROADCASTS_SHOWN = 10
STILL_OUT_SHOWN = 50


def _incident(incident_id):
    return get_object_or_404(Incident.objects.select_related("area"), pk=incident_id)


def _section(request, incident, *, text="", error="", done=""):
    broadcasts = list(
        incident.updates.filter(broadcast=True)
        .select_related("author")
        .order_by("-created_at")[:BROADCASTS_SHOWN]
    )
    still_out = still_out_tickets(incident)
    context = {
        "incident": incident,
        "may_act": request.user.has_perm("tickets.view_dashboards"),
        "broadcasts": [(update, broadcast_progress(update)) for update in broadcasts],
        "still_out": still_out[:STILL_OUT_SHOWN],
        "still_out_count": still_out.count(),
        "placeholders": [f"{{{{{name}}}}}" for name in NAMES],
        "text": text,
        "final_text": restored_text(timezone.now()),
        "error": error,
        "done": done,
    }
    return render(request, SECTION, context)


@_readers
@require_GET
def updates_panel(request, incident_id):
    return _section(request, _incident(incident_id))


@supervisors
@require_POST
def update_preview(request, incident_id):
    incident = _incident(incident_id)
    text = request.POST.get("text", "").strip()
    context = {"incident": incident, "text": text}
    try:
        if not text:
            raise PlaceholderRefused("Write the update to see whom it reaches.")
        context["reach"] = reach_preview(incident, text)
    except PlaceholderRefused as refused:
        context["error"] = str(refused)
    return render(request, "incidents/_update_preview.html", context)


@supervisors
@require_POST
def update_send(request, incident_id):
    incident = _incident(incident_id)
    text = request.POST.get("text", "")
    try:
        _send_once(incident, text, request.user)
    except BroadcastRefused as refused:
        return _answer(request, incident, error=str(refused), text=text)
    return _answer(request, incident, done="Sent: each customer gets it on their own channel, paced.")


def _send_once(incident, text, user):
    """A double click posts the same composer twice: the second finds the first (same author, same
    text, moments ago, under the incident's lock) and sends nothing more."""
    with transaction.atomic():
        Incident.objects.select_for_update().filter(pk=incident.pk).first()
        recent = incident.updates.filter(
            broadcast=True,
            author=user,
            text=text.strip(),
            created_at__gte=timezone.now() - REPEAT_WINDOW,
        ).first()
        return recent or broadcast_send(incident=incident, text=text, author=user)


@supervisors
@require_POST
def update_restore(request, incident_id):
    incident = _incident(incident_id)
    text = request.POST.get("final_text", "")
    try:
        incident_restore(incident=incident, by=request.user, final_text=text)
    except BroadcastRefused as refused:
        return _answer(request, incident, error=str(refused))
    return _answer(request, incident, done="Restored: the final message goes to every ticket, resolving it.")


@supervisors
@require_POST
def update_notify(request, incident_id):
    incident = incident_set_notify(_incident(incident_id), on=request.POST.get("notify") == "on")
    return _answer(request, incident)


def _answer(request, incident, *, error="", text="", done=""):
    """htmx swaps the panel in place, saying what happened (the text kept on a refusal: 200, so that
    htmx swaps it); a plain form goes back to the page."""
    if request.htmx:
        return _section(request, incident, text=text, error=error, done=done)
    if error:
        messages.error(request, error)
    elif done:
        messages.success(request, done)
    return redirect("incident_pages:incident", incident.pk)


@_readers
@require_GET
def update_progress(request, update_id):
    update = get_object_or_404(IncidentUpdate, pk=update_id, broadcast=True)
    return render(
        request, "incidents/_update_progress.html", {"update": update, "progress": broadcast_progress(update)}
    )
