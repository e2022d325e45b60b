"""Reading an Instagram account's new comments and direct messages since a cursor.

Like the Graph API for Pages, the Instagram API has no "since" filter on comments or messages, so
each edge is read newest first down to what the cursor says we have seen. The cursor holds unix
times:

    {"comments": {media id: newest comment seen on it},
     "conversations_updated": newest conversation update seen,
     "messages": {conversation id: newest message seen in it}}

1. The account's media, newest first, back to the comment window's start.
2. Each of those media with comments: all its comments and their replies (nested in one request,
   `replies{...}`). A new reply may sit under an old comment anywhere in the list, so the whole
   list is read; only comments newer than the media's watermark become items.
3. Direct messages: conversations updated since the watermark, each one's messages down to its own.

Every watermark is read back by an overlap: an item in the same second as the last one seen, or
shown a little late, is read again rather than missed; ingest drops what it already has. When
webhooks are healthy this poll is the reconciliation that finds what they missed.

Also here: finding one reply of ours whose send was cut off (find_comment_reply, find_message).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from channels.base import same_text
from channels.facebook.edges import newest, newest_first_down_to, seconds, unique, unix

from .parse import parse_comments, parse_messages

ITEM_OVERLAP = timedelta(minutes=2)
MEDIA_FIELDS = "id,caption,permalink,timestamp,comments_count"
REPLY_FIELDS = "id,text,timestamp,from{id,username},parent_id"
COMMENT_FIELDS = f"{REPLY_FIELDS},replies{{{REPLY_FIELDS}}}"
MESSAGE_FIELDS = "id,created_time,from,to,message,attachments"
LOOKUP_PAGE_SIZE = 100


@dataclass(frozen=True)
class Window:
    """What this poll reads: comments on media posted since `start`, in pages of `page_size`."""

    start: datetime
    page_size: int


def fetch_account(graph, ig_id, cursor, window):
    """Every new comment and direct message of the account since `cursor`, and the cursor after them."""
    cursor = cursor or {}
    comment_items, comment_marks = _read_comments(graph, ig_id, cursor.get("comments") or {}, window)
    message_items, conversations_mark, message_marks = _read_messages(graph, ig_id, cursor, window)
    new_cursor = {
        # Only media in the window are in comment_marks: older media's watermarks drop out here.
        "comments": {media_id: mark for media_id, mark in comment_marks.items() if mark is not None},
        "conversations_updated": conversations_mark,
        "messages": {
            conversation: mark
            for conversation, mark in message_marks.items()
            if mark is not None and mark >= unix(window.start)
        },
    }
    return unique(comment_items + message_items), new_cursor


# ---- comments ---------------------------------------------------------------------------------


def _read_comments(graph, ig_id, marks, window):
    pages = graph.pages(f"{ig_id}/media", fields=MEDIA_FIELDS, limit=window.page_size)
    media = newest_first_down_to(pages, unix(window.start), time_field="timestamp")
    items, new_marks = [], {}
    for one in media:
        if one.get("comments_count") == 0:  # only a known zero skips the read
            continue
        floor = marks[one["id"]] - seconds(ITEM_OVERLAP) if one["id"] in marks else None
        comments = _all_comments(graph, one["id"], window)
        context = {key: one.get(key, "") for key in ("id", "caption", "permalink")}
        read = [item for item in parse_comments({"data": comments}, media=context) if _is_new(item, floor)]
        items.extend(read)
        new_marks[one["id"]] = newest(marks.get(one["id"]), _with_replies(comments), "timestamp")
    return items, new_marks


def _all_comments(graph, media_id, window):
    """A media's comments, each with all its replies (read on their own edge when more than the
    nested first page)."""
    comments = []
    for body in graph.pages(f"{media_id}/comments", fields=COMMENT_FIELDS, limit=window.page_size):
        comments.extend(item for item in body.get("data", []) if isinstance(item, dict) and item.get("id"))
    for comment in comments:
        replies = comment.get("replies") or {}
        if (replies.get("paging") or {}).get("next"):
            pages = graph.pages(f"{comment['id']}/replies", fields=REPLY_FIELDS, limit=window.page_size)
            comment["replies"] = {"data": [item for body in pages for item in body.get("data", [])]}
    return list({comment["id"]: comment for comment in comments}.values())


def _with_replies(comments):
    return [
        *comments,
        *(reply for comment in comments for reply in (comment.get("replies") or {}).get("data", [])),
    ]


def _is_new(item, floor):
    sent_at = getattr(item, "sent_at", None)  # an Unparseable is always kept: ingest records it
    return floor is None or sent_at is None or sent_at.timestamp() >= floor


# ---- direct messages ----------------------------------------------------------------------------


def _read_messages(graph, ig_id, cursor, window):
    updated_mark = cursor.get("conversations_updated")
    first_look = updated_mark if updated_mark is not None else unix(window.start)
    floor = first_look - seconds(ITEM_OVERLAP)
    pages = graph.pages(
        f"{ig_id}/conversations", platform="instagram", fields="id,updated_time", limit=window.page_size
    )
    conversations = newest_first_down_to(pages, floor, time_field="updated_time")
    marks = dict(cursor.get("messages") or {})
    items = []
    for conversation in conversations:
        conversation_id = conversation["id"]
        mark = marks.get(conversation_id)
        message_floor = mark - seconds(ITEM_OVERLAP) if mark is not None else floor
        pages = graph.pages(f"{conversation_id}/messages", fields=MESSAGE_FIELDS, limit=window.page_size)
        messages = newest_first_down_to(pages, message_floor)
        items.extend(parse_messages({"data": messages}, ig_id=ig_id))
        marks[conversation_id] = newest(mark, messages)
    return items, newest(updated_mark, conversations, "updated_time"), marks


# ---- looking up a reply whose send was cut off ------------------------------------------------


def find_comment_reply(graph, ig_id, comment_id, text, since):
    """The account's reply with this text under the top-level comment `comment_id`, made since
    `since`, or None."""
    pages = graph.pages(f"{comment_id}/replies", fields=REPLY_FIELDS, limit=LOOKUP_PAGE_SIZE)
    return _ours(newest_first_down_to(pages, unix(since), time_field="timestamp"), ig_id, text, "text")


def find_message(graph, ig_id, igsid, text, since):
    """The account's direct message with this text to the person `igsid`, sent since `since`: their
    conversation (found by user_id), its messages newest first. None if there is none."""
    pages = graph.pages(f"{ig_id}/conversations", platform="instagram", user_id=igsid, fields="id")
    for conversation in [item for body in pages for item in body.get("data", []) if isinstance(item, dict)]:
        if not conversation.get("id"):
            continue
        pages = graph.pages(f"{conversation['id']}/messages", fields=MESSAGE_FIELDS, limit=LOOKUP_PAGE_SIZE)
        found = _ours(newest_first_down_to(pages, unix(since)), ig_id, text, "message")
        if found:
            return found
    return None


def _ours(graph_objects, ig_id, text, text_field):
    for item in graph_objects:
        if (item.get("from") or {}).get("id") == ig_id and same_text(item.get(text_field), text):
            return item
    return None
