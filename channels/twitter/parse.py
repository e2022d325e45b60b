"""X (API v2) payloads -> Inbound items. Pure: no database, no network.

`parse_mentions` reads GET /2/users/:id/mentions pages, `parse_dm_events` reads GET /2/dm_events
(and the per-conversation variants). The poller should ask for
`tweet.fields=author_id,conversation_id,created_at,referenced_tweets,attachments,note_tweet`,
`dm_event.fields=sender_id,dm_conversation_id,created_at,attachments`,
`expansions=author_id,attachments.media_keys` (mentions) or `sender_id,attachments.media_keys`
(DMs), `user.fields=profile_image_url` and `media.fields=url,preview_image_url,variants`; without
the author or sender id an item cannot be given to a contact and comes back as `Unparseable`.

`read_response` reads any saved response (`manage.py ingest_file`): only tweet-bearing responses
(mentions, tweet lookups, search, timelines) and DM events are read; any other (users, counts, an
error) is refused whole with one reason. Retweets are left out, with or without `referenced_tweets`.
"""

import re
from datetime import UTC, datetime

from channels.base import Author, Inbound, InboundAttachment, Unparseable
from channels.reading import Reading, Refused

# X's length rule lives in length.py (the spec's); its names stay importable from here.

# X ids are "snowflakes": the top bits are milliseconds since X's own epoch (2010-11-04).
TWITTER_EPOCH_MS = 1288834974657

# Fields only a tweet has; every tweet has `text` unless tweet.fields left it out.
TWEET_FIELDS = {
    "text",
    "note_tweet",
    "edit_history_tweet_ids",
    "author_id",
    "conversation_id",
    "referenced_tweets",
}
# A classic retweet's text, as X still writes it when `referenced_tweets` was not requested.
RETWEET_TEXT = re.compile(r"^RT @\w{1,15}:")
RETWEETS = "retweets (they repeat someone else's words)"
# What X answers to an action (DELETE /2/tweets/:id, a like, a follow...): {"data": {"deleted": true}}.
ACTION_ANSWERS = ("deleted", "liked", "retweeted", "following", "hidden", "bookmarked", "blocking", "muting")


def read_response(response: dict) -> Reading:
    """Any saved X API v2 response, for `manage.py ingest_file`: tweets (mentions, a tweet lookup,
    search, a user's timeline) or DM events, with what was left out and why.

    Anything else is refused whole (`Refused`) with one reason in plain words: a users response
    (liking users, retweeters, /2/users/me), a counts response, the answer to a DM we sent, an error.
    """
    data = _data(response)
    shape = _shape(data)
    if shape == "dm_events":
        reading = _read_dm_events(response, data, conversation_id="")
    elif shape == "tweets":
        reading = _read_tweets(response, data)
    else:
        return Reading(empty_because=_why_empty(response))
    for title, count in _lookup_errors(response).items():
        reading.leave_out(f"ids X could not return ({title})", count)
    return reading


def parse_mentions(response: dict) -> list:
    """Mentions of our account (or any tweets response). Retweets are dropped: they repeat someone
    else's words. A response holding no tweets at all (users, counts) raises `Refused`."""
    data = _data(response)
    if _shape(data) == "dm_events":
        raise Refused("DM events, not tweets")
    return _read_tweets(response, data).items


def parse_dm_events(response: dict, *, conversation_id: str = "") -> list:
    """Direct messages. Only MessageCreate events are messages (joins and leaves are dropped).

    `conversation_id` is for GET /2/dm_conversations/:id/dm_events, where the caller knows the
    conversation even if `dm_conversation_id` was not requested. A response holding no DM events
    (tweets, users, the answer to a DM we sent) raises `Refused`.
    """
    data = _data(response)
    if _shape(data) == "tweets":
        raise Refused("tweets, not DM events")
    return _read_dm_events(response, data, conversation_id).items


def _read_tweets(response, tweets):
    users, media = _includes(response)
    reading = Reading()
    for tweet in tweets:
        if not TWEET_FIELDS & tweet.keys():
            fields = ", ".join(sorted(tweet)) or "none"
            reading.items.append(Unparseable(tweet.get("id"), f"not a tweet (its fields: {fields})", tweet))
        elif _is_retweet(tweet):
            reading.leave_out(RETWEETS)
        else:
            reading.items.append(_mention(tweet, users, media))
    return reading


def _read_dm_events(response, events, conversation_id):
    users, media = _includes(response)
    reading = Reading()
    for event in events:
        event_type = event.get("event_type")
        if event_type == "MessageCreate":
            reading.items.append(_dm(event, users, media, conversation_id))
        elif event_type:
            reading.leave_out(f"{event_type} DM events (not messages)")
        else:
            fields = ", ".join(sorted(event)) or "none"
            reading.items.append(
                Unparseable(event.get("id"), f"not a DM event (its fields: {fields})", event)
            )
    return reading


def _shape(data):
    """What the data holds: "tweets", "dm_events" or "" (nothing). Data holding neither refuses the
    whole response, once, saying what it holds instead."""
    if not data:
        return ""
    if any("event_type" in item for item in data):
        return "dm_events"
    if any(TWEET_FIELDS & item.keys() for item in data):
        return "tweets"
    raise Refused(_not_tweets(data[0]))


def _not_tweets(item):
    if "tweet_count" in item:
        return "a tweet counts response, not tweets"
    if "username" in item:
        return "a users response, not tweets"
    if "dm_event_id" in item:
        return "the answer to a DM we sent (its event id), not DM events"
    action = next((key for key in ACTION_ANSWERS if key in item), None)
    if action:
        return f"the answer to an action ({action}), not tweets"
    return f"neither tweets nor DM events (its data has the fields {', '.join(sorted(item)) or 'none'})"


def _why_empty(response):
    """Why a response without data holds nothing, or Refused when it is not a page at all."""
    errors = [error for error in response.get("errors") or [] if isinstance(error, dict)]
    if errors:
        first = errors[0]
        detail = first.get("detail") or first.get("message") or first.get("title") or "no detail"
        raise Refused(f"an X API error response: {detail}")
    if "status" in response and ("title" in response or "detail" in response):
        title = response.get("title") or "error"
        raise Refused(f"an X API error response ({response['status']} {title}): {response.get('detail', '')}")
    if "result_count" in (response.get("meta") or {}):
        return "an empty page: X found nothing (result_count 0)"
    if "data" in response:
        return "an empty page: X found nothing"
    raise Refused(
        f"not an X API v2 response: no data, meta or errors (fields: {', '.join(sorted(response))})"
    )


def _lookup_errors(response):
    """Partial errors beside data (ids of a lookup that X could not return), by title."""
    counts = {}
    errors = (response.get("errors") or []) if response.get("data") else []
    for error in errors:
        if isinstance(error, dict):
            title = error.get("title") or "error"
            counts[title] = counts.get(title, 0) + 1
    return counts


ANONYMOUS_PREFIX = "x-anon:"


def _mention(tweet, users, media):
    tweet_id = tweet.get("id")
    if not tweet_id:
        return Unparseable(None, "tweet has no id", tweet)
    # A response recorded without tweet.fields=author_id (an old export) still deserves an answer:
    # the tweet gets an anonymous author of its own, as Facebook comments without `from` do, and
    # the agent can still reply to it publicly.
    author_id = tweet.get("author_id") or f"{ANONYMOUS_PREFIX}{tweet_id}"
    sent_at = _sent_at(tweet)
    if sent_at is None:
        return Unparseable(tweet_id, "tweet has neither created_at nor a numeric id", tweet)
    user = users.get(author_id, {})
    return Inbound(
        external_id=tweet_id,
        kind="mention",
        thread_key=f"x:{tweet.get('conversation_id') or tweet_id}:{author_id}",
        author=_author(author_id, user),
        sent_at=sent_at,
        text=_tweet_text(tweet),
        url=f"https://x.com/{user.get('username') or 'i/web'}/status/{tweet_id}",
        reply_to_ids=tuple(ref["id"] for ref in _references(tweet, "replied_to")),
        raw={**tweet, "author": user} if user else dict(tweet),
        attachments=_attachments(tweet, media),
    )


def _dm(event, users, media, conversation_id):
    event_id = event.get("id")
    if not event_id:
        return Unparseable(None, "dm event has no id", event)
    sender_id = event.get("sender_id")
    if not sender_id:
        return Unparseable(event_id, "dm event has no sender_id (request dm_event.fields=sender_id)", event)
    conversation = event.get("dm_conversation_id") or conversation_id
    if not conversation:
        return Unparseable(
            event_id, "dm event has no dm_conversation_id (request dm_event.fields=dm_conversation_id)", event
        )
    sent_at = _sent_at(event)
    if sent_at is None:
        return Unparseable(event_id, "dm event has neither created_at nor a numeric id", event)
    user = users.get(sender_id, {})
    return Inbound(
        external_id=event_id,
        kind="dm",
        thread_key=f"xdm:{conversation}",
        author=_author(sender_id, user),
        sent_at=sent_at,
        text=_unescape(event.get("text", "")),
        raw={**event, "author": user} if user else dict(event),
        attachments=_attachments(event, media),
    )


def _data(response):
    if not isinstance(response, dict):
        raise Refused(f"an X API response is a JSON object, not {type(response).__name__}")
    data = response.get("data") or []
    # A single-item lookup answers with one object instead of a list.
    return [data] if isinstance(data, dict) else [item for item in data if isinstance(item, dict)]


def _includes(response):
    includes = response.get("includes") or {}
    users = {user["id"]: user for user in includes.get("users", []) if "id" in user}
    media = {item["media_key"]: item for item in includes.get("media", []) if "media_key" in item}
    return users, media


def _author(author_id, user):
    anonymous = author_id.startswith(ANONYMOUS_PREFIX)
    return Author(
        external_id=author_id,
        handle=user.get("username", ""),
        name=user.get("name", "X user" if anonymous else ""),
        avatar_url=user.get("profile_image_url", ""),
    )


def _references(tweet, kind):
    return [ref for ref in tweet.get("referenced_tweets") or [] if ref.get("type") == kind and ref.get("id")]


def _is_retweet(tweet):
    return bool(_references(tweet, "retweeted")) or bool(RETWEET_TEXT.match(tweet.get("text") or ""))


def _tweet_text(tweet):
    # Posts over 280 characters arrive truncated in `text`; the whole post is in `note_tweet`.
    note = tweet.get("note_tweet") or {}
    return _unescape(note.get("text") or tweet.get("text", ""))


def _unescape(text):
    # X escapes only &, < and > in text; undoing exactly those (the ampersand last) gives back
    # what was typed, where html.unescape would also decode entities X never writes.
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _sent_at(item):
    created_at = item.get("created_at")
    if created_at:
        try:
            return datetime.fromisoformat(created_at).astimezone(UTC)
        except ValueError:
            pass
    return snowflake_time(item.get("id", ""))


def snowflake_time(snowflake_id):
    """When an X id was minted (millisecond precision), or None if the id is not a snowflake."""
    if not str(snowflake_id).isdigit():
        return None
    milliseconds = (int(snowflake_id) >> 22) + TWITTER_EPOCH_MS
    return datetime.fromtimestamp(milliseconds / 1000, tz=UTC)


MEDIA_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
}


def _attachments(item, media):
    keys = (item.get("attachments") or {}).get("media_keys") or []
    return tuple(_attachment(media[key]) for key in keys if key in media)


def _attachment(media):
    """A photo is its image; a video or GIF is its best MP4 variant, else its preview image."""
    videos = [v for v in media.get("variants") or [] if v.get("content_type") == "video/mp4" and v.get("url")]
    if videos:
        best = max(videos, key=lambda variant: variant.get("bit_rate", 0))
        return InboundAttachment(
            filename=f"{media['media_key']}.mp4", content_type="video/mp4", url=best["url"]
        )
    url = media.get("url") or media.get("preview_image_url") or ""
    extension = url.rsplit(".", 1)[-1].lower() if "." in url.rsplit("/", 1)[-1] else "jpg"
    content_type = MEDIA_TYPES.get(extension, "image/jpeg")
    return InboundAttachment(filename=f"{media['media_key']}.{extension}", content_type=content_type, url=url)
