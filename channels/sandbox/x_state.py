"""The fake X API's memory: our account, the mentions and DM events customers wrote, what we posted.

Shapes follow the X API v2 reference (and /work/shared/corpus/x): an object carries its default
fields (tweets: id, text, edit_history_tweet_ids; DM events: id, event_type, text; users: id, name,
username) plus the ones the request names in `tweet.fields`, `dm_event.fields`, `user.fields`.
Lists are newest first, paged with an opaque `next_token`.
"""

import threading
import time
from datetime import UTC, datetime

from channels.twitter.length import MAX_TWEET_LENGTH, tweet_length
from channels.twitter.parse import TWITTER_EPOCH_MS

DEFAULT_FIELDS = {
    "tweet": ("id", "text", "edit_history_tweet_ids"),
    "dm_event": ("id", "event_type", "text"),
    "user": ("id", "name", "username"),
}
MAX_DM_LENGTH = 10_000
# X's answer to a reply to a post that did not summon the account (channels/send_rules.py).
NOT_ENGAGED = (
    "Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged "
    "by the author of the post you are replying to."
)


class ApiError(Exception):
    """An answer X gives instead of data: the status and its problem document."""

    def __init__(self, status, title, detail):
        super().__init__(detail)
        self.status = status
        self.body = {"title": title, "type": "about:blank", "status": status, "detail": detail}


class XState:
    def __init__(self, user_id, username, name):
        self.lock = threading.RLock()
        self.me = self._user(user_id, username, name)
        self.users = {user_id: self.me}
        self.tweets = {}  # id -> every field X knows of the tweet
        self.mention_ids = []
        self.dm_events = []
        self.posted_tweets = []
        self.sent_dms = []
        self.closed_dms = set()  # users who take DMs only from accounts they follow (we follow nobody)
        self.hidden_changes = []  # replies the app hid or showed again, oldest first
        self._last_id = 0
        # `make run` only: its demo history was written without the sandbox, so agents' replies
        # to it name tweets and conversations the sandbox never saw. Tests keep X's strictness.
        self.lenient = False

    def next_id(self):
        """A snowflake of the current time, always above the last one (as X's are)."""
        now_ms = int(time.time() * 1000)
        self._last_id = max((now_ms - TWITTER_EPOCH_MS) << 22, self._last_id + 1)
        return str(self._last_id)

    def add_mention(self, author_id, username, name, text, in_reply_to=None, conversation_id=None):
        with self.lock:
            self.users.setdefault(author_id, self._user(author_id, username, name))
            if f"@{self.me['username']}".lower() not in text.lower():
                text = f"@{self.me['username']} {text}"  # the mentions timeline only holds tweets naming us
            tweet = self._tweet(author_id, text, in_reply_to, conversation_id)
            self.mention_ids.append(tweet["id"])
            return tweet["id"]

    def add_post(self, author_id, username, name, text):
        """A post that does not name us (not in the mentions timeline): X refuses our public reply."""
        with self.lock:
            self.users.setdefault(author_id, self._user(author_id, username, name))
            return self._tweet(author_id, text, None, None)["id"]

    def add_dm(self, sender_id, username, name, text, conversation_id=None):
        with self.lock:
            self.users.setdefault(sender_id, self._user(sender_id, username, name))
            conversation_id = conversation_id or one_to_one(sender_id, self.me["id"])
            return self._dm_event(sender_id, conversation_id, text)["id"]

    def post_tweet(self, body):
        text, reply = body.get("text") or "", body.get("reply") or {}
        if not text:
            raise ApiError(400, "Invalid Request", "One or more parameters to your request was invalid.")
        if tweet_length(text) > MAX_TWEET_LENGTH:
            raise ApiError(400, "Invalid Request", "Your Tweet text is too long.")
        with self.lock:
            parent = reply.get("in_reply_to_tweet_id")
            if parent and parent not in self.tweets and self.lenient:
                self.tweets[parent] = {"id": parent, "author_id": "0", "text": "", "conversation_id": parent}
            if parent and parent not in self.tweets:
                detail = "You attempted to reply to a Tweet that is deleted or not visible to you."
                raise ApiError(403, "Forbidden", detail)
            if parent and not self.lenient and not self._summoned_by(self.tweets[parent]):
                raise ApiError(403, "Forbidden", NOT_ENGAGED)
            if any(posted["text"] == text for posted in self.posted_tweets):
                raise ApiError(
                    403, "Forbidden", "You are not allowed to create a Tweet with duplicate content."
                )
            tweet = self._tweet(self.me["id"], text, parent, None)
            self.posted_tweets.append({"id": tweet["id"], "text": text, "in_reply_to_tweet_id": parent})
            return {"data": {"id": tweet["id"], "text": text, "edit_history_tweet_ids": [tweet["id"]]}}

    def send_dm(self, conversation_id, body, new_conversation=False):
        text = body.get("text") or ""
        if not text or len(text) > MAX_DM_LENGTH:
            raise ApiError(400, "Invalid Request", "One or more parameters to your request was invalid.")
        with self.lock:
            known = any(event["dm_conversation_id"] == conversation_id for event in self.dm_events)
            if not known and not new_conversation and not self.lenient:
                raise ApiError(
                    403, "Forbidden", "You are not permitted to send messages to this conversation."
                )
            event = self._dm_event(self.me["id"], conversation_id, text)
            self.sent_dms.append({"id": event["id"], "dm_conversation_id": conversation_id, "text": text})
            return {"data": {"dm_conversation_id": conversation_id, "dm_event_id": event["id"]}}

    def send_dm_to(self, participant_id, body):
        """POST /2/dm_conversations/with/:participant_id/messages: a DM in our one-to-one conversation with
        them."""
        with self.lock:
            if participant_id not in self.users and not self.lenient:
                raise ApiError(400, "Invalid Request", "One or more parameters to your request was invalid.")
            if participant_id in self.closed_dms:
                raise ApiError(403, "Forbidden", "You cannot send messages to this user.")
            self.users.setdefault(participant_id, self._user(participant_id, f"user{participant_id}", ""))
            return self.send_dm(one_to_one(participant_id, self.me["id"]), body, new_conversation=True)

    def add_own_tweet(self, text):
        """A post by our account (an outage update, say) that customers can reply to."""
        with self.lock:
            return self._tweet(self.me["id"], text, None, None)["id"]

    def hide_reply(self, tweet_id, body):
        """PUT /2/tweets/:id/hidden: only a reply in a conversation our account started."""
        if not isinstance(body.get("hidden"), bool):
            raise ApiError(400, "Invalid Request", "The `hidden` field must be true or false.")
        with self.lock:
            tweet = self.tweets.get(tweet_id)
            if tweet is None:
                raise ApiError(404, "Not Found Error", f"Could not find tweet with id: [{tweet_id}].")
            root = self.tweets.get(tweet["conversation_id"]) or {}
            if tweet["conversation_id"] == tweet_id or root.get("author_id") != self.me["id"]:
                detail = "You can only hide or unhide replies to conversations you authored."
                raise ApiError(403, "Forbidden", detail)
            tweet["_hidden"] = body["hidden"]
            self.hidden_changes.append({"id": tweet_id, "hidden": body["hidden"]})
            return {"data": {"hidden": body["hidden"]}}

    def mentions_page(self, params):
        with self.lock:
            tweets = [self.tweets[tweet_id] for tweet_id in self.mention_ids]
            tweets = _between(tweets, params.get("since_id"), params.get("until_id"))
            page, meta = _page(tweets, params, low=5, high=100, default=10)
            authors = {tweet["author_id"] for tweet in page}
            return self._response("tweet", page, meta, params, authors, "author_id")

    def user_tweets_page(self, user_id, params):
        """GET /2/users/:id/tweets: what the user posted (replies included), newest first, from
        `start_time` to `end_time` and between `since_id` and `until_id` when given."""
        with self.lock:
            tweets = [tweet for tweet in self.tweets.values() if tweet["author_id"] == user_id]
            tweets = _between(tweets, params.get("since_id"), params.get("until_id"))
            tweets = _in_time(tweets, params.get("start_time"), params.get("end_time"))
            page, meta = _page(tweets, params, low=5, high=100, default=10)
            authors = {tweet["author_id"] for tweet in page}
            return self._response("tweet", page, meta, params, authors, "author_id")

    def dm_events_page(self, params, conversation_id=None):
        """GET /2/dm_events, or with a conversation id the events of that conversation only;
        `event_types` keeps the events of those types."""
        with self.lock:
            events = [e for e in self.dm_events if conversation_id in (None, e["dm_conversation_id"])]
            types = _names(params, "event_types")
            events = [event for event in events if not types or event["event_type"] in types]
            page, meta = _page(events, params, low=1, high=100, default=100)
            for key in ("newest_id", "oldest_id"):  # X gives these for tweets only
                meta.pop(key, None)
            senders = {event["sender_id"] for event in page}
            return self._response("dm_event", page, meta, params, senders, "sender_id")

    def _response(self, kind, page, meta, params, user_ids, expansion):
        if not page:
            return {"meta": meta}
        response = {"data": [_fields(item, kind, params) for item in page], "meta": meta}
        if expansion in _names(params, "expansions"):
            users = [_fields(self.users[user_id], "user", params) for user_id in sorted(user_ids)]
            response["includes"] = {"users": users}
        return response

    def _summoned_by(self, tweet):
        """X's rule for self-serve apps (2026): a reply only to a post whose author mentioned us or
        answered us, in it or earlier in the conversation."""
        if tweet["author_id"] == self.me["id"]:
            return True
        theirs = [
            other
            for other in self.tweets.values()
            if other["author_id"] == tweet["author_id"]
            and other["conversation_id"] == tweet["conversation_id"]
        ]
        handle = f"@{self.me['username']}".lower()
        return any(
            handle in other["text"].lower() or other.get("in_reply_to_user_id") == self.me["id"]
            for other in theirs
        )

    def _tweet(self, author_id, text, in_reply_to, conversation_id):
        tweet_id = self.next_id()
        parent = self.tweets.get(in_reply_to) if in_reply_to else None
        tweet = {
            "id": tweet_id,
            "text": text,
            "edit_history_tweet_ids": [tweet_id],
            "author_id": author_id,
            "created_at": _timestamp(),
            "conversation_id": conversation_id or (parent or {}).get("conversation_id") or tweet_id,
        }
        if in_reply_to:
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": in_reply_to}]
        if parent:
            tweet["in_reply_to_user_id"] = parent["author_id"]
        self.tweets[tweet_id] = tweet
        return tweet

    def _dm_event(self, sender_id, conversation_id, text):
        event = {
            "id": self.next_id(),
            "event_type": "MessageCreate",
            "text": text,
            "sender_id": sender_id,
            "dm_conversation_id": conversation_id,
            "created_at": _timestamp(),
        }
        self.dm_events.append(event)
        return event

    @staticmethod
    def _user(user_id, username, name):
        avatar = f"https://pbs.twimg.com/profile_images/{user_id}/avatar_normal.jpg"
        return {"id": user_id, "username": username, "name": name, "profile_image_url": avatar}


def one_to_one(first_id, second_id):
    """X names a one-to-one conversation by its two user ids, the smaller first."""
    return "-".join(sorted((first_id, second_id), key=int))


def _between(items, since_id, until_id):
    low, high = int(since_id or 0), int(until_id) if until_id else None
    return [item for item in items if int(item["id"]) > low and (high is None or int(item["id"]) < high)]


def _in_time(items, start_time, end_time):
    """Items created from start_time to end_time, both inclusive (ISO 8601 times, as X takes them)."""
    start, end = _time_param(start_time, "start_time"), _time_param(end_time, "end_time")
    return [
        item
        for item in items
        if (start is None or _created(item) >= start) and (end is None or _created(item) <= end)
    ]


def _time_param(value, name):
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        detail = f"The `{name}` query parameter value [{value}] is not valid"
        raise ApiError(400, "Invalid Request", detail) from None


def _created(item):
    return datetime.fromisoformat(item["created_at"])


def _page(items, params, *, low, high, default):
    """Newest first, `max_results` at a time; the token says where the next page starts."""
    size = int(params.get("max_results") or default)
    if not low <= size <= high:
        detail = f"The `max_results` query parameter value [{size}] is not between {low} and {high}"
        raise ApiError(400, "Invalid Request", detail)
    items = sorted(items, key=lambda item: int(item["id"]), reverse=True)
    token = params.get("pagination_token")
    if token:
        below = _read_token(token)
        items = [item for item in items if int(item["id"]) < below]
    page = items[:size]
    meta = {"result_count": len(page)}
    if page:
        meta.update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
    if len(items) > size:
        meta["next_token"] = "b" + format(int(page[-1]["id"]), "x")
    return page, meta


def _read_token(token):
    try:
        return int(token[1:], 16)
    except ValueError:
        raise ApiError(
            400, "Invalid Request", "The `pagination_token` query parameter value is not valid"
        ) from None


def _names(params, key):
    return {name for name in (params.get(key) or "").split(",") if name}


def _fields(item, kind, params):
    wanted = set(DEFAULT_FIELDS[kind]) | _names(params, f"{kind}.fields")
    return {key: value for key, value in item.items() if key in wanted}


def _timestamp():
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
