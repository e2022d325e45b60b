"""channels.facebook.parse over recorded Graph API responses and hand-written ones."""

from datetime import UTC, datetime

import pytest

from channels.base import Author, Inbound, Unparseable
from channels.facebook.parse import (
    conversations,
    graph_error,
    parse_comments,
    parse_conversations,
    parse_feed,
    parse_message,
    parse_messages,
)

from .corpus import load_json, require_corpus

PAGE = "19292868552"  # Facebook for Developers, whose page the comments were recorded on
POST = f"{PAGE}_10158407654328553"


# ---- the recorded corpus ----------------------------------------------------------------------


def test_every_recorded_graph_response_parses_or_is_refused_in_plain_words():
    for path in sorted((require_corpus() / "facebook").glob("*.json")):
        response = load_json(f"facebook/{path.name}")
        if path.name == "error.json":
            with pytest.raises(ValueError, match="error 100"):
                parse_comments(response)
            continue
        readers = (
            parse_comments(response),
            parse_feed(response, page_id=PAGE),
            parse_conversations(response),
        )
        for items in readers:
            assert all(isinstance(item, (Inbound, Unparseable)) for item in items), path.name


def test_comments_without_id_or_from_get_ids_from_their_permalinks():
    items = parse_comments(load_json("facebook/comments_comments_p1.json"))

    assert len(items) == 10
    assert all(isinstance(item, Inbound) for item in items)
    first = items[0]
    assert first.external_id == "10158407654328553_10158407835073553"
    assert first.kind == "comment"
    assert first.thread_key == f"fb:{POST}:10158407654328553_10158407835073553"
    assert first.reply_to_ids == ()
    assert first.sent_at == datetime(2021, 8, 10, 18, 45, 3, tzinfo=UTC)
    assert first.text.startswith("Boa noite peço ajuda")
    assert first.context == {
        "post_id": POST,
        "post_text": "",
        "post_url": "https://www.facebook.com/19292868552/posts/10158407654328553/",
    }


def test_recorded_replies_are_threaded_under_their_top_comment():
    items = parse_comments(load_json("facebook/comments_comments_p1.json"))
    replies = [item for item in items if item.reply_to_ids]

    assert [item.external_id for item in replies] == [
        "10158407654328553_10158409983033553",
        "10158407654328553_10158409984053553",
        "10158407654328553_10158409984103553",
        "10158407654328553_10158411321043553",
    ]
    assert replies[0].reply_to_ids == ("10158407654328553_10158407903973553",)
    assert replies[0].thread_key == items[1].thread_key == f"fb:{POST}:10158407654328553_10158407903973553"


def test_second_page_of_comments_continues_the_same_post():
    items = parse_comments(load_json("facebook/comments_comments_p2.json"))

    assert len(items) == 5
    assert {item.context["post_id"] for item in items} == {POST}
    assert items[1].reply_to_ids == ("10158407654328553_10158412899928553",)


def test_comment_without_from_gets_its_own_anonymous_author():
    # The Graph API hides `from` without the page token's permission; each such comment still
    # needs a contact, and one hidden person cannot be told from another.
    first, second = parse_comments(load_json("facebook/comments_comments_p1.json"))[:2]

    assert first.author == Author(
        external_id="fb-anon:10158407654328553_10158407835073553", name="Facebook user"
    )
    assert first.author != second.author


def test_id_rebuilt_from_the_permalink_equals_the_id_the_graph_api_gives():
    comment = load_json("facebook/comments_comment_info.json")
    without_id = {key: value for key, value in comment.items() if key != "id"}

    [with_given_id] = parse_comments(comment)
    [with_rebuilt_id] = parse_comments({"data": [without_id]})

    assert with_given_id.external_id == with_rebuilt_id.external_id == "10158371815748553_10158371930463553"
    assert (
        with_rebuilt_id.thread_key == "fb:19292868552_10158371815748553:10158371815748553_10158371930463553"
    )


def test_ids_lookup_of_comments_yields_each_comment():
    items = parse_comments(load_json("facebook/comments_comments_info.json"))

    assert [item.external_id for item in items] == [
        "10158371815748553_10158371930463553",
        "10158371815748553_10158372268858553",
    ]


def test_created_comment_answer_reads_as_a_comment_on_its_post():
    [item] = parse_comments(load_json("facebook/comments_create_resp.json"))

    assert item.external_id == "245778718206154_229887283291835"
    assert item.context["post_id"] == "245628824887810_245778718206154"
    assert item.text == "Message from api and updated"


def test_embedded_comments_with_authors_carry_the_post_as_context():
    post = load_json("facebook/posts_multi_posts_data.json")["19292868552_10158347294088553"]

    items = parse_comments(post["comments"], post=post)

    assert len(items) == 7
    first = items[0]
    assert first.author == Author(external_id="100070073499229", name="Vivian Smith")
    assert (
        first.thread_key == "fb:19292868552_10158347294088553:19292868552_10158347294088553_10158348537573553"
    )
    assert first.context["post_text"].startswith("Despite reliable peering being essential")
    assert first.context["post_url"] == "https://www.facebook.com/19292868552/posts/10158347294088553/"


def test_recorded_feeds_hold_no_visitor_posts():
    # These feeds were fetched without `from`: such posts are taken for the page's own.
    for name in ("posts_feeds_default_fields_p1", "posts_feeds_default_fields_p2", "posts_feed_fields_p1"):
        assert parse_feed(load_json(f"facebook/{name}.json"), page_id=PAGE) == []


def test_visitor_post_on_the_feed_becomes_a_post_item_with_its_picture():
    feed = load_json("facebook/posts_feeds_default_fields_p1.json")
    visitor_post = {**feed["data"][0], "from": {"id": "100018676760657", "name": "Misheck Simfukwe"}}
    own_post = {**feed["data"][1], "from": {"id": PAGE, "name": "Facebook for Developers"}}

    [item] = parse_feed({"data": [visitor_post, own_post]}, page_id=PAGE)

    assert item.kind == "post"
    assert item.external_id == item.thread_key.removeprefix("fb:") == "19292868552_10158349356748553"
    assert item.author == Author(external_id="100018676760657", name="Misheck Simfukwe")
    assert item.attachments[0].url.startswith("https://scontent-ssn1-1.xx.fbcdn.net/")


def test_messenger_message_with_an_image_attachment():
    [item] = parse_messages(
        load_json("facebook/messages_message_info.json"), conversation_id="t_587956915396498"
    )

    assert item.kind == "messenger"
    assert item.external_id.startswith("m_ToF35NI1OImBjyUIgplSaBMylUFmkYY4bHogy9C1otLISU6SGhccB5NK")
    assert item.thread_key == "fbm:t_587956915396498"
    assert item.author == Author(external_id="2711636948859886", name="Kun Liu")
    assert item.sent_at == datetime(2021, 7, 23, 9, 50, 48, tzinfo=UTC)
    [image] = item.attachments
    assert (image.filename, image.content_type) == ("image-651143212510248", "image/jpeg")
    assert image.url.startswith("https://scontent-gmp1-1.xx.fbcdn.net/v/t1.15752-9/216389199_")


def test_ids_lookup_of_messages_includes_a_video():
    items = parse_messages(
        load_json("facebook/messages_messages_info.json"), conversation_id="t_587956915396498"
    )

    assert len(items) == 2
    video = items[1].attachments[0]
    assert (video.filename, video.content_type) == ("video-1627035862.mp4", "video/mp4")
    assert video.url.startswith("https://video-gmp1-1.xx.fbcdn.net/")


def test_conversations_are_listed_from_single_and_ids_lookups():
    assert [c["id"] for c in conversations(load_json("facebook/conversations_cvs_info.json"))] == [
        "t_587956915396498"
    ]
    lookup = load_json("facebook/conversations_cvses_info.json")
    assert [c["id"] for c in conversations(lookup)] == ["t_587956915396498", "t_233782918546745"]
    # Fetched without fields=messages: there is nothing to read yet.
    assert parse_conversations(lookup) == []


def test_recorded_error_is_an_unknown_code_and_so_transient():
    error = graph_error(load_json("facebook/error.json"))

    assert error.code == 100
    assert error.message.startswith("(#100) Pages Public Content Access requires")
    assert (error.permanent, error.throttled) == (False, False)


# ---- behaviour the corpus lacks ---------------------------------------------------------------


def comment(comment_id, **fields):
    return {
        "id": comment_id,
        "message": "still no power on Elm St",
        "created_time": "2024-03-05T10:02:03+0000",
        "from": {"id": "555", "name": "Ann Customer"},
        **fields,
    }


def test_reply_comment_is_threaded_under_its_top_comment():
    post = {
        "id": "1_2",
        "message": "Planned outage Tuesday",
        "permalink_url": "https://www.facebook.com/1/posts/2/",
    }
    page = {"data": [comment("2_10"), comment("2_11", parent={"id": "2_10"})]}

    top, reply = parse_comments(page, post=post)

    assert top.thread_key == reply.thread_key == "fb:1_2:2_10"
    assert reply.reply_to_ids == ("2_10",)
    assert reply.context == {
        "post_id": "1_2",
        "post_text": "Planned outage Tuesday",
        "post_url": post["permalink_url"],
    }


def test_reply_to_a_reply_stays_in_the_top_comment_thread():
    permalink = "https://www.facebook.com/1/posts/2/?comment_id=10&reply_comment_id=12"
    nested = comment("2_12", parent={"id": "2_11"}, permalink_url=permalink)

    [item] = parse_comments({"data": [nested]})

    assert item.reply_to_ids == ("2_11",)
    assert item.thread_key == "fb:1_2:2_10"


def test_comment_photo_is_an_attachment():
    photo = {
        "type": "photo",
        "media": {"image": {"src": "https://scontent/meter_photo.jpg?x=1"}},
        "url": "https://f/p",
    }

    [item] = parse_comments({"data": [comment("2_10", attachment=photo)]}, post={"id": "1_2"})

    assert item.attachments[0].url == "https://scontent/meter_photo.jpg?x=1"
    assert item.attachments[0].filename == "meter_photo.jpg"


def test_comment_without_time_or_post_is_unparseable():
    no_time = {key: value for key, value in comment("2_10").items() if key != "created_time"}

    [without_time] = parse_comments({"data": [no_time]}, post={"id": "1_2"})
    [without_post] = parse_comments({"data": [comment("2_10")]})

    assert without_time.error == "comment has no created_time"
    assert without_post.error == "comment has no post (pass post= or request fields=permalink_url)"


def test_message_without_sender_is_unparseable():
    anonymous = {"id": "m_1", "message": "hi", "created_time": "2024-03-05T10:02:03+0000"}

    item = parse_message(anonymous, conversation_id="t_1")

    assert item == Unparseable("m_1", "message has no sender (request fields=from)", item.raw)


@pytest.mark.parametrize(
    ("code", "permanent", "throttled"),
    [
        (190, True, False),
        (10, True, False),
        (200, True, False),
        (299, True, False),
        (4, False, True),
        (17, False, True),
        (32, False, True),
        (613, False, True),
        (80001, False, True),
        (2, False, False),
    ],
)
def test_graph_error_codes_are_classified(code, permanent, throttled):
    error = graph_error({"error": {"message": "x", "code": code, "error_subcode": 463}})

    assert (error.permanent, error.throttled, error.subcode) == (permanent, throttled, 463)
    assert error.as_channel_error().permanent is permanent


def test_body_without_error_is_transient_with_no_code():
    assert graph_error({"data": []}).code is None
