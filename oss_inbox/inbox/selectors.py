"""Reads for the ticket page beyond the conversation itself."""

from django.db.models import Max

from oss_inbox.tickets.models import Ticket

PAST_TICKETS = 10


def customer_sidebar(ticket: Ticket) -> dict[str, list]:
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


def open_queue_version() -> str:
    """Changes whenever a ticket is added or changed (so also when one leaves the open views).

    One query of two index look-ups (the newest updated_at and the highest id), the same cost
    at any size: counting the open tickets, as this once did, read every one of them. A change
    to a resolved ticket refreshes the queue for nothing, which is rare and harmless.
    """
    latest = Ticket.objects.aggregate(changed=Max("updated_at"), newest=Max("id"))
    changed = latest["changed"].timestamp() if latest["changed"] else 0
    return f"{latest['newest'] or 0}-{changed:.6f}"
