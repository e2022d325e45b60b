"""Reads for the ticket page beyond the conversation itself."""

from django.db.models import Count, Max

from oss_inbox.tickets.models import OPEN_STATUSES, Ticket

PAST_TICKETS = 10


def customer_sidebar(ticket):
    """The contact's identities on every channel and their other tickets, newest first (two queries)."""
    contact = ticket.contact
    identities = list(contact.identities.order_by("kind", "handle"))
    others = (
        Ticket.objects.filter(contact=contact)
        .exclude(pk=ticket.pk)
        .select_related("account")
        .order_by("-created_at", "-id")
    )
    return {"identities": identities, "past_tickets": list(others[:PAST_TICKETS])}


def open_queue_version():
    """Changes whenever an open ticket is added, changed or leaves the open views: one aggregate query."""
    latest = Ticket.objects.filter(status__in=OPEN_STATUSES).aggregate(changed=Max("updated_at"), count=Count("id"))
    changed = latest["changed"].timestamp() if latest["changed"] else 0
    return f"{latest['count']}-{changed:.6f}"
