"""channels.facebook.parse over recorded Graph API responses and hand-written ones."""

from datetime import UTC, datetime

import pytest

from channels.base import Author, Inbound, Unparseable
from channels.facebook.parse import (
    POSTS_WITHOUT_FROM,
    conversations,
    graph_error,
    parse_comments,
    parse_conversations,
    parse_feed,
    parse_message,
    parse_messages,
)
from channels.facebook.shapes import read_graph
from channels.reading import Refused
from channels.replay import messenger_conversations
from oss_inbox.tickets.models import Ticket
from oss_inbox.tickets.services import ingest

from ..factories import account
from .corpus import load_json, require_corpus

PAGE = "19292868552"  # Facebook for Developers, whose page the comments were recorded on
POST = f"{PAGE}_10158407654328553"


# ---- the recorded corpus ----------------------------------------------------------------------


REFUSED = {
    "error.json": "the Graph API answered with error 100: (#100) Pages Public Content Access requires",
    "pages_single_default_page.json": "a Page's profile, not posts, comments or messages",
    "pages_single_fields_page.json": "a Page's profile, not posts, comments or messages",
}


def test_every_recorded_graph_response_is_read_or_refused_in_plain_words():
    for path in sorted((require_corpus() / "facebook").glob("*.json")):
        response = load_json(f"facebook/{path.name}")
        if path.name in REFUSED:
            with pytest.raises(Refused) as refused:
                read_graph(response, page_id=PAGE)
            assert str(refused.value).startswith(REFUSED[path.name])
            continue
        reading = read_graph(response, page_id=PAGE)
        assert all(isinstance(item, (Inbound, Unparseable)) for item in reading.items), path.name
        assert reading.items or reading.why_nothing() != "nothing in it to read", path.name
        for items in (parse_comments(response), parse_conversations(response)):
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


def test_recorded_feeds_fetched_without_from_are_taken_for_the_page_own_saying_so():
    # Their paging links show fields= without `from`: nobody can tell a visitor's post there.
    for name in ("posts_feeds_default_fields_p1", "posts_feeds_default_fields_p2", "posts_feed_fields_p1"):
        feed = load_json(f"facebook/{name}.json")
        assert parse_feed(feed, page_id=PAGE, from_requested=False) == []

        reading = read_graph(feed, page_id=PAGE)

        assert reading.items == []
        assert reading.left_out == {POSTS_WITHOUT_FROM: len(feed["data"])}
        assert (
            reading.why_nothing()
            == "5 × posts without `from`, taken for the Page's own (fetched without fields=from)"
        )


def test_recorded_posts_of_another_page_are_told_by_their_listing_not_their_id():
    # "4_10113477241177441" has the shape of a comment id on Page 19292868552; the paging link
    # says these came from /4/posts.
    reading = read_graph(load_json("facebook/posts_feed_fields_p1.json"), page_id=PAGE)

    assert reading.items == [] and reading.left_out == {POSTS_WITHOUT_FROM: 5}


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


# ---- shapes: what an object is, without parent, permalink_url or from ---------------------------


def test_comment_is_recognised_by_its_id_shape_alone_and_threads_as_when_polled():
    polled = parse_comments(load_json("facebook/comments_comments_p1.json"))[0]
    bare = {"id": polled.external_id, "message": polled.text, "created_time": "2021-08-10T18:45:03+0000"}

    [item] = read_graph(bare, page_id=PAGE).items

    assert item.kind == "comment"
    assert (item.external_id, item.thread_key) == (polled.external_id, polled.thread_key)
    assert item.context["post_id"] == POST


def test_comment_is_recognised_by_its_fields_in_an_ids_lookup():
    lookup = load_json("facebook/comments_comments_info.json")
    for comment in lookup.values():
        del comment["permalink_url"]  # comment_count and like_count still say "comment"

    items = read_graph(lookup, page_id=PAGE).items

    assert [(item.kind, item.context["post_id"]) for item in items] == [
        ("comment", "19292868552_10158371815748553"),
        ("comment", "19292868552_10158371815748553"),
    ]
    assert items[0].thread_key != items[1].thread_key  # two top-level comments: two conversations


def test_old_three_part_comment_id_names_its_post():
    bare = {"id": "1_2_10", "message": "meter reading wrong", "created_time": "2024-03-05T10:02:03+0000"}

    [item] = read_graph(bare, page_id="1").items

    assert (item.kind, item.thread_key) == ("comment", "fb:1_2:1_2_10")


def test_an_id_starting_with_the_page_id_is_a_post_any_other_a_comment():
    post = {"id": "1_2", "message": "Planned outage Tuesday", "created_time": "2024-03-05T10:00:00+0000"}
    comment = {"id": "2_10", "message": "Which streets?", "created_time": "2024-03-05T10:02:03+0000"}

    reading = read_graph({"data": [post, comment]}, page_id="1")

    assert [(item.kind, item.thread_key) for item in reading.items] == [("comment", "fb:1_2:2_10")]
    assert reading.left_out == {POSTS_WITHOUT_FROM: 1}


def test_visitor_post_without_from_on_a_feed_with_from_gets_an_anonymous_author():
    # The poller requests `from`: the Page's own posts carry it, a visitor's is hidden without
    # the permission to see people. Hidden is not dropped.
    feed = {
        "data": [
            {
                "id": "1_2",
                "message": "Planned outage",
                "created_time": "2024-03-05T10:00:00+0000",
                "from": {"id": "1"},
            },
            {"id": "1_3", "message": "No power on Elm St", "created_time": "2024-03-05T10:02:03+0000"},
        ]
    }

    [polled] = parse_feed(feed, page_id="1")
    [replayed] = read_graph(feed, page_id="1").items

    assert polled.author == replayed.author == Author(external_id="fb-anon:1_3", name="Facebook user")
    assert (polled.kind, polled.thread_key, polled.text) == ("post", "fb:1_3", "No power on Elm St")


def test_bodies_that_are_not_posts_comments_or_messages_are_refused_with_a_reason():
    with pytest.raises(Refused, match="^a Page's profile, not posts, comments or messages$"):
        read_graph(load_json("facebook/pages_single_fields_page.json"), page_id=PAGE)
    with pytest.raises(Refused, match="error 100"):
        read_graph(load_json("facebook/error.json"), page_id=PAGE)
    with pytest.raises(Refused, match=r"^the answer to a write \(success\)"):
        read_graph({"success": True}, page_id=PAGE)
    with pytest.raises(
        Refused, match=r"^not a Graph API object, page or \?ids= lookup \(its fields: hello\)$"
    ):
        read_graph({"hello": "world"}, page_id=PAGE)


def test_empty_pages_and_bare_conversations_say_why_they_hold_nothing():
    empty_feed = {
        "data": [],
        "paging": {"previous": "https://graph.facebook.com/v21.0/1/feed?fields=id,from"},
    }

    assert read_graph(empty_feed, page_id="1").why_nothing() == (
        "an empty page of /feed: the Graph API found nothing"
    )
    assert read_graph(load_json("facebook/conversations_cvses_info.json"), page_id=PAGE).why_nothing() == (
        "2 × conversations without their messages "
        "(request fields=messages{id,message,created_time,from,to,attachments})"
    )


# ---- webhook bodies: the same items as a poll -------------------------------------------------

WEBHOOK_PAGE = "104000000000001"
WEBHOOK_POST = f"{WEBHOOK_PAGE}_2000"
POST_URL = f"https://www.facebook.com/{WEBHOOK_PAGE}/posts/2000"
ANN = {"id": "555", "name": "Ann Customer"}
AT_10_02_03 = 1709632923  # 2024-03-05T10:02:03Z, as Unix seconds


def webhook(*, changes=(), messaging=(), page=WEBHOOK_PAGE):
    entry = {"id": page, "time": AT_10_02_03, "changes": list(changes), "messaging": list(messaging)}
    return {"object": "page", "entry": [entry]}


def feed_comment(comment_id="2000_10", *, verb="add", parent_id=WEBHOOK_POST, **fields):
    """A feed change for a comment, as Meta's Webhooks for Pages reference shows it."""
    value = {
        "from": ANN,
        "post": {
            "status_type": "added_photos",
            "is_published": True,
            "permalink_url": POST_URL,
            "id": WEBHOOK_POST,
        },
        "message": "still no power on Elm St",
        "post_id": WEBHOOK_POST,
        "comment_id": comment_id,
        "created_time": AT_10_02_03,
        "item": "comment",
        "parent_id": parent_id,
        "verb": verb,
        **fields,
    }
    return {"field": "feed", "value": value}


def polled_comment(comment_id="2000_10", **fields):
    [item] = parse_comments(
        {"data": [comment(comment_id, created_time="2024-03-05T10:02:03+0000", **fields)]},
        post={"id": WEBHOOK_POST, "permalink_url": POST_URL},
    )
    return item


def same_item(a, b):
    keys = ("external_id", "kind", "thread_key", "author", "sent_at", "text", "reply_to_ids")
    return {key: getattr(a, key) for key in keys} == {key: getattr(b, key) for key in keys}


def test_webhook_comment_is_the_item_a_poll_of_it_gives():
    [item] = read_graph(webhook(changes=[feed_comment()]), page_id=WEBHOOK_PAGE).items

    assert same_item(item, polled_comment())
    assert item.thread_key == f"fb:{WEBHOOK_POST}:2000_10"
    assert item.context["post_url"] == POST_URL
    assert item.raw["verb"] == "add"  # the webhook's own body is kept


def test_webhook_reply_threads_under_its_top_comment_as_a_polled_reply_does():
    change = feed_comment("2000_11", parent_id="2000_10", message="me too")

    [item] = read_graph(webhook(changes=[change]), page_id=WEBHOOK_PAGE).items

    assert same_item(item, polled_comment("2000_11", parent={"id": "2000_10"}, message="me too"))
    assert (item.thread_key, item.reply_to_ids) == (f"fb:{WEBHOOK_POST}:2000_10", ("2000_10",))


def test_webhook_comment_edit_is_the_same_item_and_a_removal_is_left_out_saying_why():
    edited = feed_comment(verb="edited", message="still no power on Elm St (since 6am)")
    removed = feed_comment("2000_12", verb="remove")

    reading = read_graph(webhook(changes=[edited, removed]), page_id=WEBHOOK_PAGE)

    [item] = reading.items
    assert item.external_id == "2000_10" and item.text.endswith("(since 6am)")
    assert reading.left_out == {"comments removed on Facebook (what was stored stays as it was)": 1}


def test_webhook_comment_without_from_gets_the_anonymous_author_a_poll_gives():
    change = feed_comment()
    del change["value"]["from"]
    hidden = {key: value for key, value in comment("2000_10").items() if key != "from"}

    [item] = read_graph(webhook(changes=[change]), page_id=WEBHOOK_PAGE).items
    [polled] = parse_comments({"data": [hidden]}, post={"id": WEBHOOK_POST})

    assert item.author == polled.author == Author(external_id="fb-anon:2000_10", name="Facebook user")


def test_webhook_comment_with_a_photo_has_it_as_an_attachment():
    change = feed_comment(photo="https://scontent.xx.fbcdn.net/v/meter.jpg?x=1")

    [item] = read_graph(webhook(changes=[change]), page_id=WEBHOOK_PAGE).items

    assert [(a.filename, a.url) for a in item.attachments] == [
        ("meter.jpg", "https://scontent.xx.fbcdn.net/v/meter.jpg?x=1")
    ]


def test_webhook_visitor_post_is_the_post_a_poll_reads_and_the_page_own_is_left_out():
    visitor = {
        "field": "feed",
        "value": {
            "from": ANN,
            "item": "status",
            "post_id": f"{WEBHOOK_PAGE}_3000",
            "verb": "add",
            "published": 1,
            "created_time": AT_10_02_03,
            "message": "Transformer on fire at Oak Ave",
            "photos": ["https://scontent.xx.fbcdn.net/v/fire.jpg"],
        },
    }
    own = {
        "field": "feed",
        "value": {**visitor["value"], "from": {"id": WEBHOOK_PAGE}, "post_id": f"{WEBHOOK_PAGE}_3001"},
    }
    polled_post = {
        "id": f"{WEBHOOK_PAGE}_3000",
        "message": "Transformer on fire at Oak Ave",
        "created_time": "2024-03-05T10:02:03+0000",
        "from": ANN,
    }

    reading = read_graph(webhook(changes=[visitor, own]), page_id=WEBHOOK_PAGE)

    [item] = reading.items
    assert same_item(item, parse_feed({"data": [polled_post]}, page_id=WEBHOOK_PAGE)[0])
    assert (item.kind, item.thread_key) == ("post", f"fb:{WEBHOOK_PAGE}_3000")
    assert [a.url for a in item.attachments] == ["https://scontent.xx.fbcdn.net/v/fire.jpg"]
    assert reading.left_out == {"posts by the Page itself (what customers comment on, not messages)": 1}


def messenger(mid="m_AbC123", *, text="is my bill late?", sender="555", recipient=WEBHOOK_PAGE, **message):
    return {
        "sender": {"id": sender},
        "recipient": {"id": recipient},
        "timestamp": AT_10_02_03 * 1000 + 478,
        "message": {"mid": mid, "text": text, **message},
    }


def polled_message(mid="m_AbC123", *, conversation="t_1"):
    graph_message = {
        "id": mid,
        "message": "is my bill late?",
        "created_time": "2024-03-05T10:02:03+0000",
        "from": ANN,
    }
    return parse_message(graph_message, conversation_id=conversation)


def test_webhook_messenger_message_is_the_message_a_poll_reads():
    body = webhook(messaging=[messenger()])

    [in_known_conversation] = read_graph(body, page_id=WEBHOOK_PAGE, conversation_ids={"555": "t_1"}).items
    [before_any_poll] = read_graph(body, page_id=WEBHOOK_PAGE).items

    polled = polled_message()
    assert (in_known_conversation.external_id, in_known_conversation.thread_key) == ("m_AbC123", "fbm:t_1")
    assert in_known_conversation.sent_at == polled.sent_at.replace(microsecond=478000)
    assert (in_known_conversation.author.external_id, in_known_conversation.text) == ("555", polled.text)
    assert before_any_poll.thread_key == "fbm:psid-555"  # as a lone saved message is keyed


def test_webhook_messenger_message_with_attachments():
    attachments = [
        {"type": "image", "payload": {"url": "https://cdn.fbsbx.com/v/t59/meter_photo.jpg?_nc=1"}},
        {"type": "file", "payload": {"url": "https://cdn.fbsbx.com/v/t59/bill?_nc=2"}},
        {"type": "fallback", "payload": {"url": "https://example.com/outage-map"}, "title": "Outage map"},
        {"type": "template", "payload": {"template_type": "generic"}},
    ]
    body = webhook(messaging=[messenger(text="", attachments=attachments)])

    [item] = read_graph(body, page_id=WEBHOOK_PAGE).items

    assert [(a.filename, a.content_type) for a in item.attachments] == [
        ("meter_photo.jpg", "image/jpeg"),
        ("file-m_AbC123-2", "application/octet-stream"),
        ("m_AbC123-link-3", "text/uri-list"),
    ]


def test_webhook_echo_is_the_page_own_message_in_the_customer_conversation():
    echo = messenger(
        "m_Ours", sender=WEBHOOK_PAGE, recipient="555", text="We are on it", is_echo=True, app_id=1
    )

    [item] = read_graph(
        webhook(messaging=[echo]), page_id=WEBHOOK_PAGE, conversation_ids={"555": "t_1"}
    ).items

    assert (item.author.external_id, item.thread_key) == (WEBHOOK_PAGE, "fbm:t_1")


def test_webhook_events_without_a_message_are_left_out_each_with_its_reason():
    delivery = {"sender": {"id": "555"}, "recipient": {"id": WEBHOOK_PAGE}, "delivery": {"watermark": 1}}
    read = {"sender": {"id": "555"}, "recipient": {"id": WEBHOOK_PAGE}, "read": {"watermark": 1}}
    postback = {"sender": {"id": "555"}, "recipient": {"id": WEBHOOK_PAGE}, "postback": {"title": "Start"}}
    like = {"field": "feed", "value": {"item": "reaction", "verb": "add", "post_id": WEBHOOK_POST}}
    rating = {"field": "ratings", "value": {"item": "rating"}}

    reading = read_graph(
        webhook(changes=[like, rating], messaging=[delivery, read, postback]), page_id=WEBHOOK_PAGE
    )

    assert reading.items == []
    assert reading.left_out == {
        "delivery receipts": 1,
        "read receipts": 1,
        "button presses (postbacks)": 1,
        "feed changes of 'reaction' (reactions, likes... are not messages)": 1,
        "'ratings' changes (only the feed and Messenger are read)": 1,
    }


def test_webhook_of_another_page_or_object_is_not_read_and_says_so():
    elsewhere = read_graph(webhook(changes=[feed_comment()], page="999"), page_id=WEBHOOK_PAGE)

    assert elsewhere.items == []
    assert elsewhere.why_nothing() == "1 × webhook entries of another Page (999), not this account's"
    with pytest.raises(Refused, match="^a webhook for 'instagram' objects, not for a Page$"):
        read_graph({"object": "instagram", "entry": []}, page_id=WEBHOOK_PAGE)
    assert read_graph({"object": "page", "entry": []}, page_id=WEBHOOK_PAGE).why_nothing() == (
        "a webhook body without entries"
    )


# ---- a webhook and a poll of the same item, through ingest --------------------------------------


@pytest.mark.django_db
def test_a_webhook_comment_and_its_poll_are_stored_once_in_one_conversation():
    page_account = account("facebook")
    webhook_items = read_graph(webhook(changes=[feed_comment()]), page_id=page_account.self_external_id).items

    first = ingest(page_account, webhook_items)
    again = ingest(page_account, [polled_comment(), polled_comment("2000_11", parent={"id": "2000_10"})])

    assert (first.stored, again.stored, again.duplicates) == (1, 1, 1)
    [ticket] = Ticket.objects.filter(account=page_account)
    assert sorted(ticket.messages.values_list("external_id", flat=True)) == ["2000_10", "2000_11"]


@pytest.mark.django_db
def test_a_polled_message_and_its_webhook_are_stored_once_and_the_next_one_joins_the_ticket():
    page_account = account("facebook")
    ingest(page_account, [polled_message()])
    body = webhook(messaging=[messenger(), messenger("m_Next", text="any news?")])

    items = read_graph(
        body, page_id=page_account.self_external_id, conversation_ids=messenger_conversations(page_account)
    ).items
    result = ingest(page_account, items)

    assert (result.stored, result.duplicates) == (1, 1)
    [ticket] = Ticket.objects.filter(account=page_account)
    assert ticket.thread_key == "fbm:t_1"
    assert sorted(ticket.messages.values_list("external_id", flat=True)) == ["m_AbC123", "m_Next"]
