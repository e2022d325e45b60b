"""Collision presence: who else has a ticket open ("Dana is viewing") or is typing a reply
("Dana is replying").

The open ticket page reports through its 5-second state poll (views.ticket_state): a heartbeat,
and how long ago its agent last typed in the composer. Colleagues' polls read the rows back.
"""

import functools
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from .models import Presence

# Three missed heartbeats (the poll runs every 5 s) and the agent has left the ticket.
EXPIRES = timedelta(seconds=15)
# "Replying" while the last keystroke in the composer is at most this old.
TYPING = timedelta(seconds=15)


def presence_beat(*, ticket, user, typed_seconds_ago=None, now=None):
    """Record that `user` has the ticket open; `typed_seconds_ago` when they typed in its composer lately.

    An UPDATE first (the usual case, one statement), an INSERT the first time; a concurrent first
    beat of the same pair is absorbed by the unique constraint. Each INSERT also sweeps out rows
    long expired, so the table holds about one row per agent and recently opened ticket.
    """
    now = now or timezone.now()
    fields = {"seen_at": now}
    if typed_seconds_ago is not None and timedelta(seconds=typed_seconds_ago) <= TYPING:
        fields["typed_at"] = now - timedelta(seconds=typed_seconds_ago)
    if not _updated(ticket, user, fields):
        presence_sweep(now)
        Presence.objects.bulk_create([Presence(ticket=ticket, user=user, **fields)], ignore_conflicts=True)


def _updated(ticket, user, fields):
    """Move the pair's row on; False when it has none yet.

    On PostgreSQL, outside a caller's transaction, the UPDATE commits without waiting for the disk
    (synchronous_commit off, for its own transaction only): every ticket page and every 5-second poll
    of an open ticket writes a heartbeat (a hundred agents: twenty a second), and the flush was half
    its time (1.16 -> 0.61 ms). A crash may lose the last fraction of a second of heartbeats, which
    the next poll writes again; never anything else. One round trip: the setting and the UPDATE go
    as one query string, which PostgreSQL runs as one transaction.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return bool(Presence.objects.filter(ticket=ticket, user=user).update(**fields))
    assignments = ", ".join(f"{_column(name)} = %s" for name in fields)
    sql = (
        f"SET LOCAL synchronous_commit TO OFF; UPDATE {_TABLE} SET {assignments}"
        f" WHERE {_column('ticket')} = %s AND {_column('user')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*fields.values(), ticket.pk, user.pk])
        return cursor.rowcount > 0


_TABLE = connection.ops.quote_name(Presence._meta.db_table)


def _column(name):
    return connection.ops.quote_name(Presence._meta.get_field(name).column)


def presence_of_others(*, ticket, user, now=None):
    """Colleagues on the ticket now, as [(name, "replying" | "viewing")], those replying first."""
    now = now or timezone.now()
    people = [
        (first_name or username, "replying" if typed_at and typed_at >= now - TYPING else "viewing")
        for first_name, username, typed_at in _here(ticket, user, now - EXPIRES)
    ]
    return sorted(people, key=lambda person: person[1] != "replying")


def _here(ticket, user, since):
    """(first name, username, typed at) of the others seen on the ticket since `since`, by name.

    Read on every ticket page and every colleague's 5-second poll: on PostgreSQL as plain SQL, since
    the ORM took ten times longer to write this query (0.9 ms of CPU) than the rest of its work."""
    if connection.vendor != "postgresql":
        here = Presence.objects.filter(ticket=ticket, seen_at__gte=since).exclude(user=user)
        here = here.order_by("user__first_name", "user__username")
        return here.values_list("user__first_name", "user__username", "typed_at")
    with connection.cursor() as cursor:
        cursor.execute(_here_sql(), [ticket.pk, since, user.pk])
        return cursor.fetchall()


@functools.cache
def _here_sql():
    people = get_user_model()._meta
    return f"""
        SELECT u.first_name, u.username, p.{_column("typed_at")}
        FROM {_TABLE} p JOIN {connection.ops.quote_name(people.db_table)} u
            ON u.{connection.ops.quote_name(people.pk.column)} = p.{_column("user")}
        WHERE p.{_column("ticket")} = %s AND p.{_column("seen_at")} >= %s AND p.{_column("user")} <> %s
        ORDER BY u.first_name, u.username
    """


def presence_sweep(now=None):
    """Delete rows nobody has refreshed for a while: they only ever say who is here now."""
    now = now or timezone.now()
    return Presence.objects.filter(seen_at__lt=now - EXPIRES * 4).delete()[0]


def typed_seconds_ago(value):
    """The poll's `typed` parameter: whole seconds since the last keystroke, or None when absent or odd."""
    return int(value) if value.isdigit() else None
