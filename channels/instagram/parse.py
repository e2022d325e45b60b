"""Instagram API payloads -> Inbound items. Pure: no database, no network.

What the poller reads (fetch.py), in the Instagram API with Instagram Login's shapes:

- a comment, from GET /{media-id}/comments?fields=id,text,timestamp,from{id,username},parent_id,
  replies{...}: `{"id", "text", "timestamp": "2026-12-07T18:45:03+0000", "from": {"id", "username"},
  "parent_id"}` (a reply names its top-level comment: Instagram nests one level deep);
- a direct message, from GET /{conversation-id}/messages?fields=id,created_time,from,to,message,
  attachments: `{"id", "created_time", "from": {"id", "username"}, "to": {"data": [{"id", ...}]},
  "message": text}`.

Thread keys: "ig:{media}:{top comment}" for a comment and its replies; "igdm:{customer}" for direct
messages, keyed by the customer's Instagram-scoped id (IGSID). Instagram keeps one conversation per
person and account, and a webhook names the person, never the conversation: keyed by the person,
a webhook and a poll of the same message land in the same thread (webhook.py).
"""

from urllib.parse import urlsplit

from channels.base import Author, Inbound, InboundAttachment, Unparseable
from channels.facebook.edges import graph_time
from channels.facebook.parse import graph_objects

ANONYMOUS_NAME = "Instagram user"


# ---- comments ----------------------------------------------------------------------------------


def parse_comments(response: dict, *, media: dict | None = None) -> list:
    """A page of a media's comments, each followed by the replies nested in it (`replies{...}`)."""
    items = []
    for comment in graph_objects(response):
        items.append(parse_comment(comment, media=media))
        for reply in graph_objects(comment.get("replies") or {"data": []}):
            items.append(parse_comment({"parent_id": comment.get("id"), **reply}, media=media))
    return items


def parse_comment(comment: dict, *, media: dict | None = None) -> Inbound | Unparseable:
    """One comment. `media` is the post it was written on (id, caption, permalink), shown to the
    agent as context; without it the comment's own `media{id}` names it."""
    comment_id = str(comment.get("id") or "")
    if not comment_id:
        return Unparseable(None, "comment has no id (request fields=id)", comment)
    media = media or {}
    media_id = str(media.get("id") or (comment.get("media") or {}).get("id") or "")
    if not media_id:
        return Unparseable(comment_id, "comment has no media (pass media= or request fields=media)", comment)
    sent_at = graph_time(comment.get("timestamp"))
    if sent_at is None:
        return Unparseable(comment_id, "comment has no timestamp", comment)
    parent_id = str(comment.get("parent_id") or "")
    permalink = media.get("permalink", "")
    return Inbound(
        external_id=comment_id,
        kind="ig_comment",
        thread_key=f"ig:{media_id}:{parent_id or comment_id}",
        author=author_of(comment.get("from"), anonymous_id=comment_id, username=comment.get("username")),
        sent_at=sent_at,
        text=comment.get("text", ""),
        url=permalink,
        reply_to_ids=(parent_id,) if parent_id else (),
        context={"media_id": media_id, "post_text": media.get("caption", ""), "post_url": permalink},
        raw=dict(comment),
    )


# ---- direct messages ---------------------------------------------------------------------------


def parse_messages(response: dict, *, ig_id: str) -> list:
    return [parse_message(message, ig_id=ig_id) for message in graph_objects(response)]


def parse_message(message: dict, *, ig_id: str) -> Inbound | Unparseable:
    """One direct message, the customer's or ours (an echo: ingest links it to our reply)."""
    message_id = str(message.get("id") or "")
    if not message_id:
        return Unparseable(None, "message has no id", message)
    sender = message.get("from") or {}
    if not sender.get("id"):
        return Unparseable(message_id, "message has no sender (request fields=from)", message)
    customer = customer_of(message, ig_id)
    if not customer:
        return Unparseable(message_id, "message has no recipient (request fields=to)", message)
    sent_at = graph_time(message.get("created_time"))
    if sent_at is None:
        return Unparseable(message_id, "message has no created_time", message)
    return Inbound(
        external_id=message_id,
        kind="ig_dm",
        thread_key=f"igdm:{customer}",
        author=author_of(sender, anonymous_id=message_id),
        sent_at=sent_at,
        text=message.get("message", ""),
        raw=dict(message),
        attachments=tuple(
            attachment
            for attachment in (
                _attachment(item) for item in (message.get("attachments") or {}).get("data", [])
            )
            if attachment
        ),
    )


def customer_of(message: dict, ig_id: str) -> str:
    """The person on the other side: the sender, or for our own message its recipient."""
    sender = str((message.get("from") or {}).get("id") or "")
    if sender and sender != ig_id:
        return sender
    recipients = (message.get("to") or {}).get("data") or []
    others = [str(person.get("id")) for person in recipients if person.get("id") and person["id"] != ig_id]
    return others[0] if others else ""


def _attachment(item):
    media = item.get("image_data") or item.get("video_data") or {}
    url = media.get("url") or item.get("file_url") or ""
    if not url:
        return None  # a shared post or story without a link we may fetch
    kind = "video/mp4" if item.get("video_data") else item.get("mime_type") or "image/jpeg"
    name = item.get("name") or _name_from_url(url) or f"{item.get('id') or 'attachment'}"
    return InboundAttachment(filename=name, content_type=kind, url=url)


def _name_from_url(url):
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    return name if "." in name else ""


# ---- shared ------------------------------------------------------------------------------------


def author_of(sender, *, anonymous_id, username=None):
    """The author, or a stand-in when Instagram leaves out `from` (an app without the permission to
    see people): each such item gets its own "ig-anon:" identity, as on Facebook."""
    sender = sender or {}
    if not sender.get("id"):
        handle = username or ""
        return Author(external_id=f"ig-anon:{anonymous_id}", handle=handle, name=handle or ANONYMOUS_NAME)
    handle = sender.get("username") or ""
    return Author(external_id=str(sender["id"]), handle=handle, name=handle)
