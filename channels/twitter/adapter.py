"""The X (Twitter) API v2 client of one account: mentions and DMs in, replies and DMs out.

The real tweepy client does the HTTP; its session is ours, so every call has a timeout and, for the
sandbox, goes to settings["api_base_url"] instead of api.twitter.com. Answers come back as the raw
JSON (return_type=dict), which channels.twitter.parse turns into Inbound items.

The cursor holds two ids, compared as numbers (X ids are snowflakes, longer than a float):
- `mentions_since_id`: the newest mention seen; the mentions timeline is read since it, every page.
- `dm_last_event_id`: the newest DM event seen; GET /2/dm_events has no since_id, so it is read
  newest first until that event comes up again.
The first poll of an account reads only the newest page of each: a help desk starts from now, not
from years of history. Even when that page is empty, the cursor gets an id (a snowflake of a few
minutes ago), so that the second poll reads every page since, however many arrived in between.

A reply whose send was cut off is looked up (reconcile) in our own timeline (GET /2/users/:id/tweets
from the send's start) or in its DM conversation's events, and matched by what it answers and its text.
"""

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial

import requests
import tweepy
from urllib3.exceptions import NewConnectionError

from channels.base import (
    ChannelAdapter,
    ChannelError,
    DeliveryUnknown,
    Fetched,
    Sent,
    conversation_of,
    reconcile_since,
    same_text,
)
from channels.forms import CREDENTIALS
from channels.http import PrefixRewritingSession
from channels.usage import count_calls

from .length import MAX_TWEET_LENGTH, tweet_length
from .parse import TWITTER_EPOCH_MS, parse_dm_events, parse_mentions, snowflake_time
from .spec import MAX_DM_LENGTH
from .usage import measure_x_answer
from .webhook import answered_ids, read_webhook
from .webhook_threads import stored_conversations

API_HOST = "https://api.twitter.com"
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 20
PAGE_SIZE = 100
# A guard against a server that pages forever: 20,000 items, far above what X keeps (800 mentions).
MAX_PAGES = 200
# How far back the first, empty poll sets the cursor: X's timelines lag a little behind posting.
FIRST_POLL_LOOKBACK = timedelta(minutes=5)
# OAuth 1.0a user context (mentions, DMs and posting need it); named as the account form names them.
USER_CONTEXT_CREDENTIALS = {key: label for key, label in CREDENTIALS["twitter"] if key != "bearer_token"}

MENTION_FIELDS = {
    "expansions": ["author_id", "referenced_tweets.id", "attachments.media_keys"],
    "tweet_fields": [
        "created_at",
        "conversation_id",
        "in_reply_to_user_id",
        "referenced_tweets",
        "author_id",
        "entities",
        "attachments",
        "note_tweet",
    ],
    "user_fields": ["username", "name", "profile_image_url", "location"],
    "media_fields": ["url", "preview_image_url", "variants", "type"],
}
DM_FIELDS = {
    "dm_event_fields": [
        "id",
        "text",
        "event_type",
        "created_at",
        "dm_conversation_id",
        "sender_id",
        "attachments",
        "referenced_tweets",
    ],
    "expansions": ["sender_id", "attachments.media_keys"],
    "user_fields": ["username", "name", "profile_image_url", "location"],
    "media_fields": ["url", "preview_image_url", "variants", "type"],
}
# Looking up a reply whose send was cut off: what to read of our tweets and of DM events.
LOOKUP_TWEET_FIELDS = ["referenced_tweets", "created_at", "text", "entities"]
LOOKUP_DM_FIELDS = ["sender_id", "created_at", "text", "dm_conversation_id", "entities"]


class TwitterAdapter(ChannelAdapter):
    kind = "twitter"

    def __init__(self, account):
        super().__init__(account)
        self.client = build_client(account)

    def fetch(self, cursor):
        """New mentions and DM events since the cursor, every page; the cursor that covers them."""
        self._require_setup()
        with translated_errors(sending=False):
            mentions, mentions_since_id = self._fetch_mentions(cursor.get("mentions_since_id"))
            dms, dm_last_event_id = self._fetch_dm_events(cursor.get("dm_last_event_id"))
        new_cursor = {**cursor, "mentions_since_id": mentions_since_id, "dm_last_event_id": dm_last_event_id}
        return Fetched(mentions + dms, new_cursor)

    def _fetch_mentions(self, since_id):
        """Every page of mentions newer than since_id (only the newest page on the first poll)."""
        items, ids = [], []
        mentions_of = self.client.get_users_mentions
        request = partial(mentions_of, self.account.self_external_id, since_id=since_id, **MENTION_FIELDS)
        for page in self._pages(request, first_page_only=since_id is None):
            items += parse_mentions(page)
            ids += _ids(page)
        return items, newest_id(since_id, ids)

    def _fetch_dm_events(self, last_event_id):
        """DM events newest first, until the last one we have (only the newest page on the first poll).

        Our own DMs (sent here or from the X app) are kept: ingest links them to their conversation.
        """
        items, ids = [], []
        request = partial(self.client.get_direct_message_events, **DM_FIELDS)
        for page in self._pages(request, first_page_only=last_event_id is None):
            events = page.get("data") or []
            new = [event for event in events if not is_known(event.get("id"), last_event_id)]
            items += parse_dm_events({**page, "data": new})
            ids += _ids({"data": new})
            if len(new) < len(events):
                break  # reached an event we already have: the rest is older still
        return items, newest_id(last_event_id, ids)

    def _pages(self, request, *, first_page_only):
        token = None
        for _ in range(MAX_PAGES):
            page = request(pagination_token=token, max_results=PAGE_SIZE, user_auth=True)
            yield page
            token = (page.get("meta") or {}).get("next_token")
            if not token or first_page_only:
                return
        raise ChannelError(f"X kept sending more pages after {MAX_PAGES}; the poll will start over.")

    def send(self, message):
        """Post the reply: a tweet answering the mention, or a DM into the conversation."""
        self._require_setup()
        if message.kind == "mention":
            return self._send_tweet(message)
        if message.kind == "dm":
            return self._send_dm(message)
        raise ChannelError(f"An X account cannot send a {message.get_kind_display()}.", permanent=True)

    def _send_tweet(self, message):
        length = tweet_length(message.text)
        if length > MAX_TWEET_LENGTH:
            raise ChannelError(f"Reply is {length} characters; X allows {MAX_TWEET_LENGTH}.", permanent=True)
        if not message.in_reply_to:
            raise ChannelError("There is no tweet to answer on this ticket.", permanent=True)
        with translated_errors(sending=True):
            response = self.client.create_tweet(text=message.text, in_reply_to_tweet_id=message.in_reply_to)
        return self._sent_tweet(response["data"]["id"])

    def _sent_tweet(self, tweet_id):
        username = self.account.settings.get("username") or "i/web"
        return Sent(external_id=tweet_id, url=f"https://x.com/{username}/status/{tweet_id}")

    def _send_dm(self, message):
        """A DM into the ticket's DM conversation, or, on a mention's ticket, a private reply: a DM
        to the mention's author (X opens or reuses their one-to-one conversation)."""
        if len(message.text) > MAX_DM_LENGTH:
            reason = f"Reply is {len(message.text)} characters; X allows {MAX_DM_LENGTH} in a DM."
            raise ChannelError(reason, permanent=True)
        with translated_errors(sending=True):
            response = self.client.create_direct_message(**dm_destination(message), text=message.text)
        return Sent(external_id=response["data"]["dm_event_id"])

    def reconcile(self, message):
        """Look on X for a reply whose send was cut off: our tweet answering the same tweet, or our
        DM in the same conversation, with the same text, posted since the send started."""
        self._require_setup()
        since = reconcile_since(message)
        with translated_errors(sending=False, next_step="next check"):
            if message.kind == "mention":
                return self._find_tweet(message, since)
            if message.kind == "dm":
                return self._find_dm(message, since)
        raise ChannelError(f"An X account cannot send a {message.get_kind_display()}.", permanent=True)

    def _find_tweet(self, message, since):
        """Our timeline since `since` (X filters by start_time), every page, for the reply."""
        if not message.in_reply_to:
            raise ChannelError("There is no tweet to answer on this ticket.", permanent=True)
        timeline = partial(
            self.client.get_users_tweets,
            self.account.self_external_id,
            start_time=since,
            tweet_fields=LOOKUP_TWEET_FIELDS,
        )
        for page in self._pages(timeline, first_page_only=False):
            for tweet in page.get("data") or []:
                answers = message.in_reply_to in answered_tweet_ids(tweet)
                if answers and is_our_post(tweet, message.text, since):
                    return self._sent_tweet(tweet["id"])
        return None

    def _find_dm(self, message, since):
        """The DM conversation's events, newest first, down to `since` (this endpoint takes no
        start_time), for a MessageCreate from us with the reply's text."""
        events_of = partial(
            self.client.get_direct_message_events,
            **dm_destination(message),
            event_types=["MessageCreate"],
            dm_event_fields=LOOKUP_DM_FIELDS,
        )
        for page in self._pages(events_of, first_page_only=False):
            events = [event for event in page.get("data") or [] if isinstance(event, dict)]
            for event in events:
                ours = event.get("sender_id") == self.account.self_external_id
                if ours and is_our_post(event, message.text, since):
                    return Sent(external_id=event["id"])
            if any(posted_at(event) < since for event in events):
                return None  # the rest of the conversation is older still
        return None

    def read_webhook(self, body):
        """An X webhook body (channels/webhooks/) read into the items a poll of the same mentions and
        DMs makes; a reply joins the conversation of the post it answers, if we stored that post."""
        conversations = stored_conversations(self.account, answered_ids(body))
        return read_webhook(body, user_id=self.account.self_external_id, conversation_ids=conversations)

    def hide(self, message, hidden):
        """Hide a reply to our account's conversation, or show it again: PUT /2/tweets/:id/hidden with
        {"hidden": true|false}. X allows it only for replies in conversations our account started;
        a hidden reply moves behind "View hidden replies", and its author is not told."""
        self._require_setup()
        if message.kind != "mention":
            raise ChannelError(
                f"Only replies can be hidden on X, not a {message.get_kind_display()}.", permanent=True
            )
        call = self.client.hide_reply if hidden else self.client.unhide_reply
        with translated_errors(sending=False, next_step="next try"):
            try:
                answer = call(message.external_id, user_auth=True)
            except tweepy.Forbidden as error:
                raise ChannelError(
                    NOT_OUR_CONVERSATION.format(detail=x_detail(error)), permanent=True
                ) from error
        if (answer.get("data") or {}).get("hidden") is not hidden:
            raise ChannelError("X did not confirm the change: try again.")

    def check(self):
        """Who the credentials belong to, and whether that is the X user id set on the account."""
        self._require_credentials()
        with translated_errors(sending=False):
            me = self.client.get_me(user_auth=True)["data"]
        sentence = f"Connected as @{me['username']} (id {me['id']})"
        configured = self.account.self_external_id
        if me["id"] != configured:
            return (
                f"{sentence}, but this account is set up for X user id {configured or '(none)'}:"
                f" set it to {me['id']} so that our own posts are recognised."
            )
        return f"{sentence}."

    def _require_setup(self):
        if not self.account.self_external_id:
            raise ChannelError(
                "The X user id of this account is not set; an admin must add it.", permanent=True
            )
        self._require_credentials()

    def _require_credentials(self):
        credentials = self.account.credentials
        missing = [label for key, label in USER_CONTEXT_CREDENTIALS.items() if not credentials.get(key)]
        if missing:
            reason = f"The X account has no {', '.join(missing)} saved; an admin must add them."
            raise ChannelError(reason, permanent=True)


def dm_destination(message):
    """Where a DM reply goes: the ticket's DM conversation, or, on a mention's ticket (a private
    reply), our one-to-one conversation with the mention's author."""
    thread_key = conversation_of(message.ticket.thread_key)
    if thread_key.startswith("xdm:"):
        return {"dm_conversation_id": thread_key.removeprefix("xdm:")}
    return {"participant_id": mention_author_id(message)}


def answered_tweet_ids(tweet):
    return {ref.get("id") for ref in tweet.get("referenced_tweets") or [] if ref.get("type") == "replied_to"}


def is_our_post(item, text, since):
    """Whether a tweet or DM event read back is our reply: its text, posted at or after `since`."""
    return posted_at(item) >= since and same_text(posted_text(item), text)


def posted_text(item):
    """A tweet's or DM's text as it was written: X hands back links as t.co links (the written URL is
    the entity's expanded_url) and &, < and > escaped."""
    text = item.get("text") or ""
    for link in (item.get("entities") or {}).get("urls") or []:
        if link.get("url") and link.get("expanded_url"):
            text = text.replace(link["url"], link["expanded_url"])
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def posted_at(item):
    """When X says an item was created; from its id (a snowflake) when created_at is missing."""
    try:
        return datetime.fromisoformat(item["created_at"])
    except (KeyError, TypeError, ValueError):
        return snowflake_time(str(item.get("id", ""))) or datetime.min.replace(tzinfo=UTC)


def mention_author_id(message):
    """The X user id of the customer whose mention a private reply answers (the latest one on the ticket)."""
    answered = (
        message.ticket.messages.filter(direction="inbound", author_identity__isnull=False)
        .select_related("author_identity")
        .order_by("-sent_at", "-id")
        .first()
    )
    if answered is None:
        raise ChannelError(f"Ticket #{message.ticket_id} has no customer to send a DM to.", permanent=True)
    return answered.author_identity.external_id


def build_client(account):
    """tweepy's v2 client over our session; it never sleeps on a rate limit (the poller reschedules)."""
    credentials, settings = account.credentials, account.settings
    client = tweepy.Client(
        bearer_token=credentials.get("bearer_token") or None,
        consumer_key=credentials.get("consumer_key"),
        consumer_secret=credentials.get("consumer_secret"),
        access_token=credentials.get("access_token"),
        access_token_secret=credentials.get("access_token_secret"),
        return_type=dict,
        wait_on_rate_limit=False,
    )
    timeout = (CONNECT_TIMEOUT, float(settings.get("timeout_seconds") or READ_TIMEOUT))
    client.session = PrefixRewritingSession(API_HOST, settings.get("api_base_url"), timeout=timeout)
    if account.pk:  # every answer counted for the budget console (channels/usage.py)
        count_calls(client.session, account.pk, partial(measure_x_answer, account_id=account.pk))
    return client


def is_known(item_id, last_id):
    """Whether an item is at or below the last id we stored (a malformed id is never "known")."""
    return last_id is not None and str(item_id).isdigit() and int(item_id) <= int(last_id)


def newest_id(previous_id, ids, now=None):
    """The largest id (as a string), or the previous one; on a first poll with nothing, a recent floor."""
    numeric = [int(item_id) for item_id in ids if str(item_id).isdigit()]
    if previous_id is not None:
        numeric.append(int(previous_id))
    if numeric:
        return str(max(numeric))
    return snowflake_at((now or datetime.now(UTC)) - FIRST_POLL_LOOKBACK)


def snowflake_at(moment):
    """The smallest X id minted at `moment`: every item posted later has a larger one."""
    return str((int(moment.timestamp() * 1000) - TWITTER_EPOCH_MS) << 22)


def _ids(page):
    return [item.get("id") for item in page.get("data") or [] if isinstance(item, dict)]


BAD_URL = (
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
)
REVOKED = "X says the account's credentials are invalid or revoked — an admin must reconnect it."
NOT_OUR_CONVERSATION = (
    "X lets an account hide only replies in conversations it started, and refused this one ({detail}). "
    "Ask the customer to delete it, or answer privately."
)
FORBIDDEN = (
    "X refused access ({detail}): the app or its access token lacks a permission or access level this "
    "needs — an admin must fix it on the X developer portal and reconnect."
)


@contextmanager
def translated_errors(*, sending, next_step=None):
    """tweepy's and requests' exceptions -> ChannelError in plain words, permanent when only an
    admin can help.

    While sending, a call cut off after the request left (no answer in time, connection dropped)
    may have posted: DeliveryUnknown, never a blind retry. One that never connected is safe to retry.

    While polling, only what an admin must fix stops the account: 401 (credentials invalid or
    revoked) and 403 (X's "refused or access is not allowed": the app's permissions, its access
    level or plan). A 400, 404 or any other answer is retried with backoff, and reported to the
    admins if it goes on (polling.py). A refused reply (duplicate, not allowed to DM) fails only
    that message, as sending it again gets the same answer.
    """
    try:
        yield
    except tweepy.TooManyRequests as error:
        raise rate_limited(error.reset_time, next_step or ("next try" if sending else "next poll")) from error
    except tweepy.Unauthorized as error:
        raise ChannelError(REVOKED, permanent=True) from error
    except tweepy.TwitterServerError as error:
        raise ChannelError(f"X is having trouble ({x_detail(error)}); will try again.") from error
    except tweepy.HTTPException as error:
        if sending:  # the same reply would get the same answer: this message fails, not the account
            raise ChannelError(f"X refused: {x_detail(error)}", permanent=True) from error
        if isinstance(error, tweepy.Forbidden):
            raise ChannelError(FORBIDDEN.format(detail=x_detail(error)), permanent=True) from error
        status = error.response.status_code
        raise ChannelError(f"X answered {status} ({x_detail(error)}); will try again.") from error
    except BAD_URL as error:
        raise ChannelError(
            f"The API base URL is not valid ({error}); an admin must fix it.", permanent=True
        ) from error
    except requests.RequestException as error:
        reason = plain_reason(error)
        if sending and not never_left(error):
            message = f"The call to X was cut off ({reason}); the reply may or may not have gone out."
            raise DeliveryUnknown(message) from error
        raise ChannelError(f"Could not reach X ({reason}); will try again.") from error


def rate_limited(reset_time, next_step):
    if reset_time is None:
        return ChannelError("X rate limit reached; will try again later.")
    retry_at = datetime.fromtimestamp(reset_time, tz=UTC)
    return ChannelError(f"X rate limit reached; {next_step} at {retry_at:%H:%M} UTC.", retry_at=retry_at)


def x_detail(error):
    """X's own words for an error (its `detail` or `errors[].message`), else the HTTP status."""
    return "; ".join(error.api_messages) or f"{error.response.status_code} {error.response.reason}"


def never_left(error):
    """True when the request cannot have reached X: the connection was never made."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    cause = error.args[0] if error.args else None
    return isinstance(getattr(cause, "reason", cause), NewConnectionError)


def plain_reason(error):
    if isinstance(error, requests.ConnectTimeout):
        return "could not connect in time"
    if isinstance(error, requests.Timeout):
        return "no answer in time"
    if isinstance(error, requests.ConnectionError):
        return "the connection failed" if never_left(error) else "the connection dropped"
    return type(error).__name__
