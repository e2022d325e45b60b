"""Collision presence: "Lee is viewing" / "Lee is replying" on the ticket page, through its state poll."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from oss_inbox.inbox.models import Presence
from oss_inbox.inbox.presence import presence_beat, presence_of_others, presence_sweep

pytestmark = pytest.mark.django_db


def _state(client, ticket, **params):
    return client.get(reverse("inbox:state", args=[ticket.pk]), params).content.decode()


def test_a_colleague_with_the_ticket_open_is_shown_viewing(client, agent, other_agent, x_ticket):
    client.force_login(other_agent)
    client.get(reverse("inbox:ticket", args=[x_ticket.pk]))  # Lee opens the ticket
    client.force_login(agent)
    assert "Lee is viewing" in client.get(reverse("inbox:ticket", args=[x_ticket.pk])).content.decode()
    assert "Lee is viewing" in _state(client, x_ticket)


def test_a_colleague_typing_in_the_composer_is_shown_replying(client, agent, other_agent, x_ticket):
    client.force_login(other_agent)
    _state(client, x_ticket, typed=3)  # Lee's poll: last keystroke 3 s ago
    client.force_login(agent)
    html = _state(client, x_ticket)
    assert "Lee is replying" in html and "Lee is viewing" not in html


def test_replying_turns_back_into_viewing_once_the_typing_stopped(agent, other_agent, x_ticket):
    now = timezone.now()
    presence_beat(ticket=x_ticket, user=other_agent, typed_seconds_ago=2, now=now)
    presence_beat(ticket=x_ticket, user=other_agent, now=now + timedelta(seconds=20))
    assert presence_of_others(ticket=x_ticket, user=agent, now=now + timedelta(seconds=20)) == [
        ("Lee", "viewing")
    ]


def test_someone_who_closed_the_ticket_disappears_and_is_swept(agent, other_agent, x_ticket):
    now = timezone.now()
    presence_beat(ticket=x_ticket, user=other_agent, now=now)
    assert presence_of_others(ticket=x_ticket, user=agent, now=now + timedelta(seconds=10)) == [
        ("Lee", "viewing")
    ]
    assert presence_of_others(ticket=x_ticket, user=agent, now=now + timedelta(seconds=16)) == []
    presence_sweep(now=now + timedelta(minutes=2))
    assert not Presence.objects.exists()


def test_you_never_see_yourself_and_other_tickets_do_not_count(
    client, agent, other_agent, x_ticket, email_ticket
):
    client.force_login(agent)
    _state(client, x_ticket, typed=1)
    presence_beat(ticket=email_ticket, user=other_agent)
    html = _state(client, x_ticket)
    assert "is viewing" not in html and "is replying" not in html


def test_heartbeats_keep_one_row_per_agent_and_ticket(client, other_agent, x_ticket):
    client.force_login(other_agent)
    for typed in ("", "4", "junk", "9"):
        _state(client, x_ticket, typed=typed)
    assert Presence.objects.filter(ticket=x_ticket, user=other_agent).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_heartbeat_skips_the_disk_flush_for_itself_only(agent, other_agent, x_ticket):
    """The heartbeat commits without waiting for the flush (synchronous_commit off for its own
    transaction), in one round trip, and never for anything else: not for the connection's later
    transactions, nor for a caller's transaction it is part of."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    def synchronous_commit():
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    presence_beat(ticket=x_ticket, user=other_agent, now=timezone.now() - timedelta(minutes=2))  # long gone
    with CaptureQueriesContext(connection) as beat:
        presence_beat(ticket=x_ticket, user=agent)  # the first: a new row, and the sweep of old ones
    assert list(Presence.objects.values_list("user", flat=True)) == [agent.pk]
    assert [query["sql"].split()[:5] for query in beat.captured_queries] == [
        ["SET", "LOCAL", "synchronous_commit", "TO", "OFF;"]
    ] * 2
    first = Presence.objects.get(ticket=x_ticket, user=agent).seen_at
    with CaptureQueriesContext(connection) as beat:
        presence_beat(ticket=x_ticket, user=agent, now=first + timedelta(seconds=5), typed_seconds_ago=2)
    [query] = [query["sql"] for query in beat.captured_queries]
    assert query.startswith("SET LOCAL synchronous_commit TO OFF; INSERT")
    row = Presence.objects.get(ticket=x_ticket, user=agent)
    assert (row.seen_at, row.typed_at) == (first + timedelta(seconds=5), first + timedelta(seconds=3))
    assert synchronous_commit() == "on"
    with transaction.atomic(), CaptureQueriesContext(connection) as beat:
        presence_beat(ticket=x_ticket, user=agent)
        assert synchronous_commit() == "on"  # the caller's writes are flushed as ever
    assert "SET LOCAL" not in " ".join(query["sql"] for query in beat.captured_queries)
