"""Bulk actions on the queue's selected rows: assign, tag, resolve, through the ticket services."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from oss_inbox.tickets.models import Ticket, TicketEvent
from oss_inbox.tickets.services import ticket_set_status
from tests import factories

from .conftest import open_ticket

pytestmark = pytest.mark.django_db

URL = reverse("inbox:bulk")


@pytest.fixture
def three(twitter):
    return [open_ticket(twitter, who=factories.author(str(n), f"c{n}", f"Customer {n}")) for n in range(3)]


def _bulk(client, tickets, **data):
    response = client.post(URL, {"ticket": [t.pk for t in tickets], "next": "/?view=unassigned", **data})
    return response, [str(m) for m in get_messages(response.wsgi_request)]


def test_bulk_resolve_resolves_each_ticket_with_its_event_and_says_what_it_skipped(client, agent, three):
    ticket_set_status(ticket=three[2], status="resolved", actor=agent)
    client.force_login(agent)
    response, said = _bulk(client, three, action="resolve")
    assert response.status_code == 302 and response["Location"] == "/?view=unassigned"
    assert said == [
        f"Resolved 2 tickets (#{three[0].pk}, #{three[1].pk}). Skipped #{three[2].pk}: already resolved."
    ]
    assert set(Ticket.objects.values_list("status", flat=True)) == {"resolved"}
    resolved_by_dana = TicketEvent.objects.filter(kind="status", actor=agent, data__to="resolved")
    assert resolved_by_dana.count() == 3  # two now, one before


def test_bulk_assign_to_a_colleague(client, agent, other_agent, three):
    client.force_login(agent)
    _, said = _bulk(client, three[:2], action="assign", assignee=other_agent.pk)
    assert said == [f"Assigned 2 tickets (#{three[0].pk}, #{three[1].pk})."]
    assert list(Ticket.objects.filter(assignee=other_agent).order_by("pk")) == three[:2]
    assert TicketEvent.objects.filter(kind="assigned", actor=agent, data__to="lee").count() == 2


def test_bulk_assign_refuses_someone_outside_the_queue(client, agent, outsider, three):
    client.force_login(agent)
    _, said = _bulk(client, three, action="assign", assignee=outsider.pk)
    assert said == ["That person does not work the queue."]
    assert not Ticket.objects.filter(assignee__isnull=False).exists()


def test_bulk_tag_creates_the_tag_once_and_skips_tickets_that_have_it(client, agent, three):
    client.force_login(agent)
    _bulk(client, three[:1], action="tag", tag="outage")
    _, said = _bulk(client, three, action="tag", tag="outage")
    assert said[-1] == (
        f"Tagged 2 tickets (#{three[1].pk}, #{three[2].pk}). Skipped #{three[0].pk}: already tagged outage."
    )
    assert all(t.tags.filter(name="outage").exists() for t in three)
    assert TicketEvent.objects.filter(kind="tagged").count() == 3


def test_bulk_without_selection_says_so(client, agent, three):
    client.force_login(agent)
    _, said = _bulk(client, [], action="resolve")
    assert said == ["Select one or more tickets first."]


def test_tagging_a_ticket_changes_the_queue_version(client, agent, three):
    client.force_login(agent)
    version = client.get(reverse("inbox:queue-version"))["ETag"]
    _bulk(client, three[:1], action="tag", tag="outage")
    assert client.get(reverse("inbox:queue-version"), headers={"If-None-Match": version}).status_code == 200


def test_outsider_gets_403_and_nothing_changes(client, outsider, three):
    client.force_login(outsider)
    response, _ = _bulk(client, three, action="resolve")
    assert response.status_code == 403
    assert not Ticket.objects.filter(status="resolved").exists()


def test_next_must_stay_on_this_site(client, agent, three):
    client.force_login(agent)
    response = client.post(
        URL, {"ticket": [three[0].pk], "action": "resolve", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("inbox:queue")
