"""The webhook receivers: the platforms' handshakes, and only signed, fresh bodies stored, once.

Bodies go through the real URLs with Django's test client; the task that reads a delivery is
enqueued after commit, so the tests count the callbacks instead of running Celery.
"""

import base64
import hashlib
import hmac
import time

import pytest
from django.urls import reverse

from channels import registry
from channels.base import Author, Inbound
from channels.models import ChannelAccount, WebhookDelivery
from channels.reading import Reading
from channels.webhooks.process import delivery_process
from oss_inbox.tickets.models import Message
from tests import factories

from .webhook_bodies import META_SECRET, PAGE_ID, page_comment, post_meta, post_x


@pytest.fixture
def page(db):
    return factories.account(
        "facebook",
        credentials={"page_access_token": "token", "app_secret": META_SECRET},
        settings={"webhook_verify_token": "prairie-verify-1"},
    )


@pytest.fixture
def x_user(db):
    return factories.account("twitter", credentials={"consumer_secret": "x-consumer-secret"})


def test_meta_verify_challenge_is_answered_for_an_accounts_verify_token(client, page):
    query = {"hub.mode": "subscribe", "hub.verify_token": "prairie-verify-1", "hub.challenge": "1158201444"}
    response = client.get(reverse("webhooks:meta"), query)
    assert response.status_code == 200
    assert response.content == b"1158201444" and response["Content-Type"].startswith("text/plain")


def test_meta_verify_challenge_with_a_wrong_token_is_refused(client, page):
    query = {"hub.mode": "subscribe", "hub.verify_token": "guessed", "hub.challenge": "1158201444"}
    response = client.get(reverse("webhooks:meta"), query)
    assert response.status_code == 403 and b"1158201444" not in response.content


def test_x_crc_answer_is_the_base64_hmac_of_the_token_with_the_consumer_secret(client, x_user):
    response = client.get(reverse("webhooks:x"), {"crc_token": "challenge-token-42"})
    digest = hmac.new(b"x-consumer-secret", b"challenge-token-42", hashlib.sha256).digest()
    assert response.status_code == 200
    assert response.json() == {"response_token": "sha256=" + base64.b64encode(digest).decode()}


def test_a_bad_signature_is_refused_nothing_is_stored_and_the_failure_counted(client, page):
    response = post_meta(client, page_comment(), secret="not-the-app-secret")
    assert response.status_code == 403
    assert not WebhookDelivery.objects.exists()
    page.refresh_from_db()
    assert page.webhook_signature_failures == 1 and page.last_webhook_at is None


def test_an_unsigned_delivery_is_refused(client, page):
    response = post_meta(client, page_comment(), signature="")
    assert response.status_code == 403 and "not signed" in response.json()["error"]
    assert not WebhookDelivery.objects.exists()


def test_a_signed_but_stale_delivery_is_refused_as_a_replay(client, page):
    two_days_ago = time.time() - 2 * 86400
    response = post_meta(client, page_comment(at=two_days_ago))
    assert response.status_code == 403 and "a replay" in response.json()["error"]
    assert not WebhookDelivery.objects.exists()


def test_a_body_over_the_size_cap_is_refused_unread(client, page, settings):
    settings.WEBHOOK_MAX_BYTES = 2048
    response = post_meta(client, page_comment(text="x" * 4000))
    assert response.status_code == 413
    assert not WebhookDelivery.objects.exists()


def test_a_body_that_is_not_a_webhook_is_refused(client, page):
    response = post_meta(client, {"hello": "world"})
    assert response.status_code == 400 and not WebhookDelivery.objects.exists()


def test_a_good_delivery_is_stored_and_queued_once_and_a_replay_is_a_no_op(
    client, page, django_capture_on_commit_callbacks
):
    page.webhook_signature_failures = 2
    page.save(update_fields=["webhook_signature_failures"])
    payload = page_comment()
    with django_capture_on_commit_callbacks() as queued:
        first = post_meta(client, payload)
        replay = post_meta(client, payload)
    assert first.status_code == replay.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert (delivery.account, delivery.target_id, delivery.state) == (page, PAGE_ID, "pending")
    assert len(queued) == 1  # one task for the body, none for its replay
    page.refresh_from_db()
    assert page.last_webhook_at is not None and page.webhook_signature_failures == 0
    delivery_process(delivery.pk)
    delivery_process(delivery.pk)  # a repeat of the task is harmless too
    assert Message.objects.filter(account=page).count() == 1


def test_a_delivery_for_a_page_nobody_connects_is_recorded_as_ignored(
    client, page, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        response = post_meta(client, page_comment(page_id="555000000000555"))
    assert response.status_code == 200 and not queued
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "ignored" and delivery.account is None
    assert "Page 555000000000555, which no account here connects" in delivery.outcome
    assert not Message.objects.exists()


def test_a_forged_delivery_for_an_unknown_page_is_refused(client, page):
    response = post_meta(client, page_comment(page_id="555000000000555"), secret="forger")
    assert response.status_code == 403 and not WebhookDelivery.objects.exists()


def test_an_x_delivery_with_a_bad_signature_is_refused(client, x_user):
    body = {"for_user_id": x_user.self_external_id, "tweet_create_events": []}
    response = post_x(client, body, secret="wrong")
    assert response.status_code == 403 and not WebhookDelivery.objects.exists()
    x_user.refresh_from_db()
    assert x_user.webhook_signature_failures == 1


class FakeInstagramAdapter:
    """Stands in for the Instagram adapter: reads each comment change into one item."""

    def __init__(self, account):
        self.account = account

    def read_webhook(self, body):
        items = [
            Inbound(
                external_id=change["value"]["id"],
                kind="ig_comment",
                thread_key=f"ig:{change['value']['media']['id']}:{change['value']['id']}",
                author=Author(external_id=change["value"]["from"]["id"]),
                sent_at=factories.BASE_TIME,
                text=change["value"]["text"],
            )
            for entry in body["entry"]
            for change in entry.get("changes", [])
        ]
        return Reading(items=items)


def test_instagram_deliveries_go_to_the_instagram_account_named(
    client, page, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setitem(registry.ADAPTERS, "instagram", f"{__name__}.FakeInstagramAdapter")
    instagram = ChannelAccount.objects.create(
        kind="instagram",
        name="IG",
        self_external_id="17841400000000001",
        credentials={"app_secret": META_SECRET},
    )
    value = {"id": "1790001", "text": "Any outage?", "from": {"id": "6001"}, "media": {"id": "1780001"}}
    entry = {
        "id": "17841400000000001",
        "time": int(time.time()),
        "changes": [{"field": "comments", "value": value}],
    }
    with django_capture_on_commit_callbacks():
        response = post_meta(client, {"object": "instagram", "entry": [entry]})
    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.account == instagram
    assert delivery_process(delivery.pk) == "done"
    assert list(Message.objects.values_list("account__kind", "external_id")) == [("instagram", "1790001")]
