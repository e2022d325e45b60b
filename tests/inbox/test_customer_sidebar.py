"""The customer sidebar: identities on every channel, organization, earlier tickets."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from oss_inbox.tickets.models import Identity, Organization

from .conftest import open_ticket

pytestmark = pytest.mark.django_db


def test_sidebar_lists_identities_organization_and_past_tickets(client, agent, twitter):
    first = open_ticket(twitter, text="Street light out on Oak Ave")
    current = open_ticket(twitter)
    contact = current.contact
    Identity.objects.create(
        contact=contact, kind="email", external_id="kim@example.com", handle="kim@example.com"
    )
    contact.organization = Organization.objects.create(name="Mercy Hospital", is_key_account=True)
    contact.save()
    client.force_login(agent)
    html = client.get(reverse("inbox:ticket", args=[current.pk])).content.decode()
    assert "Mercy Hospital" in html and "Key account" in html
    assert "kjones" in html and "kim@example.com" in html
    assert f'href="/tickets/{first.pk}/">#{first.pk} Street light out on Oak Ave' in html


def test_first_ticket_says_so(client, agent, x_ticket):
    client.force_login(agent)
    assert (
        "None: this is their first ticket."
        in client.get(reverse("inbox:ticket", args=[x_ticket.pk])).content.decode()
    )


def test_sidebar_queries_do_not_grow_with_history(client, agent, twitter):
    tickets = [open_ticket(twitter, text=f"Problem {n}") for n in range(2)]
    client.force_login(agent)
    url = reverse("inbox:ticket", args=[tickets[-1].pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(6):
        open_ticket(twitter, text=f"More {n}")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
