"""Graph API webhook bodies -> the same Inbound items as a poll of the same things. Pure.

A Page webhook is `{"object": "page", "entry": [{"id": page, "time", "changes": [...],
"messaging": [...]}]}` (Meta's "Webhooks for Pages" and Messenger's "Webhook Events" references):

- `changes[]` with `field: "feed"`: `value.item` is "comment" (with `comment_id`, `post_id`,
  `parent_id`: the post for a top-level comment, the comment it answers for a reply) or a post
  ("status", "post", "photo", "video", "share", with `post_id`), `value.verb` "add", "edited" or
  "remove"..., `from`, `message`, `created_time` in Unix seconds;
- `messaging[]` (and `standby[]`, while another app holds the conversation): `sender`, `recipient`,
  `timestamp` in milliseconds and `message: {mid, text, attachments: [{type, payload: {url}}]}`
  (and `quick_reply: {payload}` when the customer tapped a quick reply);
  `is_echo` marks what the Page sent. Receipts, reactions and button presses carry no message.

Each item is rebuilt in the Graph API's own shape and read by parse.py, so it has the same external
id (comment id, post id, message id) and thread key as when a poll reads it: a webhook and a poll of
the same item dedupe. Messenger's conversation id (t_...) is not in a webhook: `conversation_ids`
maps a customer's PSID to it; without it the thread is keyed by the PSID, as a lone message is.
"""

from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

from channels.base import Unparseable
from channels.reading import Reading, Refused

from .parse import parse_comment, parse_message, read_post

POST_ITEMS = {"status", "post", "photo", "video", "share"}
# An edit carries the whole item: stored as it now reads if it was not yet, a duplicate if it was.
WRITTEN = {"add", "edited", "edit"}
DONE = {"remove": "removed", "delete": "deleted", "hide": "hidden", "unhide": "unhidden", "block": "blocked"}
MESSENGER_EVENTS = {
    "delivery": "delivery receipts",
    "read": "read receipts",
    "reaction": "reactions to messages",
    "postback": "button presses (postbacks)",
    "message_edit": "message edits (the message as first stored stays)",
    "optin": "opt-ins",
    "referral": "referrals (a customer arriving from a link or an ad)",
    "pass_thread_control": "conversation handovers between apps",
    "take_thread_control": "conversation handovers between apps",
    "request_thread_control": "conversation handovers between apps",
}
ATTACHMENT_TYPES = {"image": "image/jpeg", "video": "video/mp4", "audio": "audio/mpeg", "file": ""}


def is_webhook(payload: dict) -> bool:
    return isinstance(payload, dict) and "object" in payload and isinstance(payload.get("entry"), list)


def read_webhook(
    body: dict, *, page_id: str, conversation_ids: dict | None = None, names: dict | None = None
) -> Reading:
    """Every comment, visitor post and Messenger message of a Page webhook body, and what else it
    held, left out with its reason. `names`: PSID -> the customer's name where it is known (a
    Messenger webhook names nobody)."""
    if body.get("object") != "page":
        raise Refused(f"a webhook for {body.get('object')!r} objects, not for a Page")
    reading = Reading(empty_because="" if body["entry"] else "a webhook body without entries")
    for entry in body["entry"]:
        if not isinstance(entry, dict):
            continue
        entry_page = str(entry.get("id") or page_id)
        if page_id and entry_page != page_id:
            reading.leave_out(f"webhook entries of another Page ({entry_page}), not this account's")
            continue
        for change in entry.get("changes") or []:
            reading.add(_change(change, entry_page, entry.get("time")))
        for event in [*(entry.get("messaging") or []), *(entry.get("standby") or [])]:
            reading.add(_messaging(event, entry_page, conversation_ids or {}, names or {}))
    return reading


# ---- feed -------------------------------------------------------------------------------------


def _change(change, page_id, entry_time):
    field, value = change.get("field"), change.get("value") or {}
    if field != "feed":
        return Reading(left_out={f"'{field}' changes (only the feed and Messenger are read)": 1})
    item, verb = value.get("item"), value.get("verb", "add")
    if item not in POST_ITEMS and item != "comment":
        return Reading(left_out={f"feed changes of '{item}' (reactions, likes... are not messages)": 1})
    if verb not in WRITTEN:
        what = "comments" if item == "comment" else "posts"
        done = DONE.get(verb, f"with verb {verb!r}")
        return Reading(left_out={f"{what} {done} on Facebook (what was stored stays as it was)": 1})
    created = _iso(value.get("created_time") or entry_time)
    if item == "comment":
        return Reading(items=[_comment(value, page_id, created)])
    post = {
        "id": str(value.get("post_id") or ""),
        "message": value.get("message", ""),
        "created_time": created,
        "from": value.get("from"),
        "attachments": {"data": [{"media": {"image": {"src": url}}} for url in _photos(value)]},
    }
    reading = read_post(post, page_id=page_id)  # `from` is always sent: a post without it is hidden
    reading.items = [_with_raw(item, value) for item in reading.items]
    return reading


def _comment(value, page_id, created):
    post_id, parent_id = str(value.get("post_id") or ""), str(value.get("parent_id") or "")
    comment = {
        "id": str(value.get("comment_id") or ""),
        "message": value.get("message", ""),
        "created_time": created,
        "from": value.get("from"),
    }
    if parent_id and parent_id != post_id:  # a top-level comment's parent is the post itself
        comment["parent"] = {"id": parent_id}
    if value.get("photo"):
        comment["attachment"] = {"media": {"image": {"src": value["photo"]}}}
    elif value.get("video"):
        comment["attachment"] = {"url": value["video"]}
    post = {"id": post_id, "permalink_url": (value.get("post") or {}).get("permalink_url", "")}
    return _with_raw(parse_comment(comment, post=post if post_id else None, page_id=page_id), value)


def _photos(value):
    """A status's `photos`, or the one `photo` (`link`, for a photo item)."""
    one = value.get("photo") or (value.get("link") if value.get("item") == "photo" else None)
    photos = value.get("photos") or ([one] if one else [])
    return [url for url in photos if isinstance(url, str)]


# ---- Messenger --------------------------------------------------------------------------------


def _messaging(event, page_id, conversation_ids, names):
    message = event.get("message")
    if not isinstance(message, dict):
        kind = next((key for key in MESSENGER_EVENTS if key in event), "")
        reason = (
            MESSENGER_EVENTS.get(kind) or f"Messenger events of an unknown kind ({', '.join(sorted(event))})"
        )
        return Reading(left_out={reason: 1})
    if message.get("is_deleted"):
        return Reading(left_out={"messages the customer unsent": 1})
    sender = str((event.get("sender") or {}).get("id") or "")
    recipient = str((event.get("recipient") or {}).get("id") or "")
    ours = bool(message.get("is_echo")) or sender == page_id
    customer = recipient if ours else sender
    if not customer:
        return Reading(items=[Unparseable(message.get("mid"), "Messenger event without a sender", event)])
    graph_message = {
        "id": message.get("mid"),
        "message": message.get("text", ""),
        "created_time": _iso(event.get("timestamp")),
        "from": ({"id": sender, "name": names[sender]} if sender in names else {"id": sender})
        if sender
        else None,
        "attachments": {"data": _attachments(message)},
    }
    if isinstance(message.get("quick_reply"), dict):  # a tapped quick reply: its payload says what it meant
        graph_message["quick_reply"] = message["quick_reply"]
    conversation = conversation_ids.get(customer) or f"psid-{customer}"
    return Reading(items=[_with_raw(parse_message(graph_message, conversation_id=conversation), event)])


def _attachments(message):
    """Messenger's [{type, payload: {url}}] as the Graph API's attachment objects."""
    found = []
    for number, attachment in enumerate(message.get("attachments") or [], start=1):
        url = str((attachment.get("payload") or {}).get("url") or attachment.get("url") or "")
        if not url:
            continue  # a template or a location: nothing to fetch
        kind = attachment.get("type", "file")
        content_type = ATTACHMENT_TYPES.get(kind)
        if content_type is None:  # "fallback": a shared link
            content_type, name = "text/uri-list", f"{message.get('mid')}-link-{number}"
        else:
            name = _name_from_url(url) or f"{kind}-{message.get('mid')}-{number}"
        found.append({"name": name, "mime_type": content_type or "application/octet-stream", "file_url": url})
    return found


def _name_from_url(url):
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    return name if "." in name else ""


# ---- shared -----------------------------------------------------------------------------------


def _iso(moment):
    """Webhook times are Unix seconds (feed) or milliseconds (Messenger); the Graph API's text is
    kept as it is."""
    if isinstance(moment, str) and not moment.isdigit():
        return moment
    try:
        number = int(moment)
    except (TypeError, ValueError):
        return None
    seconds = number / 1000 if number > 10**11 else number
    return datetime.fromtimestamp(seconds, tz=UTC).isoformat()


def _with_raw(item, raw):
    """The item (or the reason it is not one) as parse.py read it, keeping the webhook's own body
    as its raw payload."""
    return replace(item, raw=dict(raw))
