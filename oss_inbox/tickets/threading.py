"""Which ticket an inbound item belongs to: the rules, applied by services/batch.py.

In order: the ticket of a message the item replies to (a tweet reply, a comment reply, an email's
In-Reply-To and References, the closest first); an email's "[#123]" subject reference, if the
sender belongs to that ticket's customer; the newest ticket of the same conversation (DM or
Messenger conversation id, post + top comment, email root Message-ID). A ticket found by reply or
reference gives way to the newest ticket of its conversation (a follow-up opened since).
"""

from .models import Ticket


def by_reference(account, ticket_id, contact):
    """The ticket "[#ticket_id]" names, if it is this customer's (or their organization's)."""
    ticket = Ticket.objects.select_related("contact").filter(pk=ticket_id, account=account).first()
    if ticket is None:
        return None
    same_customer = ticket.contact_id == contact.pk or (
        contact.organization_id is not None and ticket.contact.organization_id == contact.organization_id
    )
    # Anyone can type "[#123]"; only the ticket's own customer (or their organisation) joins it.
    return ticket if same_customer else None
