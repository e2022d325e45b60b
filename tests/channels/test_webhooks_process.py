"""Reading stored webhook deliveries: each item stored once, whether a webhook, its replay or a poll
brings it first, on the same ticket a poll would file it under; deliveries left pending are read
again by the sweeper, and given up in words after too many attempts.

X and Facebook are the sandbox's fake APIs over real sockets (conftest.py), so that a poll of the
same items runs the real client code."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from channels.models import WebhookDelivery
from channels.webhooks.process import deliveries_sweep, delivery_process
from oss_inbox.tickets.models import Message, UnprocessedItem

from .sandbox_accounts import facebook_page, poll, x_account
from .webhook_bodies import (
    META_SECRET,
    messenger_message,
    page_comment,
    post_meta,
    post_x,
    x_dm_event,
    x_mention_event,
)


@pytest.fixture
def x(db, x_api):
    return x_account(x_api)


@pytest.fixture
def page(db, graph):
    page = facebook_page(graph, timeout_seconds=2)
    page.credentials = {**page.credentials, "app_secret": META_SECRET}
    page.save(update_fields=["credentials"])
    return page


def received(response):
    assert response.status_code == 200, response.content
    return WebhookDelivery.objects.get(pk=response.json()["received"])


def test_an_x_mention_by_webhook_then_by_poll_is_one_message_on_one_ticket(client, x_api, x):
    mention_id = x_api.add_mention("4001", "kjones", "Kim Jones", "power out on Elm St since 6am")
    tweet, author = x_api.state.tweets[mention_id], x_api.state.users["4001"]
    delivery = received(post_x(client, x_mention_event(x.self_external_id, tweet, author)))
    assert delivery_process(delivery.pk) == "done"
    message = Message.objects.get(account=x, external_id=mention_id)
    assert message.author_identity.handle == "kjones"
    assert message.ticket.thread_key == f"x:{mention_id}:4001"  # what a poll of it makes
    poll(x)
    assert Message.objects.filter(account=x, external_id=mention_id).count() == 1
    delivery.refresh_from_db()
    assert (delivery.items, delivery.outcome) == (1, f"{x.name}: 1 stored")


def test_an_x_dm_by_webhook_joins_the_conversation_a_poll_files_it_under(client, x_api, x):
    first = x_api.add_dm("4002", "pat_oak", "Pat Oak", "My bill doubled this month")
    event, sender = next(e for e in x_api.state.dm_events if e["id"] == first), x_api.state.users["4002"]
    delivery = received(post_x(client, x_dm_event(x.self_external_id, event, sender)))
    delivery_process(delivery.pk)
    second = x_api.add_dm("4002", "pat_oak", "Pat Oak", "Can someone call me?")
    poll(x)
    messages = Message.objects.filter(account=x, external_id__in=[first, second])
    assert messages.count() == 2
    assert {message.ticket.thread_key for message in messages} == {f"xdm:{event['dm_conversation_id']}"}


def test_a_messenger_message_by_webhook_is_filed_under_its_conversation_as_a_poll_does(client, graph, page):
    message_id = graph.add_messenger_message("7101", "Lee Park", "Is there an outage on Oak Ave?")
    conversation = graph.state.conversation_of("7101")["id"]
    payload = messenger_message(
        page.self_external_id, psid="7101", mid=message_id, text="Is there an outage?"
    )
    delivery_process(received(post_meta(client, payload)).pk)
    poll(page)
    stored = Message.objects.get(account=page, external_id=message_id)
    assert stored.ticket.thread_key == f"fbm:{conversation}"
    assert Message.objects.filter(account=page, kind="messenger").count() == 1


def test_a_new_messenger_customer_met_by_webhook_is_named_before_any_poll(client, graph, page):
    # A Messenger webhook names nobody: the one call that finds the conversation also lists its
    # participants, so the queue shows "Lee Park", not a page-scoped id, from the first message.
    message_id = graph.add_messenger_message("7101", "Lee Park", "Is there an outage on Oak Ave?")
    payload = messenger_message(page.self_external_id, psid="7101", mid=message_id, text="Outage?")
    delivery_process(received(post_meta(client, payload)).pk)
    stored = Message.objects.select_related("author_identity", "ticket__contact").get(external_id=message_id)
    assert stored.author_identity.display_name == "Lee Park"
    assert str(stored.ticket.contact) == "Lee Park"


def test_a_page_comment_by_webhook_and_its_replay_store_one_message(client, graph, page):
    payload = page_comment(page.self_external_id, text="Power out on Elm St since 6am")
    first = received(post_meta(client, payload))
    again = received(post_meta(client, payload))
    assert first.pk == again.pk
    delivery_process(first.pk)
    delivery_process(first.pk)
    message = Message.objects.get(account=page)
    assert (message.kind, message.text) == ("comment", "Power out on Elm St since 6am")


def test_a_delivery_of_only_read_receipts_is_ignored_with_the_reason(client, graph, page):
    event = {"sender": {"id": "7102"}, "recipient": {"id": page.self_external_id}, "read": {"watermark": 1}}
    at = int(timezone.now().timestamp() * 1000)
    payload = {"object": "page", "entry": [{"id": page.self_external_id, "time": at, "messaging": [event]}]}
    delivery = received(post_meta(client, payload))
    assert delivery_process(delivery.pk) == "ignored"
    delivery.refresh_from_db()
    assert "read receipts" in delivery.outcome and not Message.objects.exists()


def test_a_delivery_left_pending_is_read_by_the_sweeper(client, x_api, x):
    mention_id = x_api.add_mention("4003", "sam", "Sam Lee", "lines down on 5th Ave")
    body = x_mention_event(x.self_external_id, x_api.state.tweets[mention_id], x_api.state.users["4003"])
    delivery = received(post_x(client, body))  # its task lost: nobody reads it
    assert deliveries_sweep() == []  # not yet: it may still be on its way
    later = timezone.now() + timedelta(minutes=2)
    assert deliveries_sweep(later) == [delivery.pk]
    delivery_process(delivery.pk)
    assert Message.objects.filter(account=x, external_id=mention_id).exists()
    assert deliveries_sweep(later) == []


def test_a_delivery_whose_worker_keeps_dying_is_given_up_in_words(client, x_api, x, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    mention_id = x_api.add_mention("4004", "ana", "Ana Ruiz", "smell gas near the school")
    body = x_mention_event(x.self_external_id, x_api.state.tweets[mention_id], x_api.state.users["4004"])
    delivery = received(post_x(client, body))
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=2, processed_at=timezone.now())
    assert deliveries_sweep(timezone.now() + timedelta(minutes=2)) == []
    delivery.refresh_from_db()
    assert delivery.state == "failed" and delivery.outcome.startswith("Gave up after 2 attempts")


def test_an_event_without_its_post_is_recorded_as_unreadable_not_dropped(client, x_api, x):
    body = {"data": {"event_type": "post.mention.create", "filter": {"user_id": x.self_external_id}}}
    delivery = received(post_x(client, body))
    assert delivery_process(delivery.pk) == "done"
    delivery.refresh_from_db()
    assert "1 could not be stored" in delivery.outcome and "without its post" in delivery.outcome
    assert UnprocessedItem.objects.filter(account=x).count() == 1
    assert not Message.objects.filter(account=x).exists()


def test_the_x_crc_check_and_a_delivery_share_the_consumer_secret(client, x):
    response = client.get(reverse("webhooks:x"), {"crc_token": "abc"})
    assert response.status_code == 200 and json.loads(response.content)["response_token"].startswith(
        "sha256="
    )
