"""Any saved Graph API body -> the same Inbound items a poll of the same things gives. Pure.

For `manage.py ingest_file`: a feed or comments page, a single object, an `?ids=` lookup, or a
webhook body (webhook.py). Each object is told apart by its id and fields, since a response recorded
without `parent`, `permalink_url` or `from` still holds comments and posts:

- `m_...` is a Messenger message, `t_...` a conversation;
- a page of a listing says what it lists: its paging link names the edge (`/feed`, `/comments`...);
- a comment has a field no post has (`parent`, `comment_count`, `attachment`...) or a permalink
  naming a `comment_id`; a post has a field no comment has (`attachments`, `status_type`...);
- otherwise the id says it: "{page}_{post}" is a post of the Page, while a comment's id is
  "{post}_{comment}" (or "{page}_{post}_{comment}"), whose first part is not the Page's id.

What a body holds that is not a message is left out with its reason; a body that is not posts,
comments or messages at all (an error, the Page's profile, the answer to a write) is refused.
"""

import re
from urllib.parse import parse_qs, urlsplit

from channels.reading import Reading, Refused

from .parse import graph_objects, parse_comment, parse_comments, parse_conversations, parse_message, read_post
from .webhook import is_webhook, read_webhook

COMMENT_FIELDS = {
    "parent",
    "comment_count",
    "like_count",
    "attachment",
    "object",
    "private_reply_conversation",
}
POST_FIELDS = {
    "attachments", "status_type", "updated_time", "full_picture", "picture", "shares", "story",
    "privacy", "is_published", "icon", "type", "link", "place", "child_attachments", "call_to_action",
}  # fmt: skip
PAGE_FIELDS = {"fan_count", "category", "category_list", "username", "about", "followers_count"}
MESSAGE_FIELDS = "messages{id,message,created_time,from,to,attachments}"
# What a listing's edge holds, from its paging link (GET /{page}/feed, /{post}/comments...).
EDGE_KINDS = {
    "feed": "post", "posts": "post", "published_posts": "post", "visitor_posts": "post", "tagged": "post",
    "comments": "comment", "messages": "message", "conversations": "conversation",
}  # fmt: skip


def read_graph(payload: dict, *, page_id: str, conversation_ids: dict | None = None) -> Reading:
    """Every item of a saved Graph API body, with what was left out and why.

    `conversation_ids` maps a customer's PSID to their Messenger conversation id (t_...), for
    messages that do not name their conversation (a lone message, a webhook event).
    """
    if not isinstance(payload, dict):
        raise Refused(f"a Graph API response is a JSON object, not {type(payload).__name__}")
    if is_webhook(payload):
        return read_webhook(payload, page_id=page_id, conversation_ids=conversation_ids)
    try:
        things = graph_objects(payload)
    except ValueError as error:  # an error body
        raise Refused(str(error)) from None
    if not things:
        if isinstance(payload.get("data"), list):
            edge = _listing(payload)[0]
            return Reading(
                empty_because=f"an empty page{f' of /{edge}' if edge else ''}: the Graph API found nothing"
            )
        raise Refused(_not_objects(payload))
    edge, fields = _listing(payload)
    kinds = [EDGE_KINDS.get(edge) or kind_of(thing, page_id) for thing in things]
    if all(kind == "page" for kind in kinds):
        raise Refused("a Page's profile, not posts, comments or messages")
    posts = [thing for thing, kind in zip(things, kinds, strict=True) if kind == "post"]
    from_requested = any("from" in post for post in posts) or "from" in fields
    reading = Reading()
    for thing, kind in zip(things, kinds, strict=True):
        reading.add(_read(thing, kind, page_id, from_requested, conversation_ids or {}))
    return reading


def kind_of(thing: dict, page_id: str) -> str:
    """What a Graph object is ("message", "conversation", "comment", "post" or "page"), told by its
    id and its fields."""
    thing_id = str(thing.get("id", ""))
    permalink = str(thing.get("permalink_url", ""))
    if thing_id.startswith("m_"):
        return "message"
    if thing_id.startswith("t_"):
        return "conversation"
    if COMMENT_FIELDS & thing.keys() or "comment_id=" in permalink:
        return "comment"
    if PAGE_FIELDS & thing.keys() and not {"message", "created_time"} & thing.keys():
        return "page"
    if POST_FIELDS & thing.keys() or permalink:
        return "post"
    parts = thing_id.split("_")
    if len(parts) == 3 or (len(parts) == 2 and page_id and parts[0] != page_id):
        return "comment"
    if len(parts) == 2:
        return "post"
    return "comment"  # without an id: only a comment's permalink could still name it


def _read(thing, kind, page_id, from_requested, conversation_ids):
    if kind == "message":
        conversation = conversation_of(thing, page_id, conversation_ids)
        return Reading(items=[parse_message(thing, conversation_id=conversation)])
    if kind == "conversation":
        if not thing.get("messages"):
            return Reading(
                left_out={f"conversations without their messages (request fields={MESSAGE_FIELDS})": 1}
            )
        return Reading(items=parse_conversations(thing))
    if kind == "post":
        reading = read_post(thing, page_id=page_id, from_requested=from_requested)
        reading.items += parse_comments(thing.get("comments") or {"data": []}, post=thing, page_id=page_id)
        return reading
    if kind == "page":
        return Reading(left_out={"Page profiles (not posts, comments or messages)": 1})
    return Reading(items=[parse_comment(thing, page_id=page_id)])


def conversation_of(message: dict, page_id: str, conversation_ids: dict) -> str:
    """A lone message names no conversation: Messenger has one per customer, so it is the
    customer's known conversation, else one keyed by the customer ("psid-{id}")."""
    sender = (message.get("from") or {}).get("id", "")
    if sender and sender != page_id:
        customer = sender
    else:
        recipients = (message.get("to") or {}).get("data") or [{}]
        customer = recipients[0].get("id", "unknown")
    return conversation_ids.get(customer) or f"psid-{customer}"


def _listing(payload):
    """(edge, top-level fields asked for) of a page of results, from its next or previous link:
    ("feed", {"id", "message", ...}) for /{page}/feed?fields=id,message...; ("", set()) if none."""
    paging = payload.get("paging") or {}
    link = urlsplit(str(paging.get("next") or paging.get("previous") or ""))
    edge = link.path.rstrip("/").rsplit("/", 1)[-1] if link.path.count("/") >= 2 else ""
    fields = parse_qs(link.query).get("fields", [""])[0]
    while re.search(r"\{[^{}]*\}", fields):  # drop the nested field lists: only top-level names count
        fields = re.sub(r"\{[^{}]*\}", "", fields)
    return edge, {re.split(r"[.(]", name, maxsplit=1)[0] for name in fields.split(",") if name}


def _not_objects(payload):
    if "success" in payload:
        return "the answer to a write (success), not posts, comments or messages"
    fields = ", ".join(sorted(payload)) or "none"
    return f"not a Graph API object, page or ?ids= lookup (its fields: {fields})"
