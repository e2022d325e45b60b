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
SWEEP = EXPIRES * 4  # rows this old are deleted when a new one is made


def presence_beat(*, ticket, user, typed_seconds_ago=None, now=None):
    """Record that `user` has the ticket open; `typed_seconds_ago` when they typed in its composer lately.

    The pair's row is moved on, or made the first time (a concurrent first beat of the same pair is
    absorbed by the unique constraint). Each new row also sweeps out rows long expired, so the table
    holds about one row per agent and recently opened ticket.
    """
    now = now or timezone.now()
    fields = {"seen_at": now}
    if typed_seconds_ago is not None and timedelta(seconds=typed_seconds_ago) <= TYPING:
        fields["typed_at"] = now - timedelta(seconds=typed_seconds_ago)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        if _upserted_new(ticket, user, fields):
            _without_waiting_for_the_disk(
                f"DELETE FROM {_TABLE} WHERE {_column('seen_at')} < %s", [now - SWEEP]
            )
    elif not Presence.objects.filter(ticket=ticket, user=user).update(**fields):
        presence_sweep(now)
        Presence.objects.bulk_create([Presence(ticket=ticket, user=user, **fields)], ignore_conflicts=True)


def _upserted_new(ticket, user, fields):
    """One statement, the row made or moved on: whether it was made (xmax is 0 on a new row)."""
    columns = ["ticket", "user", *fields]
    updates = ", ".join(f"{_column(name)} = EXCLUDED.{_column(name)}" for name in fields)
    sql = (
        f"INSERT INTO {_TABLE} ({', '.join(_column(name) for name in columns)})"
        f" VALUES ({', '.join(['%s'] * len(columns))})"
        f" ON CONFLICT ({_column('ticket')}, {_column('user')}) DO UPDATE SET {updates}"
        " RETURNING (xmax = 0)"
    )
    return _without_waiting_for_the_disk(sql, [ticket.pk, user.pk, *fields.values()])[0]


def _without_waiting_for_the_disk(sql, params):
    """Run `sql` as a transaction of its own that commits without waiting for PostgreSQL to flush it to
    disk (synchronous_commit off, that transaction only); its first row, if it returns any.

    Every ticket page and every 5-second poll of an open ticket writes a heartbeat (a hundred agents:
    twenty a second), and the flush was half its time (1.16 -> 0.61 ms). A crash may lose the last
    fraction of a second of heartbeats, which the next poll writes again; never anything else. One
    round trip: the setting and the statement go as one query string, which PostgreSQL runs as one
    transaction.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL synchronous_commit TO OFF; {sql}", params)
        return cursor.fetchone() if cursor.description else None


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
    return Presence.objects.filter(seen_at__lt=now - SWEEP).delete()[0]


def typed_seconds_ago(value):
    """The poll's `typed` parameter: whole seconds since the last keystroke, or None when absent or odd."""
    return int(value) if value.isdigit() else None
