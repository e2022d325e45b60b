import pytest
from django.urls import reverse

from oss_inbox.tickets.models import Ticket
from oss_inbox.tickets.services.ingest import ingest
from tests import factories


def queue_ids(client, **params):
    """The ids of the tickets the queue shows for these parameters, in its order."""
    response = client.get(reverse("inbox:queue"), params)
    assert response.status_code == 200
    return [ticket.pk for ticket in response.context["page"].tickets]


def open_ticket(account, **fields):
    """A ticket made the way production makes them: by ingesting an inbound message."""
    item = factories.email(**fields) if account.kind == "email" else factories.inbound(**fields)
    ingest(account, [item])
    return Ticket.objects.get(thread_key=item.thread_key)


@pytest.fixture
def x_ticket(twitter):
    return open_ticket(twitter)


@pytest.fixture
def email_ticket(mailbox):
    return open_ticket(mailbox)
