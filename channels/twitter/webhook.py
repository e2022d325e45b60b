"""X webhook bodies -> the same Inbound items as a poll of the same mentions and DMs. Pure.

Two shapes arrive at /webhooks/x/:

- The X Activity API (XAA, 2026): one event a delivery, `{"data": {"event_uuid", "event_type",
  "filter": {"user_id"}, "payload", "includes"}}`. `post.mention.create` (a post that @mentions the
  account) and `post.reply.create` (a reply to one of its posts) carry an API v2 Post as `payload`,
  with `includes.users`; `dm.received` and `dm.sent` carry `payload.direct_message_events` in the
  v1.1 `message_create` shape with a `payload.users` map. Everything else (likes, follows, quotes,
  reposts, our own posts, read receipts, typing, X Chat's encrypted messages) is left out, by name.
- The Account Activity API (AAA, being retired by X): `{"for_user_id", "tweet_create_events": [v1.1
  tweets], "direct_message_events": [...], "users": {...}}`, and other `*_events` lists, left out.

Every item is rebuilt in API v2's shape and read by parse.py, so it has the external id (the post id,
the DM event id, which X keeps across API versions) and thread key of a poll of it. A one-to-one DM
conversation is named by its two user ids, the smaller first, as v2's `dm_conversation_id` is. A
v1.1 tweet does not say which conversation a reply belongs to: `conversation_ids` (tweet id ->
conversation id, of tweets we stored) answers for a reply to one of them; otherwise the tweet
answered stands in, which is right for a reply to a conversation's first post.
"""

from datetime import UTC, datetime

from channels.base import Unparseable
from channels.reading import Reading, Refused

from .parse import read_response

# XAA events that are messages, read as a poll of mentions or DMs reads them.
MENTION_EVENTS = {"post.mention.create", "post.reply.create"}
DM_EVENTS = {"dm.received", "dm.sent"}
LEFT_OUT_EVENTS = {
    "post.create": "our own posts (a poll of mentions does not read them; replies are recorded when sent)",
    "post.delete": "deleted posts (what was stored stays as it was)",
    "post.quote.create": "quotes of our posts that do not mention us (a poll of mentions does not read them)",
    "post.repost.create": "reposts (they repeat someone else's words)",
    "dm.read": "DM read receipts",
    "dm.indicate_typing": "DM typing indicators",
    "chat.received": "X Chat messages (end-to-end encrypted; this desk cannot read them)",
    "chat.sent": "X Chat messages (end-to-end encrypted; this desk cannot read them)",
}
AAA_LEFT_OUT = {
    "favorite_events": "likes",
    "follow_events": "follows",
    "unfollow_events": "unfollows",
    "block_events": "blocks",
    "mute_events": "mutes",
    "tweet_delete_events": "deleted posts (what was stored stays as it was)",
    "direct_message_indicate_typing_events": "DM typing indicators",
    "direct_message_mark_read_events": "DM read receipts",
    "user_event": "app permission revocations",
}
V1_TIME = "%a %b %d %H:%M:%S %z %Y"  # "Wed Oct 10 20:19:24 +0000 2018"


def is_webhook(body) -> bool:
    return isinstance(body, dict) and ("for_user_id" in body or _activity_events(body) is not None)


def read_webhook(body: dict, *, user_id: str, conversation_ids: dict | None = None) -> Reading:
    """Every mention, reply and DM of an X webhook body for the account `user_id`, and what else it
    held, left out with its reason. Refused: a body of neither shape."""
    if not isinstance(body, dict):
        raise Refused("an X webhook body is a JSON object")
    if "for_user_id" in body:
        if user_id and str(body["for_user_id"]) != user_id:
            return Reading(left_out={f"events for another X account ({body['for_user_id']})": 1})
        return _read_account_activity(body, user_id, conversation_ids or {})
    events = _activity_events(body)
    if events is None:
        raise Refused("neither an X Activity API event nor an Account Activity API body")
    reading = Reading()
    for event in events:
        reading.add(_read_activity_event(event, user_id))
    return reading


# ---- X Activity API ---------------------------------------------------------------------------


def _activity_events(body):
    data = body.get("data")
    events = [data] if isinstance(data, dict) else data
    if not isinstance(events, list):
        return None
    events = [event for event in events if isinstance(event, dict) and "event_type" in event]
    return events or None


def _read_activity_event(event, user_id):
    event_type = str(event.get("event_type"))
    filtered = str((event.get("filter") or {}).get("user_id") or "")
    if user_id and filtered and filtered != user_id:
        return Reading(left_out={f"events for another X account ({filtered})": 1})
    payload = event.get("payload") if isinstance(event.get("payload"), dict) else {}
    if event_type in MENTION_EVENTS:
        if not payload.get("id"):
            return Reading(items=[Unparseable(None, f"a {event_type} event without its post", event)])
        users = [user.get("data", user) for user in _dicts((event.get("includes") or {}).get("users"))]
        media = _dicts((event.get("includes") or {}).get("media"))
        return read_response({"data": [payload], "includes": {"users": users, "media": media}})
    if event_type in DM_EVENTS:
        return _read_dms(payload.get("direct_message_events"), payload.get("users"))
    reason = LEFT_OUT_EVENTS.get(event_type) or f"X events of kind {event_type!r} (not messages)"
    return Reading(left_out={reason: 1})


# ---- Account Activity API ---------------------------------------------------------------------


def _read_account_activity(body, user_id, conversation_ids):
    reading = Reading(empty_because="an Account Activity body without posts or DMs")
    tweets = _dicts(body.get("tweet_create_events"))
    if tweets:
        reading.add(_read_v1_tweets(tweets, user_id, conversation_ids))
    if body.get("direct_message_events"):
        reading.add(_read_dms(body["direct_message_events"], body.get("users")))
    for key, reason in AAA_LEFT_OUT.items():
        events = body.get(key)
        reading.leave_out(reason, len(events) if isinstance(events, list) else int(bool(events)))
    return reading


def _read_v1_tweets(tweets, user_id, conversation_ids):
    reading, data, users, media = Reading(), [], {}, []
    for tweet in tweets:
        author = tweet.get("user") or {}
        if user_id and str(author.get("id_str") or "") == user_id:
            reading.leave_out(LEFT_OUT_EVENTS["post.create"])
        elif not _summons(tweet, user_id):
            reading.leave_out("posts that neither mention nor answer the account (quotes, others' threads)")
        else:
            data.append(_v2_tweet(tweet, conversation_ids))
            users[author.get("id_str")] = _v2_user(author)
            media += _v2_media(tweet.get("extended_entities") or tweet.get("entities") or {})
    if data:
        reading.add(
            read_response({"data": data, "includes": {"users": list(users.values()), "media": media}})
        )
    return reading


def _summons(tweet, user_id):
    """Whether a v1.1 tweet mentions the account or answers one of its posts (what a poll of mentions
    reads); retweets pass, to be left out by parse.py with its reason."""
    if not user_id or tweet.get("retweeted_status"):
        return True
    entities = (tweet.get("extended_tweet") or {}).get("entities") or tweet.get("entities") or {}
    mentioned = {str(mention.get("id_str")) for mention in _dicts(entities.get("user_mentions"))}
    return user_id in mentioned or str(tweet.get("in_reply_to_user_id_str") or "") == user_id


def _v2_tweet(tweet, conversation_ids):
    tweet_id = str(tweet.get("id_str") or tweet.get("id") or "")
    answered = str(tweet.get("in_reply_to_status_id_str") or "")
    references = [{"type": "replied_to", "id": answered}] if answered else []
    if tweet.get("retweeted_status"):
        references.append({"type": "retweeted", "id": str(tweet["retweeted_status"].get("id_str", ""))})
    if tweet.get("quoted_status_id_str"):
        references.append({"type": "quoted", "id": str(tweet["quoted_status_id_str"])})
    extended = tweet.get("extended_tweet") or {}
    media = (extended.get("extended_entities") or tweet.get("extended_entities") or {}).get("media") or []
    v2 = {
        "id": tweet_id,
        "text": extended.get("full_text") or tweet.get("full_text") or tweet.get("text", ""),
        "author_id": str((tweet.get("user") or {}).get("id_str") or ""),
        "conversation_id": (conversation_ids.get(answered) or answered or tweet_id) if answered else tweet_id,
        "created_at": _v1_time(tweet.get("created_at")) or _ms_time(tweet.get("timestamp_ms")),
        "referenced_tweets": references,
    }
    if media:
        v2["attachments"] = {"media_keys": [str(item.get("id_str")) for item in _dicts(media)]}
    return {key: value for key, value in v2.items() if value}


def _v2_user(user):
    return {
        "id": str(user.get("id_str") or user.get("id") or ""),
        "username": user.get("screen_name") or user.get("username") or "",
        "name": user.get("name", ""),
        "profile_image_url": user.get("profile_image_url_https") or user.get("profile_image_url") or "",
    }


def _v2_media(entities):
    found = []
    for item in _dicts(entities.get("media")):
        variants = (item.get("video_info") or {}).get("variants") or []
        found.append(
            {
                "media_key": str(item.get("id_str") or ""),
                "type": item.get("type", "photo"),
                "url": item.get("media_url_https") or item.get("media_url") or "",
                "variants": [
                    {
                        "content_type": v.get("content_type"),
                        "url": v.get("url"),
                        "bit_rate": v.get("bitrate", 0),
                    }
                    for v in _dicts(variants)
                ],
            }
        )
    return found


# ---- DMs (both APIs: v1.1 message_create events) ----------------------------------------------


def _read_dms(events, users):
    events = _dicts(events)
    if not events:
        return Reading(empty_because="a DM event without messages")
    data, media = [], []
    for event in events:
        if event.get("type") != "message_create":
            data.append({"id": str(event.get("id") or ""), "event_type": str(event.get("type") or "unknown")})
            continue
        created = event.get("message_create") or {}
        sender = str(created.get("sender_id") or "")
        recipient = str((created.get("target") or {}).get("recipient_id") or "")
        message_data = created.get("message_data") or {}
        dm = {
            "id": str(event.get("id") or ""),
            "event_type": "MessageCreate",
            "text": message_data.get("text", ""),
            "sender_id": sender,
            "dm_conversation_id": one_to_one(sender, recipient),
            "created_at": _ms_time(event.get("created_timestamp")),
        }
        attached = (message_data.get("attachment") or {}).get("media")
        if isinstance(attached, dict):
            media += _v2_media({"media": [attached]})
            dm["attachments"] = {"media_keys": [str(attached.get("id_str") or "")]}
        data.append({key: value for key, value in dm.items() if value})
    return read_response({"data": data, "includes": {"users": _user_list(users), "media": media}})


def one_to_one(first_id, second_id):
    """X's name of a one-to-one DM conversation: its two user ids, the smaller first ("" if one is
    missing, which parse.py reports)."""
    if not (str(first_id).isdigit() and str(second_id).isdigit()):
        return ""
    return "-".join(sorted((str(first_id), str(second_id)), key=int))


def _user_list(users):
    """A users map ({id: user} in AAA, {id: {"data": user}} in XAA) as API v2 user objects."""
    if not isinstance(users, dict):
        return []
    found = []
    for user_id, user in users.items():
        if isinstance(user, dict):
            user = user.get("data", user)
            found.append({**_v2_user(user), "id": str(user.get("id_str") or user.get("id") or user_id)})
    return found


# ---- shared -----------------------------------------------------------------------------------


def _v1_time(value):
    try:
        return datetime.strptime(value, V1_TIME).astimezone(UTC).isoformat() if value else ""
    except (TypeError, ValueError):
        return ""


def _ms_time(value):
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC).isoformat()
    except (TypeError, ValueError, OverflowError, OSError):
        return ""


def _dicts(items):
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def answered_ids(body) -> set[str]:
    """The posts the Account Activity API's tweets answer: their conversations are looked up in what
    we stored (`conversation_ids` of read_webhook)."""
    tweets = _dicts(body.get("tweet_create_events")) if isinstance(body, dict) else []
    return {
        str(tweet["in_reply_to_status_id_str"]) for tweet in tweets if tweet.get("in_reply_to_status_id_str")
    }
