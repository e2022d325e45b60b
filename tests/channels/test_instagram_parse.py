"""Instagram payloads -> Inbound items (channels/instagram/parse.py, webhook.py): pure, no database.

A webhook and a poll of the same comment or direct message must give the same external id and
thread key, so that whichever comes second is stored once (ingest dedupes on the external id).
"""

import json

import pytest

from channels.base import Inbound, Unparseable
from channels.instagram.parse import graph_time, parse_comments, parse_message
from channels.instagram.shapes import read_instagram
from channels.instagram.webhook import read_webhook
from channels.models import ChannelAccount
from channels.reading import Refused
from channels.replay import read_file

ME = "17841400000000001"
MEDIA = {"id": "17900000000000101", "caption": "Storm crews are out tonight", "permalink": "https://ig/p/1/"}
KIM = {"id": "6601", "username": "kim.jones"}


def comment(comment_id, text, parent_id=None, who=KIM):
    found = {"id": comment_id, "text": text, "timestamp": "2026-12-07T18:45:03+0000", "from": who}
    return {**found, "parent_id": parent_id} if parent_id else found


def webhook(*, changes=(), messaging=(), entry_id=ME, time=1796669103):
    return {
        "object": "instagram",
        "entry": [{"id": entry_id, "time": time, "changes": list(changes), "messaging": list(messaging)}],
    }


def comment_change(comment_id, text, parent_id=None, who=KIM):
    value = {
        "id": comment_id,
        "text": text,
        "from": who,
        "media": {"id": MEDIA["id"], "media_product_type": "FEED"},
    }
    if parent_id:
        value["parent_id"] = parent_id
    return {"field": "comments", "value": value}


def dm_event(mid, text, sender="6602", recipient=ME, **message):
    return {
        "sender": {"id": sender},
        "recipient": {"id": recipient},
        "timestamp": 1796669103512,
        "message": {"mid": mid, "text": text, **message},
    }


# ---- a poll's payloads --------------------------------------------------------------------------


def test_comments_and_their_nested_replies_thread_under_the_top_comment():
    top = comment("17850000000000001", "Any ETA for Oak Ave?")
    top["replies"] = {"data": [comment("17850000000000002", "Also Maple St.", parent_id=top["id"])]}

    first, reply = parse_comments({"data": [top]}, media=MEDIA)

    assert (first.kind, first.thread_key) == ("ig_comment", f"ig:{MEDIA['id']}:17850000000000001")
    assert reply.thread_key == first.thread_key and reply.reply_to_ids == ("17850000000000001",)
    assert (first.author.external_id, first.author.handle) == ("6601", "kim.jones")
    assert first.context == {
        "media_id": MEDIA["id"],
        "post_text": MEDIA["caption"],
        "post_url": MEDIA["permalink"],
    }
    assert first.sent_at.isoformat() == "2026-12-07T18:45:03+00:00"


def test_a_direct_message_threads_by_the_customer_whoever_wrote_it():
    theirs = {
        "id": "aWdfbWVzc2FnZTox",
        "created_time": "2026-12-07T18:45:03+0000",
        "from": {"id": "6602", "username": "lee.park"},
        "to": {"data": [{"id": ME, "username": "prairie_eg"}]},
        "message": "My bill doubled this month",
    }
    ours = {**theirs, "id": "aWdfbWVzc2FnZToy", "from": {"id": ME}, "to": {"data": [{"id": "6602"}]}}

    customer, echo = parse_message(theirs, ig_id=ME), parse_message(ours, ig_id=ME)

    assert (customer.kind, customer.thread_key, customer.text) == (
        "ig_dm",
        "igdm:6602",
        "My bill doubled this month",
    )
    assert echo.thread_key == "igdm:6602" and echo.author.external_id == ME  # ingest links our own


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"text": "no id", "timestamp": "2026-12-07T18:45:03+0000"}, "comment has no id"),
        ({"id": "1785", "text": "no time", "from": KIM}, "comment has no timestamp"),
    ],
)
def test_a_comment_it_cannot_read_is_set_aside_with_the_reason(payload, error):
    (item,) = parse_comments({"data": [payload]}, media=MEDIA)

    assert isinstance(item, Unparseable) and item.error.startswith(error)


def test_a_message_without_its_sender_is_set_aside_with_the_reason():
    item = parse_message({"id": "m1", "created_time": "2026-12-07T18:45:03+0000"}, ig_id=ME)

    assert isinstance(item, Unparseable) and "no sender" in item.error


# ---- a webhook's payloads ------------------------------------------------------------------------


def test_a_webhook_comment_has_the_same_id_and_thread_as_the_poll_of_it():
    polled = parse_comments(
        {"data": [comment("17850000000000002", "Also Maple St.", parent_id="17850000000000001")]}, media=MEDIA
    )[0]

    pushed = read_webhook(
        webhook(changes=[comment_change("17850000000000002", "Also Maple St.", "17850000000000001")]),
        ig_id=ME,
    )

    (item,) = pushed.items
    assert (item.external_id, item.thread_key, item.kind) == (
        polled.external_id,
        polled.thread_key,
        polled.kind,
    )
    assert item.reply_to_ids == polled.reply_to_ids and item.author == polled.author
    assert item.raw["field"] == "comments"  # the webhook's own body is kept


def test_a_webhook_direct_message_has_the_same_id_and_thread_as_the_poll_of_it():
    polled = parse_message(
        {
            "id": "aWdfbWVzc2FnZTox",
            "created_time": "2026-12-07T18:45:03+0000",
            "from": {"id": "6602", "username": "lee.park"},
            "to": {"data": [{"id": ME}]},
            "message": "My bill doubled this month",
        },
        ig_id=ME,
    )

    (item,) = read_webhook(
        webhook(messaging=[dm_event("aWdfbWVzc2FnZTox", "My bill doubled this month")]), ig_id=ME
    ).items

    assert (item.external_id, item.thread_key, item.kind, item.text) == (
        polled.external_id,
        polled.thread_key,
        polled.kind,
        polled.text,
    )


def test_a_webhook_echo_of_our_own_message_is_ours_in_the_customers_thread():
    echo = dm_event("aWdfbWVzc2FnZToy", "Sorry to hear that", sender=ME, recipient="6602", is_echo=True)

    (item,) = read_webhook(webhook(messaging=[echo]), ig_id=ME).items

    assert item.thread_key == "igdm:6602" and item.author.external_id == ME


def test_the_dashboards_test_message_as_a_change_reads_like_a_messaging_event():
    change = {"field": "messages", "value": dm_event("aWdfbWVzc2FnZToz", "Test from the dashboard")}

    (item,) = read_webhook(webhook(changes=[change]), ig_id=ME).items

    assert isinstance(item, Inbound) and item.thread_key == "igdm:6602"


def test_what_a_webhook_holds_that_is_not_a_message_is_left_out_with_its_reason():
    body = webhook(
        changes=[{"field": "mentions", "value": {"media_id": "1", "comment_id": "2"}}],
        messaging=[
            {"sender": {"id": "6602"}, "recipient": {"id": ME}, "timestamp": 1, "read": {"mid": "x"}},
            {"sender": {"id": "6602"}, "recipient": {"id": ME}, "timestamp": 1, "surprise": {}},
            dm_event("m9", "", is_deleted=True),
        ],
    )

    reading = read_webhook(body, ig_id=ME)

    assert reading.items == []
    assert reading.left_out == {
        "'mentions' changes (only comments and direct messages are read)": 1,
        "read receipts": 1,
        "direct-message events of an unknown kind (recipient, sender, surprise, timestamp)": 1,
        "direct messages the customer unsent": 1,
    }


def test_a_webhook_for_another_account_or_object_is_not_read_as_ours():
    other = read_webhook(webhook(changes=[comment_change("1785", "hi")], entry_id="999"), ig_id=ME)
    assert other.items == [] and list(other.left_out) == [
        "webhook entries of another Instagram account (999), not this one's"
    ]

    with pytest.raises(Refused, match="not for Instagram"):
        read_webhook({"object": "page", "entry": []}, ig_id=ME)


# ---- saved bodies (manage.py ingest_file) -----------------------------------------------------------


def test_a_saved_instagram_body_of_any_shape_reads_as_a_poll_or_webhook_does(tmp_path):
    media = {**MEDIA, "comments": {"data": [comment("17850000000000001", "Any ETA?")]}}
    conversation = {
        "id": "aWdfY29udmVyc2F0aW9uOjE",
        "messages": {
            "data": [
                {
                    "id": "aWdfbWVzc2FnZTox",
                    "created_time": "2026-12-07T18:45:03+0000",
                    "from": {"id": "6602", "username": "lee.park"},
                    "to": {"data": [{"id": ME}]},
                    "message": "My bill doubled",
                }
            ]
        },
    }
    saved = tmp_path / "instagram.json"
    saved.write_text(json.dumps({"data": [media, conversation, {"id": ME, "username": "prairie_eg"}]}))

    reading = read_file(saved, ChannelAccount(kind="instagram", self_external_id=ME))

    assert [(item.kind, item.thread_key) for item in reading.items] == [
        ("ig_comment", f"ig:{MEDIA['id']}:17850000000000001"),
        ("ig_dm", "igdm:6602"),
    ]
    assert reading.left_out == {"Instagram profiles (not comments or messages)": 1}
    assert (
        read_instagram(webhook(changes=[comment_change("1785", "hi")]), ig_id=ME).items[0].external_id
        == "1785"
    )


@pytest.mark.parametrize(
    ("payload", "refusal"),
    [
        ({"error": {"code": 190, "message": "Session has expired"}}, "error 190"),
        ({"success": True}, "the answer to a write"),
    ],
)
def test_a_saved_body_that_holds_no_comments_or_messages_is_refused_in_words(payload, refusal):
    with pytest.raises(Refused, match=refusal):
        read_instagram(payload, ig_id=ME)


@pytest.mark.parametrize("written", ["2026-12-07T18:45:03+0000", 1796669103, "1796669103", 1796669103000])
def test_instagram_times_read_alike_as_text_or_unix_seconds_or_milliseconds(written):
    assert graph_time(written).isoformat() == "2026-12-07T18:45:03+00:00"
