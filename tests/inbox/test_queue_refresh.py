"""The queue's live refresh: 304 Not Modified while nothing changed, a new version when something did."""

import pytest
from django.urls import reverse

from oss_inbox.tickets.services import ticket_claim, ticket_set_status

from .conftest import open_ticket

pytestmark = pytest.mark.django_db

URL = reverse("inbox:queue-version")


def _version(client, etag=None):
    headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
    return client.get(URL, **headers)


def test_unchanged_queue_answers_304_with_one_query(client, agent, x_ticket, django_assert_num_queries):
    client.force_login(agent)
    first = _version(client)
    assert first.status_code == 200 and first["ETag"] and "no-cache" in first["Cache-Control"]
    client.get(URL)  # the session and user are loaded once per request either way
    with django_assert_num_queries(2):  # session, the version (the person and permissions: from the cache)
        assert _version(client, first["ETag"]).status_code == 304


@pytest.mark.parametrize("change", ["claim", "resolve", "new ticket"])
def test_any_change_to_open_tickets_changes_the_version(client, agent, twitter, x_ticket, change):
    client.force_login(agent)
    etag = _version(client)["ETag"]
    if change == "claim":
        ticket_claim(ticket=x_ticket, user=agent)
    elif change == "resolve":
        ticket_set_status(ticket=x_ticket, status="resolved", actor=agent)
    else:
        open_ticket(twitter)
    assert _version(client, etag).status_code == 200


def test_outsider_gets_403(client, outsider):
    client.force_login(outsider)
    assert client.get(URL).status_code == 403


def test_queue_rows_carry_ids_for_keeping_the_selection(client, agent, x_ticket):
    client.force_login(agent)
    html = client.get(reverse("inbox:queue")).content.decode()
    assert f'data-ticket-id="{x_ticket.pk}"' in html and f'data-refresh-url="{URL}"' in html
