"""Instagram webhook bodies -> the same Inbound items as a poll of the same things. Pure.

An Instagram webhook (Instagram API with Instagram Login) is `{"object": "instagram", "entry":
[{"id": account, "time", "changes": [...], "messaging": [...]}]}`:

- `changes[]` with `field: "comments"`: `value` is `{"id", "text", "from": {"id", "username"},
  "media": {"id", "media_product_type"}, "parent_id"}` (a reply names its top-level comment); the
  entry's `time` (Unix seconds) is when it arrived, as a webhook gives no comment time;
- `messaging[]`: `sender`, `recipient`, `timestamp` in milliseconds and `message: {mid, text,
  attachments: [{type, payload: {url}}]}`; `is_echo` marks what the account sent, `is_deleted` a
  message the customer unsent. Meta's dashboard test sends the same event as a change with
  `field: "messages"`; both are read. Read receipts, reactions and postbacks carry no message.

Each item is rebuilt in the Instagram API's own shape and read by parse.py, so it has the same
external id (comment id, message id) and thread key as a poll of it: webhook and poll dedupe.
"""

from dataclasses import replace

from channels.reading import Reading, Refused

from .parse import parse_comment, parse_message

MESSAGING_EVENTS = {
    "read": "read receipts",
    "reaction": "reactions to messages",
    "postback": "button presses (postbacks)",
    "referral": "referrals (a customer arriving from a link or an ad)",
    "message_edit": "message edits (the message as first stored stays)",
    "optin": "opt-ins",
}
ATTACHMENT_TYPES = {"image": "image/jpeg", "video": "video/mp4", "audio": "audio/mpeg", "file": ""}


def is_instagram_webhook(payload: dict) -> bool:
    return (
        isinstance(payload, dict)
        and payload.get("object") == "instagram"
        and isinstance(payload.get("entry"), list)
    )


def read_webhook(body: dict, *, ig_id: str) -> Reading:
    """Every comment and direct message of an Instagram webhook body for the account `ig_id`, and what
    else it held, left out with its reason."""
    if not isinstance(body, dict) or not isinstance(body.get("entry"), list):
        raise Refused("not a webhook body: it has no list of entries")
    if body.get("object") != "instagram":
        raise Refused(f"a webhook for {body.get('object')!r} objects, not for Instagram")
    reading = Reading(empty_because="" if body["entry"] else "a webhook body without entries")
    for entry in body["entry"]:
        if not isinstance(entry, dict):
            reading.leave_out("webhook entries that are not objects")
            continue
        entry_id = str(entry.get("id") or ig_id)
        if ig_id and entry_id != ig_id:
            reading.leave_out(f"webhook entries of another Instagram account ({entry_id}), not this one's")
            continue
        for change in entry.get("changes") or []:
            reading.add(_change(change, ig_id, entry.get("time")))
        for event in entry.get("messaging") or []:
            reading.add(_messaging(event, ig_id))
    return reading


def _change(change, ig_id, entry_time):
    if not isinstance(change, dict):
        return Reading(left_out={"changes that are not objects": 1})
    field, value = change.get("field"), change.get("value")
    if not isinstance(value, dict):
        return Reading(left_out={f"'{field}' changes without a value": 1})
    if field == "messages":
        return _messaging(value, ig_id)
    if field != "comments":
        return Reading(left_out={f"'{field}' changes (only comments and direct messages are read)": 1})
    comment = {
        "id": str(value.get("id") or ""),
        "text": value.get("text", ""),
        "timestamp": entry_time,
        "from": value.get("from"),
        "media": {"id": str((value.get("media") or {}).get("id") or "")},
    }
    if value.get("parent_id"):
        comment["parent_id"] = str(value["parent_id"])
    return Reading(items=[_with_raw(parse_comment(comment), change)])


def _messaging(event, ig_id):
    message = event.get("message") if isinstance(event, dict) else None
    if not isinstance(message, dict):
        kind = next((key for key in MESSAGING_EVENTS if key in (event or {})), "")
        reason = MESSAGING_EVENTS.get(kind) or (
            f"direct-message events of an unknown kind ({', '.join(sorted(event or {})) or 'empty'})"
        )
        return Reading(left_out={reason: 1})
    if message.get("is_deleted"):
        return Reading(left_out={"direct messages the customer unsent": 1})
    sender = str((event.get("sender") or {}).get("id") or "")
    recipient = str((event.get("recipient") or {}).get("id") or "")
    graph_message = {
        "id": message.get("mid"),
        "message": message.get("text", ""),
        "created_time": event.get("timestamp"),
        "from": {"id": sender} if sender else None,
        "to": {"data": [{"id": recipient}] if recipient else []},
        "attachments": {"data": _attachments(message)},
    }
    return Reading(items=[_with_raw(parse_message(graph_message, ig_id=ig_id), event)])


def _attachments(message):
    """The webhook's [{type, payload: {url}}] as the API's attachment objects."""
    found = []
    for attachment in message.get("attachments") or []:
        if not isinstance(attachment, dict):
            continue
        url = str((attachment.get("payload") or {}).get("url") or "")
        kind = attachment.get("type", "file")
        if not url:
            continue  # a shared post or story without a link
        if kind == "video":
            found.append({"video_data": {"url": url}})
        else:
            found.append(
                {"file_url": url, "mime_type": ATTACHMENT_TYPES.get(kind) or "application/octet-stream"}
            )
    return found


def _with_raw(item, raw):
    """The item (or the reason it is not one) as parse.py read it, keeping the webhook's own body as
    its raw payload."""
    return replace(item, raw=dict(raw))
