"""Reads for the ticket page beyond the conversation itself."""

from datetime import UTC

from django.db import connection
from django.utils.dateparse import parse_datetime

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
        # What the sidebar shows, no more: not each account's encrypted credentials, read and
        # decrypted for every past ticket.
        .only("id", "subject", "status", "created_at", "account__kind")
        .order_by("-created_at", "-id")
    )
    return {"identities": identities, "past_tickets": list(others[:PAST_TICKETS])}


def open_queue_version() -> str:
    """Changes whenever a ticket is added or changed (so also when one leaves the open views).

    One query of two index look-ups (the newest updated_at and the highest id), the same cost
    at any size: counting the open tickets, as this once did, read every one of them. A change
    to a resolved ticket refreshes the queue for nothing, which is rare and harmless. Written in
    SQL: it is most of what the 5-second refresh check runs, and the ORM took longer to write the
    query than the database to answer it.
    """
    with connection.cursor() as cursor:
        cursor.execute(VERSION_SQL)
        changed, newest = cursor.fetchone()
    if isinstance(changed, str):  # SQLite answers with the text it stores (UTC)
        changed = parse_datetime(changed).replace(tzinfo=UTC)
    return f"{newest or 0}-{changed.timestamp() if changed else 0:.6f}"


VERSION_SQL = "SELECT MAX({updated_at}), MAX({id}) FROM {table}".format(
    updated_at=connection.ops.quote_name(Ticket._meta.get_field("updated_at").column),
    id=connection.ops.quote_name(Ticket._meta.pk.column),
    table=connection.ops.quote_name(Ticket._meta.db_table),
)
