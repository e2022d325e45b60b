"""Customers still out after a restoration: whoever writes after the final message was queued on their
ticket is flagged "still out after restoration", and the incident page lists them.

Ingest itself reopens the customer's ticket (within settings.REOPEN_WINDOW of its resolution), or,
later, opens a new one that follows it (`previous_ticket`): both are found here, and only that
customer's ticket is touched. The tag goes through tickets.services, the only writer of tickets.
"""

from django.db.models import Q

from oss_inbox.tickets.models import Message, Ticket
from oss_inbox.tickets.services import ticket_add_tags

from .models import Incident, IncidentDelivery

STILL_OUT_TAG = "still out after restoration"


def _final_deliveries():
    """Deliveries of a restoration's final message whose reply was queued."""
    return IncidentDelivery.objects.filter(update__resolves=True, state=IncidentDelivery.State.QUEUED)


def still_out_message_ids(messages) -> list[int]:
    """ingest's inbound_stored: the customers' messages that may come after a restoration. One query
    per batch; the task decides for each."""
    ticket_ids = {message.ticket_id for message in messages}
    if not ticket_ids:
        return []
    previous = Ticket.objects.filter(pk__in=ticket_ids).values("previous_ticket_id")
    touched = _final_deliveries().filter(Q(ticket_id__in=ticket_ids) | Q(ticket_id__in=previous))
    return [message.pk for message in messages] if touched.exists() else []


def still_out_flag(message_ids: list[int]) -> list[int]:
    """Tag the tickets of these customer messages written after their restoration's final message was
    queued (on the ticket, or on the one it follows). The tickets tagged now."""
    flagged = []
    inbound = Message.objects.filter(pk__in=message_ids, direction=Message.Direction.INBOUND)
    for message in inbound.select_related("ticket").order_by("id"):
        ticket = message.ticket
        final = (
            _final_deliveries()
            .filter(ticket_id__in=[ticket.pk, ticket.previous_ticket_id or ticket.pk])
            .order_by("-message__sent_at")
            .values_list("message__sent_at", flat=True)
            .first()
        )
        if final is not None and final < message.sent_at:
            if ticket_add_tags(ticket=ticket, names=[STILL_OUT_TAG], actor=None):
                flagged.append(ticket.pk)
    return flagged


def still_out_tickets(incident: Incident):
    """The incident's customers who wrote back after its restoration: their (reopened or new) tickets
    tagged still out, newest first."""
    finals = _final_deliveries().filter(update__incident=incident).values("ticket_id")
    return (
        Ticket.objects.filter(Q(pk__in=finals) | Q(previous_ticket_id__in=finals), tags__name=STILL_OUT_TAG)
        .select_related("contact", "account")
        .order_by("-last_inbound_at", "-pk")
    )
