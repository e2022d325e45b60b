"""X (API v2) payloads -> Inbound items. Pure: no database, no network.

`parse_mentions` reads GET /2/users/:id/mentions pages, `parse_dm_events` reads GET /2/dm_events
(and the per-conversation variants). The poller should ask for
`tweet.fields=author_id,conversation_id,created_at,referenced_tweets,attachments,note_tweet`,
`dm_event.fields=sender_id,dm_conversation_id,created_at,attachments`,
`expansions=author_id,attachments.media_keys` (mentions) or `sender_id,attachments.media_keys`
(DMs), `user.fields=profile_image_url` and `media.fields=url,preview_image_url,variants`; without
the author or sender id an item cannot be given to a contact and comes back as `Unparseable`.
"""

from datetime import UTC, datetime

from channels.base import Author, Inbound, InboundAttachment, Unparseable

# X's length rule lives in length.py (the spec's); its names stay importable from here.

# X ids are "snowflakes": the top bits are milliseconds since X's own epoch (2010-11-04).
TWITTER_EPOCH_MS = 1288834974657


def parse_mentions(response: dict) -> list:
    """Mentions of our account. Retweets are dropped: they repeat someone else's words."""
    tweets = _data(response)
    users, media = _includes(response)
    items = []
    for tweet in tweets:
        if _is_retweet(tweet):
            continue
        items.append(_mention(tweet, users, media))
    return items


def parse_dm_events(response: dict, *, conversation_id: str = "") -> list:
    """Direct messages. Only MessageCreate events are messages (joins and leaves are dropped).

    `conversation_id` is for GET /2/dm_conversations/:id/dm_events, where the caller knows the
    conversation even if `dm_conversation_id` was not requested.
    """
    events = _data(response)
    users, media = _includes(response)
    return [
        _dm(event, users, media, conversation_id)
        for event in events
        if event.get("event_type") == "MessageCreate"
    ]


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
        raise ValueError(f"an X API response is a JSON object, not {type(response).__name__}")
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
    return bool(_references(tweet, "retweeted"))


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
