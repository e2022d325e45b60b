"""The ticket page's "Incident: <title>" line (templates/incidents/_ticket_incident.html).

Every ticket page draws it, and on most days no incident is open: the open incidents are a kept list
(oss_inbox/cached.py, moved on by every save or delete of an incident: IncidentsConfig.ready), so the
line costs nothing then; while incidents are open, one query says which one the ticket is in."""

from django import template

from oss_inbox.cached import cached_list

from ..models import Incident, IncidentTicket

register = template.Library()
MOVE_CHOICES = 50  # a storm night's open incidents fit; more would be a list nobody reads
OPEN_INCIDENTS_KEY = "incidents:open"
FIELDS = ("id", "title", "status", "proposed")


def open_incidents():
    """The open incidents (not restored, dismissed or merged), newest first (the first MOVE_CHOICES + 1)."""
    return cached_list(
        OPEN_INCIDENTS_KEY,
        lambda: Incident.objects.open().only(*FIELDS).order_by("-created_at")[: MOVE_CHOICES + 1],
    )


@register.inclusion_tag("incidents/_ticket_incident_line.html")
def ticket_incident(ticket):
    nothing = {"ticket": ticket, "incident": None, "others": []}
    kept = open_incidents()
    if not kept:
        return nothing
    linked = (
        IncidentTicket.objects.filter(ticket_id=ticket.pk, unlinked_at__isnull=True)
        .values_list("incident_id", flat=True)
        .first()
    )
    if linked is None:
        return nothing
    current = next((incident for incident in kept if incident.pk == linked), None)
    if current is None:  # older than the newest open ones kept, or closed
        current = Incident.objects.open().only(*FIELDS).filter(pk=linked).first()
    if current is None:
        return nothing
    others = [incident for incident in kept if incident.pk != linked][:MOVE_CHOICES]
    return {"ticket": ticket, "incident": current, "others": others}
