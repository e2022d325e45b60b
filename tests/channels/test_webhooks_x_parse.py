"""X webhook bodies read into the items a poll makes (channels/twitter/webhook.py, pure)."""

from channels.twitter.webhook import read_webhook

US = "1500000000000000001"


def v1_tweet(tweet_id, text, *, author="4001", reply_to=None, reply_to_user=None, mentions=(US,), **extra):
    return {
        "id_str": tweet_id,
        "created_at": "Mon Dec 07 15:04:05 +0000 2026",
        "text": text,
        "user": {"id_str": author, "screen_name": "kjones", "name": "Kim Jones"},
        "in_reply_to_status_id_str": reply_to,
        "in_reply_to_user_id_str": reply_to_user,
        "entities": {"user_mentions": [{"id_str": mention} for mention in mentions]},
        **extra,
    }


def test_an_account_activity_mention_has_the_ids_and_thread_of_a_polled_one():
    tweet = v1_tweet(
        "1860000000000000001", "@PrairieEGHelp power out", extended_tweet={"full_text": "long text"}
    )
    reading = read_webhook({"for_user_id": US, "tweet_create_events": [tweet]}, user_id=US)
    [item] = reading.items
    assert (item.external_id, item.kind, item.thread_key) == (
        "1860000000000000001",
        "mention",
        f"x:{tweet['id_str']}:4001",
    )
    assert (item.text, item.author.handle, item.sent_at.isoformat()) == (
        "long text",
        "kjones",
        "2026-12-07T15:04:05+00:00",
    )


def test_a_reply_joins_the_conversation_of_the_stored_post_it_answers():
    reply = v1_tweet("1860000000000000009", "still dark", reply_to="1860000000000000005", reply_to_user=US)
    body = {"for_user_id": US, "tweet_create_events": [reply]}
    [item] = read_webhook(
        body, user_id=US, conversation_ids={"1860000000000000005": "1860000000000000001"}
    ).items
    assert item.thread_key == "x:1860000000000000001:4001"
    assert item.reply_to_ids == ("1860000000000000005",)


def test_our_own_posts_others_threads_and_typing_are_left_out_by_name():
    ours = v1_tweet("1860000000000000002", "We are on it", author=US)
    quote = v1_tweet("1860000000000000003", "look at this", mentions=())
    body = {
        "for_user_id": US,
        "tweet_create_events": [ours, quote],
        "direct_message_indicate_typing_events": [{"sender_id": "4001"}],
    }
    reading = read_webhook(body, user_id=US)
    assert reading.items == []
    assert set(reading.left_out) == {
        "our own posts (a poll of mentions does not read them; replies are recorded when sent)",
        "posts that neither mention nor answer the account (quotes, others' threads)",
        "DM typing indicators",
    }


def test_a_dm_is_filed_under_the_one_to_one_conversation_as_v2_names_it():
    event = {
        "type": "message_create",
        "id": "1860000000000000100",
        "created_timestamp": "1796655845000",
        "message_create": {
            "target": {"recipient_id": US},
            "sender_id": "4002",
            "message_data": {"text": "My bill doubled &amp; nobody answers"},
        },
    }
    users = {"4002": {"id_str": "4002", "screen_name": "pat_oak", "name": "Pat Oak"}}
    [item] = read_webhook(
        {"for_user_id": US, "direct_message_events": [event], "users": users}, user_id=US
    ).items
    assert (item.kind, item.thread_key, item.text) == (
        "dm",
        f"xdm:4002-{US}",
        "My bill doubled & nobody answers",
    )
    assert item.author.handle == "pat_oak"


def test_activity_api_events_that_are_not_messages_are_left_out_with_the_reason():
    like = {"data": {"event_type": "like.create", "filter": {"user_id": US}, "payload": {}}}
    chat = {"data": {"event_type": "chat.received", "filter": {"user_id": US}, "payload": {}}}
    other = {
        "data": {"event_type": "post.mention.create", "filter": {"user_id": "999"}, "payload": {"id": "1"}}
    }
    assert "like.create" in next(iter(read_webhook(like, user_id=US).left_out))
    assert "encrypted" in next(iter(read_webhook(chat, user_id=US).left_out))
    assert "another X account" in next(iter(read_webhook(other, user_id=US).left_out))
