"""The ticket page's "Incident: <title>" line (templates/incidents/_ticket_incident.html), in one query:
the open incidents, the ticket's own first, so the line and its "Move to" choices come together."""

from django import template
from django.db.models import Exists, OuterRef

from ..models import Incident, IncidentTicket

register = template.Library()
MOVE_CHOICES = 50  # a storm night's open incidents fit; more would be a list nobody reads


@register.inclusion_tag("incidents/_ticket_incident_line.html")
def ticket_incident(ticket):
    here = IncidentTicket.objects.filter(
        incident=OuterRef("pk"), ticket_id=ticket.pk, unlinked_at__isnull=True
    )
    rows = list(
        Incident.objects.exclude(status=Incident.Status.RESTORED)
        .annotate(here=Exists(here))
        .only("id", "title", "status", "proposed")
        .order_by("-here", "-created_at")[: MOVE_CHOICES + 1]
    )
    current = rows[0] if rows and rows[0].here else None
    return {"ticket": ticket, "incident": current, "others": rows[1:] if current else []}
