"""Reads for the ticket page beyond the conversation itself."""

from datetime import UTC
from functools import cache

from django.db import connection
from django.utils.dateparse import parse_datetime

from channels.models import ChannelAccount
from oss_inbox.tickets.models import Identity, Ticket
from oss_inbox.tickets.sql_reads import Columns, cache_related, fetch

PAST_TICKETS = 10


def customer_sidebar(ticket: Ticket) -> dict[str, list]:
    """The contact's identities on every channel and their other tickets, newest first (two queries,
    in SQL: oss_inbox/tickets/sql_reads.py)."""
    identities = [_IDENTITY.load(row) for row in fetch(_identities_sql(), [ticket.contact_id])]
    past = []
    for row in fetch(_past_sql(), [ticket.contact_id, ticket.pk, PAST_TICKETS]):
        other, account = _PAST.load(row), _PAST_ACCOUNT.load(row, _PAST.width)
        cache_related(other, "account", account)
        past.append(other)
    return {"identities": identities, "past_tickets": past}


_IDENTITY = Columns(Identity, "i")
# What the sidebar shows, no more: not each account's encrypted credentials, read and decrypted for
# every past ticket.
_PAST = Columns(Ticket, "t", only=("subject", "status", "created_at", "account_id"))
_PAST_ACCOUNT = Columns(ChannelAccount, "a", only=("kind",))


# The SQL is written on first use, once the database (and so its quoting) is known.
@cache
def _identities_sql():
    where = "WHERE i.contact_id = %s ORDER BY i.kind, i.handle"
    return f"SELECT {_IDENTITY.select} FROM {_IDENTITY.table} {where}"


@cache
def _past_sql():
    return (
        f"SELECT {_PAST.select}, {_PAST_ACCOUNT.select} FROM {_PAST.table}"
        f" JOIN {_PAST_ACCOUNT.table} ON a.id = t.account_id"
        " WHERE t.contact_id = %s AND t.id <> %s ORDER BY t.created_at DESC, t.id DESC LIMIT %s"
    )


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
