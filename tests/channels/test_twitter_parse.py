"""channels.twitter.parse over recorded X API v2 responses and hand-written ones."""

from datetime import UTC, datetime, timedelta

import pytest

from channels.base import Author, Inbound, Unparseable
from channels.reading import Refused
from channels.twitter.length import MAX_TWEET_LENGTH, tweet_length
from channels.twitter.parse import RETWEETS, parse_dm_events, parse_mentions, read_response

from .corpus import load_json, require_corpus

MENTION_IDS = [
    "1578516295611748353",
    "1578516273537118209",
    "1578516249856077825",
    "1578516242867945475",
    "1578516230448631808",
    "1578516220231397376",
    "1578516190862794753",
    "1578516149339574274",
    "1578516142770909184",
    "1578516107798884353",
]
DM_CONVERSATION = "750362064426721281-1072250532645998596"  # from x-exchanges.json: the request URI


# ---- the recorded corpus ----------------------------------------------------------------------


REFUSED = {
    "get_me_0.json": "a users response, not tweets",
    "create_and_delete_tweet_1.json": "the answer to an action (deleted), not tweets",
    "direct_messages_0.json": "the answer to a DM we sent (its event id), not DM events",
    "direct_messages_1.json": "the answer to a DM we sent (its event id), not DM events",
    "direct_messages_2.json": "the answer to a DM we sent (its event id), not DM events",
}


def test_every_recorded_x_response_is_read_or_refused_whole_with_one_reason():
    for path in sorted((require_corpus() / "x").glob("*.json")):
        response = load_json(f"x/{path.name}")
        if path.name in REFUSED:
            with pytest.raises(Refused) as refused:
                read_response(response)
            assert str(refused.value) == REFUSED[path.name]
            continue
        reading = read_response(response)
        assert all(isinstance(item, (Inbound, Unparseable)) for item in reading.items), path.name
        assert reading.items or reading.why_nothing() != "nothing in it to read", path.name


def test_recorded_mentions_without_author_id_get_an_anonymous_author_each():
    # Recorded without tweet.fields=author_id: still tickets, each its own unknown customer.
    items = parse_mentions(load_json("x/get_users_mentions_0.json"))

    assert [item.external_id for item in items] == MENTION_IDS
    assert all(isinstance(item, Inbound) for item in items)
    assert items[0].author.external_id == f"x-anon:{MENTION_IDS[0]}" and items[0].author.name == "X user"
    assert items[0].thread_key == f"x:{MENTION_IDS[0]}:x-anon:{MENTION_IDS[0]}"
    assert items[0].text.startswith("@Twitter @TwitterSupport this is my ENTIRE feed")


def test_recorded_mention_with_its_author_added_becomes_an_inbound_timed_by_its_id():
    response = load_json("x/get_users_mentions_0.json")
    tweet = {**response["data"][5], "author_id": "2244994945"}

    [item] = parse_mentions({"data": [tweet]})

    assert item.external_id == "1578516220231397376"
    assert item.text == "@Twitter make 🤨 an available reaction emoji in dms"
    assert item.thread_key == "x:1578516220231397376:2244994945"
    assert item.author == Author(external_id="2244994945")
    assert item.url == "https://x.com/i/web/status/1578516220231397376"
    assert item.sent_at == datetime(2022, 10, 7, 22, 42, 48, 973000, tzinfo=UTC)


def test_snowflake_time_matches_the_time_tweepy_wrote_into_its_test_tweets():
    # search_recent_tweets_0.json holds tweets whose text is the (UTC) time they were posted.
    tweets = load_json("x/search_recent_tweets_0.json")["data"]
    stamped = [{**tweet, "author_id": "1072250532645998596"} for tweet in tweets]

    for tweet, item in zip(tweets, parse_mentions({"data": stamped}), strict=True):
        written = datetime.fromisoformat(tweet["text"].removesuffix(" tweepy")).replace(tzinfo=UTC)
        assert abs((item.sent_at - written).total_seconds()) < 1


def test_recorded_dm_events_without_sender_come_back_unparseable_with_their_ids():
    items = parse_dm_events(load_json("x/direct_messages_4.json"), conversation_id=DM_CONVERSATION)

    assert [item.external_id for item in items] == ["1585800613752881156", "1585800613253812228"]
    assert {item.error for item in items} == {"dm event has no sender_id (request dm_event.fields=sender_id)"}


def test_recorded_dm_event_with_its_sender_added_is_threaded_by_conversation():
    event = {**load_json("x/direct_messages_5.json")["data"][1], "sender_id": "750362064426721281"}

    [item] = parse_dm_events({"data": [event]}, conversation_id=DM_CONVERSATION)

    assert item.kind == "dm"
    assert item.external_id == "1585800613253812228"
    assert item.text == "Testing 1"
    assert item.thread_key == f"xdm:{DM_CONVERSATION}"
    assert item.sent_at == datetime(2022, 10, 28, 1, 8, 23, 607000, tzinfo=UTC)


def test_empty_dm_page_yields_no_items_and_says_why():
    assert parse_dm_events(load_json("x/direct_messages_3.json")) == []
    reading = read_response(load_json("x/direct_messages_3.json"))
    assert reading.items == []
    assert reading.why_nothing() == "an empty page: X found nothing (result_count 0)"


def test_dm_send_answers_are_refused_as_not_dm_events():
    for name in ("direct_messages_0.json", "direct_messages_1.json", "direct_messages_2.json"):
        with pytest.raises(Refused, match="the answer to a DM we sent"):
            parse_dm_events(load_json(f"x/{name}"))


def test_recorded_users_response_is_refused_whole_not_an_empty_x_user_ticket():
    with pytest.raises(Refused, match="^a users response, not tweets$"):
        parse_mentions(load_json("x/get_me_0.json"))


def test_recorded_quote_tweets_leave_out_the_classic_retweets_by_their_text():
    # Recorded without referenced_tweets: seven of them are "RT @TwitterAPI: ..." retweets.
    reading = read_response(load_json("x/get_quote_tweets_0.json"))

    assert [item.external_id for item in reading.items] == ["1453474504928280580", "1447395402676793345"]
    assert reading.left_out == {RETWEETS: 7}


def test_single_tweet_lookup_is_read_like_a_page():
    [item] = parse_mentions(load_json("x/get_tweet_0.json"))

    assert item.external_id == "1293593516040269825"


# ---- behaviour the corpus lacks ---------------------------------------------------------------

USER = {
    "id": "42",
    "username": "ann_customer",
    "name": "Ann Customer",
    "profile_image_url": "https://pbs/a.jpg",
}


def tweet(**fields):
    return {
        "id": "1600000000000000001",
        "text": "@utility my power is out",
        "author_id": "42",
        "created_at": "2024-03-05T10:02:03.000Z",
        "conversation_id": "1600000000000000001",
        **fields,
    }


def test_mention_with_expansions_has_author_url_and_attachments():
    response = {
        "data": [tweet(attachments={"media_keys": ["3_9"]})],
        "includes": {
            "users": [USER],
            "media": [{"media_key": "3_9", "type": "photo", "url": "https://pbs.twimg.com/media/meter.png"}],
        },
    }

    [item] = parse_mentions(response)

    assert item.kind == "mention"
    assert item.author == Author(
        "42", handle="ann_customer", name="Ann Customer", avatar_url="https://pbs/a.jpg"
    )
    assert item.url == "https://x.com/ann_customer/status/1600000000000000001"
    assert item.sent_at == datetime(2024, 3, 5, 10, 2, 3, tzinfo=UTC)
    assert item.raw["author"] == USER
    [photo] = item.attachments
    assert (photo.filename, photo.content_type) == ("3_9.png", "image/png")
    assert photo.url == "https://pbs.twimg.com/media/meter.png"


# ---- payload shapes: only tweets and DM events are read ---------------------------------------


def test_liking_users_response_is_refused_with_one_reason():
    liking_users = {
        "data": [
            {"id": "42", "name": "Ann Customer", "username": "ann_customer"},
            {"id": "43", "name": "Bo Other", "username": "bo"},
        ],
        "meta": {"result_count": 2},
    }

    with pytest.raises(Refused) as refused:
        read_response(liking_users)

    assert str(refused.value) == "a users response, not tweets"


def test_counts_response_is_one_refusal_not_one_failure_per_bucket():
    # GET /2/tweets/counts/recent by the hour: a week and a bit, 183 buckets.
    start = datetime(2024, 3, 1, tzinfo=UTC)
    buckets = [
        {"start": f"{start + timedelta(hours=hour):%Y-%m-%dT%H:00:00.000Z}", "tweet_count": 3}
        for hour in range(183)
    ]
    counts = {"data": buckets, "meta": {"total_tweet_count": 549}}

    with pytest.raises(Refused, match="^a tweet counts response, not tweets$"):
        parse_mentions(counts)
    with pytest.raises(Refused, match="^a tweet counts response, not tweets$"):
        read_response(counts)


def test_error_bodies_are_refused_with_x_own_words():
    not_found = {"errors": [{"detail": "Could not find user with id: [1].", "title": "Not Found Error"}]}
    unauthorized = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}

    with pytest.raises(Refused, match=r"^an X API error response: Could not find user with id: \[1\]\.$"):
        read_response(not_found)
    with pytest.raises(Refused, match=r"^an X API error response \(401 Unauthorized\): Unauthorized$"):
        read_response(unauthorized)
    with pytest.raises(Refused, match="not an X API v2 response"):
        read_response({"hello": "world"})


def test_lookup_with_some_ids_missing_reads_the_rest_and_counts_the_missing():
    response = {
        "data": [tweet()],
        "errors": [
            {"value": "1", "detail": "Could not find tweet with ids: [1].", "title": "Not Found Error"},
            {"value": "2", "detail": "Could not find tweet with ids: [2].", "title": "Not Found Error"},
        ],
    }

    reading = read_response(response)

    assert [item.external_id for item in reading.items] == ["1600000000000000001"]
    assert reading.left_out == {"ids X could not return (Not Found Error)": 2}


def test_a_user_object_among_tweets_is_refused_alone_not_made_a_mention():
    response = {"data": [tweet(), {"id": "42", "name": "Ann Customer", "username": "ann_customer"}]}

    mention, user = parse_mentions(response)

    assert mention.kind == "mention"
    assert user == Unparseable("42", "not a tweet (its fields: id, name, username)", response["data"][1])


def test_dm_events_that_are_not_messages_are_counted_with_their_type():
    response = {
        "data": [
            {"id": "1", "event_type": "ParticipantsJoin", "dm_conversation_id": "g1"},
            {"id": "2", "event_type": "ParticipantsLeave", "dm_conversation_id": "g1"},
        ]
    }

    reading = read_response(response)

    assert reading.items == []
    assert reading.why_nothing() == (
        "1 × ParticipantsJoin DM events (not messages); 1 × ParticipantsLeave DM events (not messages)"
    )


def test_classic_retweet_text_is_a_retweet_without_referenced_tweets():
    classic = tweet(id="1600000000000000002", text="RT @prairie_eg: Crews are on Elm St now")
    mentions_us = tweet(id="1600000000000000003", text="@utility RT @prairie_eg: is this true?")

    reading = read_response({"data": [classic, mentions_us]})

    assert [item.external_id for item in reading.items] == ["1600000000000000003"]
    assert reading.left_out == {RETWEETS: 1}


def test_retweets_never_become_items():
    retweet = tweet(
        id="1600000000000000002", referenced_tweets=[{"type": "retweeted", "id": "1599999999999999999"}]
    )

    items = parse_mentions({"data": [retweet, tweet()]})

    assert [item.external_id for item in items] == ["1600000000000000001"]


def test_reply_points_at_the_tweet_it_answers_and_keeps_the_conversation():
    reply = tweet(
        id="1600000000000000005",
        conversation_id="1600000000000000001",
        referenced_tweets=[
            {"type": "quoted", "id": "1500"},
            {"type": "replied_to", "id": "1600000000000000003"},
        ],
    )

    [item] = parse_mentions({"data": [reply]})

    assert item.reply_to_ids == ("1600000000000000003",)
    assert item.thread_key == "x:1600000000000000001:42"


def test_escaped_html_entities_are_unescaped():
    [item] = parse_mentions({"data": [tweet(text="bill &gt; $200 &amp; meter &lt;broken&gt; &amp;amp;")]})

    assert item.text == "bill > $200 & meter <broken> &amp;"


def test_long_post_text_comes_from_note_tweet():
    [item] = parse_mentions(
        {"data": [tweet(text="truncated…", note_tweet={"text": "the whole story " * 30})]}
    )

    assert item.text == "the whole story " * 30


def test_video_attachment_is_its_best_mp4_variant():
    video = {
        "media_key": "7_1",
        "type": "video",
        "preview_image_url": "https://pbs/preview.jpg",
        "variants": [
            {"content_type": "application/x-mpegURL", "url": "https://video/pl.m3u8"},
            {"content_type": "video/mp4", "bit_rate": 256000, "url": "https://video/low.mp4"},
            {"content_type": "video/mp4", "bit_rate": 2176000, "url": "https://video/high.mp4"},
        ],
    }
    response = {"data": [tweet(attachments={"media_keys": ["7_1"]})], "includes": {"media": [video]}}

    [item] = parse_mentions(response)

    assert item.attachments[0].url == "https://video/high.mp4"
    assert item.attachments[0].filename == "7_1.mp4"


def test_tweet_without_id_is_unparseable_not_an_exception():
    [item] = parse_mentions({"data": [{"text": "orphan"}]})

    assert item == Unparseable(None, "tweet has no id", {"text": "orphan"})


def test_response_that_is_not_an_object_raises_value_error():
    with pytest.raises(ValueError, match="JSON object"):
        parse_mentions([])


def test_only_message_create_dm_events_become_items():
    response = {
        "data": [
            {
                "id": "1",
                "event_type": "ParticipantsJoin",
                "dm_conversation_id": "g1",
                "participant_ids": ["9"],
            },
            {
                "id": "1600000000000000009",
                "event_type": "MessageCreate",
                "text": "my bill is wrong",
                "sender_id": "42",
                "dm_conversation_id": "42-1000",
                "created_at": "2024-03-05T10:02:03.000Z",
                "attachments": {"media_keys": ["3_1"]},
            },
        ],
        "includes": {
            "users": [USER],
            "media": [{"media_key": "3_1", "type": "photo", "url": "https://pbs/b.jpg"}],
        },
    }

    [item] = parse_dm_events(response)

    assert (item.kind, item.thread_key, item.author.handle) == ("dm", "xdm:42-1000", "ann_customer")
    assert item.attachments[0].content_type == "image/jpeg"


def test_dm_event_without_conversation_is_unparseable():
    event = {"id": "5", "event_type": "MessageCreate", "text": "hi", "sender_id": "42"}

    [item] = parse_dm_events({"data": [event]})

    assert item.error == "dm event has no dm_conversation_id (request dm_event.fields=dm_conversation_id)"


# ---- tweet_length -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("hello", 5),
        ("Your outage ticket: https://status.example.com/outages/12345?area=north", 20 + 23),
        ("see https://x.com/a.", 4 + 23 + 1),  # the full stop is not part of the link
        ("two links http://a.example https://b.example/x", 10 + 23 + 1 + 23),
        ("日本語", 6),
        ("🤨", 2),
        ("👍🏽", 2),  # emoji + skin tone
        ("👨‍👩‍👧‍👦", 2),  # family joined with ZWJ
        ("🇺🇸", 2),  # flag: two regional indicators
        ("1️⃣", 2),  # keycap
        ("क्‍ष", 4),  # ZWJ between letters is an ordinary character
        ("“quotes” — dash", 15),  # punctuation ranges weigh 1
    ],
)
def test_tweet_length_counts_like_x(text, length):
    assert tweet_length(text) == length


def test_a_full_tweet_of_latin_letters_fits_exactly():
    assert tweet_length("a" * MAX_TWEET_LENGTH) == MAX_TWEET_LENGTH
    assert tweet_length("日" * 141) > MAX_TWEET_LENGTH
