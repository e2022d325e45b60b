"""Reads of tickets, scoped to what the user may see."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count
from django.http import Http404

from channels.models import ChannelAccount
from oss_inbox.sla.states import OPEN_STATUSES

from .models import Attachment, Contact, Identity, Message, Organization, Tag, Ticket
from .sql_reads import Columns, cache_prefetched, cache_related, fetch, placeholders

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.contrib.auth.models import User


# Every ticket page and action reads these (oss_inbox/tickets/sql_reads.py: in SQL, as the ORM's
# select_related would, for a fraction of its CPU). Not read: passwords, and a message's raw payload
# (kept for support and replays, a few kilobytes of JSON from X or Meta, never shown on the page).
# The account's credentials are: the composer says when they cannot be decrypted.
_TICKET = Columns(Ticket, "t")
_CONTACT = Columns(Contact, "c")
_ORGANIZATION = Columns(Organization, "o")
_ACCOUNT = Columns(ChannelAccount, "a")
_ASSIGNEE = Columns(get_user_model(), "u", defer=("password",))
_MESSAGE = Columns(Message, "m", defer=("raw",))
_AUTHOR_IDENTITY = Columns(Identity, "i")
_AUTHOR_USER = Columns(get_user_model(), "w", defer=("password",))
_ATTACHMENT = Columns(Attachment, "f")


def ticket_for_user(user: User, ticket_id: int) -> Ticket:
    """The ticket with its customer, their organization, the account and the assignee (one query),
    or Http404 "No ticket #n." for the page."""
    _require_queue(user)
    rows = fetch(_ticket_sql(), [ticket_id])
    if not rows:
        raise Http404(f"No ticket #{ticket_id}.")
    row = rows[0]
    parts = [_TICKET, _CONTACT, _ORGANIZATION, _ACCOUNT, _ASSIGNEE]
    ticket, contact, organization, account, assignee = _load_all(parts, row)
    cache_related(contact, "organization", organization)
    cache_related(ticket, "contact", contact)
    cache_related(ticket, "account", account)
    cache_related(ticket, "assignee", assignee)
    return ticket


def ticket_conversation(ticket: Ticket) -> list[Message]:
    """The ticket's messages in order, each with its author (identity or colleague) and attachments
    (two queries)."""
    rows = fetch(_conversation_sql(), [ticket.pk])
    messages = []
    for row in rows:
        message, identity, author = _load_all([_MESSAGE, _AUTHOR_IDENTITY, _AUTHOR_USER], row)
        cache_related(message, "author_identity", identity)
        cache_related(message, "author_user", author)
        cache_related(message, "ticket", ticket)
        messages.append(message)
    attachments = {message.pk: [] for message in messages}
    if messages:
        sql = _attachments_sql(len(messages))
        for row in fetch(sql, list(attachments)):
            attachment = _ATTACHMENT.load(row)
            attachments[attachment.message_id].append(attachment)
    for message in messages:
        cache_prefetched(message, "attachments", attachments[message.pk])
    return messages


def ticket_tag_names(ticket: Ticket) -> list[str]:
    """The ticket's tags by name, sorted (one query)."""
    return sorted(name for (name,) in fetch(_tag_names_sql(), [ticket.pk]))


def _load_all(parts, row):
    loaded, start = [], 0
    for part in parts:
        loaded.append(part.load(row, start))
        start += part.width
    return loaded


# The SQL is written on first use, once the database (and so its quoting) is known.
@cache
def _ticket_sql():
    columns = ", ".join(part.select for part in (_TICKET, _CONTACT, _ORGANIZATION, _ACCOUNT, _ASSIGNEE))
    return (
        f"SELECT {columns} FROM {_TICKET.table}"
        f" JOIN {_CONTACT.table} ON c.id = t.contact_id"
        f" LEFT JOIN {_ORGANIZATION.table} ON o.id = c.organization_id"
        f" JOIN {_ACCOUNT.table} ON a.id = t.account_id"
        f" LEFT JOIN {_ASSIGNEE.table} ON u.id = t.assignee_id"
        " WHERE t.id = %s"
    )


@cache
def _conversation_sql():
    columns = ", ".join(part.select for part in (_MESSAGE, _AUTHOR_IDENTITY, _AUTHOR_USER))
    return (
        f"SELECT {columns} FROM {_MESSAGE.table}"
        f" LEFT JOIN {_AUTHOR_IDENTITY.table} ON i.id = m.author_identity_id"
        f" LEFT JOIN {_AUTHOR_USER.table} ON w.id = m.author_user_id"
        " WHERE m.ticket_id = %s ORDER BY m.sent_at, m.id"  # Message.Meta.ordering
    )


def _attachments_sql(count):
    return (
        f"SELECT {_ATTACHMENT.select} FROM {_ATTACHMENT.table}"
        f" WHERE f.message_id IN ({placeholders(count)}) ORDER BY f.id"
    )


def open_tickets_by_assignee(user_ids: Iterable[int]) -> dict[int, int]:
    """{user id: unresolved tickets (new, open, pending) assigned to them}, through ticket_assignee_idx:
    what automatic assignment counts against a person's capacity; people holding none are left out."""
    held = Ticket.objects.filter(assignee_id__in=list(user_ids), status__in=OPEN_STATUSES)
    return dict(held.values_list("assignee_id").annotate(n=Count("id")).order_by())


def _require_queue(user):
    if not user.has_perm("tickets.work_queue"):
        raise PermissionDenied


@cache
def _tag_names_sql():
    through = Ticket.tags.through._meta
    quote = connection.ops.quote_name
    return (
        f"SELECT g.name FROM {quote(Tag._meta.db_table)} g"
        f" JOIN {quote(through.db_table)} l ON l.tag_id = g.id WHERE l.ticket_id = %s"
    )
