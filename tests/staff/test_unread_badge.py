"""The top bar's count of unread notifications is counted once per change, not on every page, and
still moves at once when a notification is sent or read."""

import re

import pytest
from django.urls import reverse

from oss_inbox.staff.notifications import notification_send
from tests.inbox.conftest import open_ticket

pytestmark = pytest.mark.django_db


def _badge(client):
    found = re.search(
        r'<span class="count">(\d+)</span><span class="visually-hidden"> unread', _queue(client)
    )
    return int(found.group(1)) if found else 0


def _queue(client):
    return client.get(reverse("inbox:queue")).content.decode()


def _notify(agent, ticket, text):
    notification_send(recipients=[agent], ticket=ticket, event=None, text=text, body=text)


def test_the_unread_badge_follows_sends_and_reads(client, agent, other_agent, twitter):
    x_ticket = open_ticket(twitter)
    client.force_login(agent)
    assert _badge(client) == 0
    _notify(agent, x_ticket, "Ticket breached")
    _notify(other_agent, x_ticket, "For Lee")
    assert _badge(client) == 1
    client.post(reverse("staff:notifications_read"))
    assert _badge(client) == 0
    _notify(agent, x_ticket, "Another")
    assert _badge(client) == 1


def test_the_unread_count_is_not_counted_again_while_nothing_changes(client, agent, twitter):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    x_ticket = open_ticket(twitter)

    client.force_login(agent)
    _notify(agent, x_ticket, "Ticket breached")
    _queue(client)
    with CaptureQueriesContext(connection) as queries:
        assert _badge(client) == 1
    assert not [query for query in queries if "staff_notification" in query["sql"]]
