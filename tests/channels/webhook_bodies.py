"""Webhook bodies as Meta and X send them, signed as they sign them, for the webhook tests."""

import base64
import hashlib
import hmac
import json
import time

from django.urls import reverse

META_SECRET = "meta-app-secret"
X_SECRET = "sandbox-api-key-secret"  # the X sandbox account's consumer secret (sandbox_accounts.py)
PAGE_ID = "104000000000001"  # the facebook factory's Page


def meta_signature(body: bytes, secret=META_SECRET):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def x_signature(body: bytes, secret=X_SECRET):
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def post_meta(client, payload, *, secret=META_SECRET, signature=None):
    body = json.dumps(payload).encode()
    headers = {"X-Hub-Signature-256": meta_signature(body, secret) if signature is None else signature}
    return client.post(reverse("webhooks:meta"), body, content_type="application/json", headers=headers)


def post_x(client, payload, *, secret=X_SECRET, signature=None):
    body = json.dumps(payload).encode()
    headers = {"X-Twitter-Webhooks-Signature": x_signature(body, secret) if signature is None else signature}
    return client.post(reverse("webhooks:x"), body, content_type="application/json", headers=headers)


def page_comment(page_id=PAGE_ID, *, comment="2001", post="1001", text="Power out on Elm St", at=None):
    """A Page feed webhook: a customer's top-level comment on the Page's post."""
    at = int(at if at is not None else time.time())
    value = {
        "item": "comment",
        "verb": "add",
        "comment_id": f"{post}_{comment}",
        "post_id": f"{page_id}_{post}",
        "parent_id": f"{page_id}_{post}",
        "from": {"id": "9001", "name": "Kim Jones"},
        "message": text,
        "created_time": at,
    }
    return {
        "object": "page",
        "entry": [{"id": page_id, "time": at, "changes": [{"field": "feed", "value": value}]}],
    }


def messenger_message(page_id=PAGE_ID, *, psid="7001", mid="m_1", text="Is there an outage?", at_ms=None):
    at_ms = int(at_ms if at_ms is not None else time.time() * 1000)
    event = {
        "sender": {"id": psid},
        "recipient": {"id": page_id},
        "timestamp": at_ms,
        "message": {"mid": mid, "text": text},
    }
    return {"object": "page", "entry": [{"id": page_id, "time": at_ms, "messaging": [event]}]}


def x_mention_event(user_id, tweet, author):
    """The X Activity API's post.mention.create event for a v2 tweet and its author."""
    return {
        "data": {
            "event_uuid": f"uuid-{tweet['id']}",
            "filter": {"user_id": user_id},
            "event_type": "post.mention.create",
            "tag": "mentions",
            "payload": tweet,
            "includes": {"users": [author]},
        }
    }


def x_dm_event(user_id, event, sender):
    """The X Activity API's dm.received event for a v2 DM event (rebuilt in the v1.1 shape X sends)."""
    created_ms = int(time.time() * 1000)
    message = {
        "type": "message_create",
        "id": event["id"],
        "created_timestamp": str(created_ms),
        "message_create": {
            "target": {"recipient_id": user_id},
            "sender_id": event["sender_id"],
            "message_data": {"text": event["text"], "entities": {}},
        },
    }
    return {
        "data": {
            "event_uuid": f"uuid-{event['id']}",
            "filter": {"user_id": user_id},
            "event_type": "dm.received",
            "payload": {"direct_message_events": [message], "users": {sender["id"]: {"data": sender}}},
        }
    }
