"""Any saved Instagram API body -> the same Inbound items a poll or a webhook of the same things
gives. Pure. For `manage.py ingest_file` (channels/replay.py):

- a webhook body (`{"object": "instagram", "entry": [...]}`): webhook.py;
- a page of a listing or one object, told apart by its fields: a comment has `text` or `timestamp`
  (and maybe `replies`), a direct message `created_time` with `from`, a media `caption`,
  `media_type` or `permalink` (its comments, when fetched with it, are read with it as context);
  a conversation with its `messages{...}` gives them.

What is not a comment or a message (a profile, a media without comments) is left out with its
reason; a body that is none of these (an error, the answer to a write) is refused.
"""

from channels.facebook.parse import graph_objects
from channels.reading import Reading, Refused

from .parse import parse_comments, parse_messages
from .webhook import is_instagram_webhook, read_webhook

MEDIA_FIELDS = {"caption", "media_type", "media_product_type", "permalink", "media_url", "comments_count"}


def read_instagram(payload: dict, *, ig_id: str) -> Reading:
    """Every comment and direct message of a saved Instagram API body, with what was left out and why."""
    if not isinstance(payload, dict):
        raise Refused(f"an Instagram API response is a JSON object, not {type(payload).__name__}")
    if is_instagram_webhook(payload):
        return read_webhook(payload, ig_id=ig_id)
    try:
        things = graph_objects(payload)
    except ValueError as error:  # an error body
        raise Refused(str(error)) from None
    if not things:
        if isinstance(payload.get("data"), list):
            return Reading(empty_because="an empty page: the Instagram API found nothing")
        if "success" in payload:
            raise Refused("the answer to a write (success), not comments or messages")
        raise Refused(
            f"not an Instagram API object or page (its fields: {', '.join(sorted(payload)) or 'none'})"
        )
    reading = Reading()
    for thing in things:
        reading.add(_read(thing, ig_id))
    return reading


def _read(thing, ig_id):
    if "messages" in thing and "id" in thing:  # a conversation fetched with its messages
        return Reading(items=parse_messages(thing["messages"] or {"data": []}, ig_id=ig_id))
    if "created_time" in thing and "from" in thing:
        return Reading(items=parse_messages(thing, ig_id=ig_id))
    if MEDIA_FIELDS & thing.keys():
        if not (thing.get("comments") or {}).get("data"):
            return Reading(left_out={"media without their comments (request fields=comments{...})": 1})
        media = {key: thing.get(key, "") for key in ("id", "caption", "permalink")}
        return Reading(items=parse_comments(thing["comments"], media=media))
    if {"text", "timestamp", "parent_id", "replies"} & thing.keys():
        return Reading(items=parse_comments(thing))
    if {"username", "user_id"} & thing.keys():
        return Reading(left_out={"Instagram profiles (not comments or messages)": 1})
    return Reading(
        left_out={f"objects that are neither comments nor messages ({', '.join(sorted(thing))})": 1}
    )
