"""Every reply on the ticket page says how its delivery went; failed ones can be sent again."""

import pytest
from django.urls import reverse

from oss_inbox.tickets.models import Message
from oss_inbox.tickets.services import ticket_reply

pytestmark = pytest.mark.django_db


def _reply(ticket, agent, state, error=""):
    message = ticket_reply(ticket=ticket, author=agent, text="Crews are on their way.")
    Message.objects.filter(pk=message.pk).update(delivery_state=state, delivery_error=error)
    return message


def _page(client, ticket):
    return client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()


def test_each_reply_shows_its_delivery_state(client, agent, x_ticket):
    _reply(x_ticket, agent, "sent")
    _reply(x_ticket, agent, "queued")
    client.force_login(agent)
    html = _page(client, x_ticket)
    assert "delivery-sent" in html and ">Sent<" in html
    assert "delivery-queued" in html and ">Queued<" in html
    assert "Retry" not in html


def test_a_failed_reply_says_why_and_offers_retry(client, agent, x_ticket):
    message = _reply(
        x_ticket, agent, "failed", "X says this account's token has expired — an admin must reconnect it"
    )
    client.force_login(agent)
    html = _page(client, x_ticket)
    assert "Not delivered: X says this account&#x27;s token has expired" in html
    assert reverse("inbox:retry", args=[x_ticket.pk, message.pk]) in html and ">Retry<" in html


def test_an_unknown_reply_is_looked_up_before_it_is_retried(client, agent, x_ticket):
    _reply(
        x_ticket, agent, "unknown", "The send was interrupted; it may or may not have reached the customer."
    )
    client.force_login(agent)
    html = _page(client, x_ticket)
    assert "We don&#x27;t know whether this reached the customer" in html
    assert ">Look it up, then retry<" in html and "if it arrived, it is not sent again" in html
    assert ">Retry<" not in html  # not before the channel was asked


def test_retry_requeues_and_enqueues_after_commit(
    client, agent, x_ticket, django_capture_on_commit_callbacks
):
    message = _reply(x_ticket, agent, "failed", "Rate limited")
    client.force_login(agent)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("inbox:retry", args=[x_ticket.pk, message.pk]))
    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.delivery_state, message.delivery_error, message.delivery_attempts) == ("queued", "", 0)
    assert len(callbacks) == 1
    assert "queued to be sent again" in client.get(response.url).content.decode()


def test_retry_of_a_sent_reply_changes_nothing(client, agent, x_ticket, django_capture_on_commit_callbacks):
    message = _reply(x_ticket, agent, "sent")
    client.force_login(agent)
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("inbox:retry", args=[x_ticket.pk, message.pk]))
    message.refresh_from_db()
    assert message.delivery_state == "sent" and callbacks == []


def test_outsider_may_not_retry(client, agent, outsider, x_ticket):
    message = _reply(x_ticket, agent, "failed", "Rate limited")
    client.force_login(outsider)
    assert client.post(reverse("inbox:retry", args=[x_ticket.pk, message.pk])).status_code == 403
    message.refresh_from_db()
    assert message.delivery_state == "failed"


def test_retry_needs_post(client, agent, x_ticket):
    message = _reply(x_ticket, agent, "failed", "Rate limited")
    client.force_login(agent)
    assert client.get(reverse("inbox:retry", args=[x_ticket.pk, message.pk])).status_code == 405
