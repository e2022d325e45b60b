"""Which existing ticket an inbound item belongs to.

In order: the ticket of a message the item replies to (a tweet reply, a comment reply, an email's
In-Reply-To and References); an email's "[#123]" subject reference, if the sender belongs to that
ticket's customer; the newest ticket of the same conversation (DM or Messenger conversation id,
post + top comment, email root Message-ID).
"""

from .models import Message, Ticket


def find_ticket(account, item, contact=None):
    ticket = _by_reply(account, item.reply_to_ids)
    if ticket is None and item.ticket_ref and contact is not None:
        ticket = _by_reference(account, item.ticket_ref, contact)
    if ticket is None:
        return newest_in_thread(account, item.thread_key)
    # The conversation may have moved on to a follow-up ticket since.
    return newest_in_thread(account, ticket.thread_key) or ticket


def newest_in_thread(account, thread_key):
    return Ticket.objects.filter(account=account, thread_key=thread_key).order_by("-created_at", "-id").first()


def _by_reply(account, reply_to_ids):
    if not reply_to_ids:
        return None
    found = dict(
        Message.objects.filter(account=account, external_id__in=reply_to_ids).values_list("external_id", "ticket_id")
    )
    for external_id in reply_to_ids:  # the closest reference wins
        if external_id in found:
            return Ticket.objects.get(pk=found[external_id])
    return None


def _by_reference(account, ticket_id, contact):
    ticket = Ticket.objects.select_related("contact").filter(pk=ticket_id, account=account).first()
    if ticket is None:
        return None
    same_customer = ticket.contact_id == contact.pk or (
        contact.organization_id is not None and ticket.contact.organization_id == contact.organization_id
    )
    # Anyone can type "[#123]"; only the ticket's own customer (or their organisation) joins it.
    return ticket if same_customer else None
