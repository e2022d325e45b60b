"""Reading a Page's new comments, visitor posts and Messenger messages since a cursor.

The Graph API has no "comments since" or "messages since" filter, so we read each edge newest
first and stop at what the cursor says we have seen. The cursor holds unix times:

    {"feed": newest post creation seen,
     "comments": {post id: newest comment seen on it},
     "conversations_updated": newest conversation update seen,
     "messages": {conversation id: newest message seen in it}}

Every watermark is read back by an overlap: an item that reaches the API late, or in the same
second as the last one seen, is read again rather than missed; ingest drops what it already has.

Also here: looking up one reply of ours whose send was cut off (find_page_comment,
find_page_message, find_private_reply), read the same way, newest first down to when it was sent.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from channels.base import same_text

from .edges import is_newer, newest, newest_first_down_to, seconds, unique, unix
from .parse import parse_comments, parse_feed, parse_message

# Graph's `since` on /feed is by creation time, and a post may surface minutes after it was created.
FEED_OVERLAP = timedelta(minutes=10)
# Comments and messages: same-second neighbours and items the API shows a little late.
ITEM_OVERLAP = timedelta(minutes=2)

FEED_FIELDS = "id,message,created_time,permalink_url,from,attachments,comments.summary(true).limit(0)"
COMMENT_FIELDS = "id,message,created_time,from,parent{id},permalink_url,attachment"
MESSAGE_FIELDS = "id,message,created_time,from,to,attachments"
# Looking up one reply of ours: its id, author, text, time (and a comment's link).
LOOKUP_COMMENT_FIELDS = "id,from,message,created_time,permalink_url"
LOOKUP_MESSAGE_FIELDS = "id,message,from,created_time"
LOOKUP_PAGE_SIZE = 100


@dataclass(frozen=True)
class Window:
    """What this poll reads: comments of posts created since `start`, in pages of `page_size`."""

    start: datetime
    page_size: int


def fetch_page(graph, page_id, cursor, window):
    """Every new item of the Page since `cursor`, and the cursor that covers them.

    1. The feed back to the older of the feed watermark and the comment window: visitor posts
       newer than the watermark become items; the posts in the window are the ones to read comments of.
    2. Each post in the window that has comments: its comments, newest first, down to its watermark.
    3. Messenger: conversations updated since the watermark, each one's messages down to its watermark.
    4. The new cursor, with watermarks of posts and conversations older than the window dropped.
    """
    cursor = cursor or {}
    posts, feed_mark = _read_feed(graph, page_id, cursor.get("feed"), window)
    items = _visitor_posts(posts, page_id, cursor.get("feed"))
    comment_items, comment_marks = _read_all_comments(graph, posts, cursor.get("comments") or {}, window)
    message_items, conversations_mark, message_marks = _read_messenger(graph, page_id, cursor, window)
    new_cursor = {
        "feed": feed_mark,
        # Only posts in the window are in comment_marks: older posts' watermarks drop out here.
        "comments": {post_id: mark for post_id, mark in comment_marks.items() if mark is not None},
        "conversations_updated": conversations_mark,
        "messages": {
            conversation: mark
            for conversation, mark in message_marks.items()
            if mark is not None and mark >= unix(window.start)
        },
    }
    return unique(items + comment_items + message_items), new_cursor


# ---- the feed: visitor posts, and the posts whose comments we read ----------------------------


def _read_feed(graph, page_id, feed_mark, window):
    since = unix(window.start)
    if feed_mark is not None:
        since = min(since, feed_mark - seconds(FEED_OVERLAP))
    posts = []
    for body in graph.pages(f"{page_id}/feed", fields=FEED_FIELDS, since=since, limit=window.page_size):
        posts.extend(post for post in body.get("data", []) if isinstance(post, dict) and post.get("id"))
    posts = list({post["id"]: post for post in posts}.values())  # a page served twice
    return posts, newest(feed_mark, posts)


def _visitor_posts(posts, page_id, feed_mark):
    floor = feed_mark - seconds(FEED_OVERLAP) if feed_mark is not None else None
    fresh = [post for post in posts if floor is None or is_newer(post, floor)]
    return parse_feed({"data": fresh}, page_id=page_id)


def _has_comments(post):
    # Only a known zero skips the read: a post whose summary is missing is read anyway.
    summary = (post.get("comments") or {}).get("summary") or {}
    return summary.get("total_count") != 0


# ---- comments ---------------------------------------------------------------------------------


def _read_all_comments(graph, posts, marks, window):
    """New comments of every post in the window; returns (items, watermark per post)."""
    items, new_marks = [], {}
    for post in posts:
        if is_newer(post, unix(window.start)) and _has_comments(post):
            new_items, new_marks[post["id"]] = _read_comments(graph, post, marks.get(post["id"]), window)
            items.extend(new_items)
    return items, new_marks


def _read_comments(graph, post, mark, window):
    """The post's comments (and replies) newer than its watermark; returns (items, new watermark)."""
    floor = mark - seconds(ITEM_OVERLAP) if mark is not None else None
    pages = graph.pages(
        f"{post['id']}/comments",
        filter="stream",
        order="reverse_chronological",
        fields=COMMENT_FIELDS,
        limit=window.page_size,
    )
    comments = newest_first_down_to(pages, floor)
    context = {key: post.get(key, "") for key in ("id", "message", "permalink_url")}
    return parse_comments({"data": comments}, post=context), newest(mark, comments)


# ---- Messenger --------------------------------------------------------------------------------


def _read_messenger(graph, page_id, cursor, window):
    """New messages of conversations updated since the watermark; returns (items, mark, per-conversation
    marks)."""
    updated_mark = cursor.get("conversations_updated")
    # A conversation we hold no watermark for has nothing unseen from before our last look at the list.
    first_look = updated_mark if updated_mark is not None else unix(window.start)
    floor = first_look - seconds(ITEM_OVERLAP)
    pages = graph.pages(
        f"{page_id}/conversations", platform="messenger", fields="id,updated_time", limit=window.page_size
    )
    conversations = newest_first_down_to(pages, floor, time_field="updated_time")
    marks = dict(cursor.get("messages") or {})
    items = []
    for conversation in conversations:
        conversation_id = conversation["id"]
        mark = marks.get(conversation_id)
        new_items, marks[conversation_id] = _read_messages(graph, conversation_id, mark, floor, window)
        items.extend(new_items)
    return items, newest(updated_mark, conversations, "updated_time"), marks


def _read_messages(graph, conversation_id, mark, first_look_floor, window):
    floor = mark - seconds(ITEM_OVERLAP) if mark is not None else first_look_floor
    pages = graph.pages(f"{conversation_id}/messages", fields=MESSAGE_FIELDS, limit=window.page_size)
    messages = newest_first_down_to(pages, floor)
    items = [parse_message(message, conversation_id=conversation_id) for message in messages]
    return items, newest(mark, messages)


# ---- looking up a reply whose send was cut off ------------------------------------------------


def find_page_comment(graph, page_id, parent_id, text, since):
    """The Page's comment with this text under `parent_id` (a post or top comment), made since
    `since`: the parent's comments newest first, down to `since`. None if there is none."""
    newest_first = {"order": "reverse_chronological", "limit": LOOKUP_PAGE_SIZE}
    pages = graph.pages(f"{parent_id}/comments", fields=LOOKUP_COMMENT_FIELDS, **newest_first)
    return _page_item(newest_first_down_to(pages, unix(since)), page_id, text)


def find_page_message(graph, page_id, psid, text, since):
    """The Page's Messenger message with this text to the customer `psid`, sent since `since`: their
    conversation (found by user_id), its messages newest first. None if there is none."""
    pages = graph.pages(f"{page_id}/conversations", platform="messenger", user_id=psid, fields="id")
    conversations = [item for body in pages for item in body.get("data", []) if isinstance(item, dict)]
    for conversation in conversations:
        found = _find_in_conversation(graph, conversation.get("id"), page_id, text, since)
        if found:
            return found
    return None


def find_private_reply(graph, page_id, comment_id, text, since):
    """The Page's private reply to a comment: Facebook names its conversation on the comment
    (`private_reply_conversation`, absent while the comment has none); the message is read there."""
    comment = graph.get(comment_id, fields="id,private_reply_conversation{id}")
    conversation = comment.get("private_reply_conversation") or {}
    return _find_in_conversation(graph, conversation.get("id"), page_id, text, since)


def _find_in_conversation(graph, conversation_id, page_id, text, since):
    if not conversation_id:
        return None
    pages = graph.pages(f"{conversation_id}/messages", fields=LOOKUP_MESSAGE_FIELDS, limit=LOOKUP_PAGE_SIZE)
    return _page_item(newest_first_down_to(pages, unix(since)), page_id, text)


def _page_item(graph_objects, page_id, text):
    """The first object the Page wrote with this text (a comment's or a message's `message`)."""
    for item in graph_objects:
        if (item.get("from") or {}).get("id") == page_id and same_text(item.get("message"), text):
            return item
    return None
