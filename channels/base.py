"""What every channel adapter hands to the ticket model, and the errors it raises.

Parsers (`channels/<kind>/parse.py`) turn a channel's payload into `Inbound` items, pure and without
the database; `tickets.services.ingest` stores them. An item a parser cannot understand becomes an
`Unparseable`, which ingest records with its error so that nothing is dropped silently.
"""

import os
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO


@dataclass(frozen=True)
class Author:
    external_id: str
    handle: str = ""
    name: str = ""
    avatar_url: str = ""


@dataclass(frozen=True)
class InboundAttachment:
    """A file that came with an item: its bytes in `data`, or for a large one in `file` (a named
    temporary file written as the message was read, deleted when closed), or only a `url`."""

    filename: str
    content_type: str
    data: bytes | None = None
    url: str = ""
    file: IO[bytes] | None = None

    @property
    def size(self):
        if self.file is not None:
            return os.fstat(self.file.fileno()).st_size
        return len(self.data) if self.data is not None else 0


@dataclass(frozen=True)
class Inbound:
    external_id: str
    kind: str  # a tickets.Message.Kind value
    thread_key: str  # the conversation: tweet conversation + author, DM conversation, post + top comment...
    author: Author
    sent_at: datetime
    text: str = ""
    html: str = ""
    subject: str = ""
    url: str = ""
    reply_to_ids: tuple[str, ...] = ()  # external ids this item answers, the closest first
    ticket_ref: int | None = None  # "[#123]" in an email subject
    is_automatic: bool = False  # auto-reply or bounce
    context: dict = field(default_factory=dict)  # e.g. the post a comment was written on
    raw: dict = field(default_factory=dict)
    attachments: tuple[InboundAttachment, ...] = ()


# A conversation of someone who answered in another customer's conversation (a reply under our
# public answer to them, a comment in their thread) is theirs alone: the conversation's key plus
# " by <author id>". No channel's ids or Message-IDs hold a space.
BY = " by "


def conversation_by(thread_key: str, author_id: str) -> str:
    """The thread key of `author_id`'s own conversation within `thread_key`'s."""
    return f"{conversation_of(thread_key)}{BY}{author_id}"[:500]


def conversation_of(thread_key: str) -> str:
    """The channel's own conversation key (the post and comment, the DM conversation, the root
    Message-ID), without the author of a conversation within another's."""
    return thread_key.split(BY, 1)[0]


@dataclass(frozen=True)
class Unparseable:
    """A payload item the parser could not turn into an Inbound."""

    external_id: str | None
    error: str
    raw: dict = field(default_factory=dict)


class ChannelError(Exception):
    """A channel call failed. `permanent` errors need an admin (revoked token); others are retried.

    The message is shown to admins and agents: plain words, no stack trace.
    """

    def __init__(self, message, *, permanent=False, retry_at=None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_at = retry_at


class DeliveryUnknown(ChannelError):
    """A send was cut off after the request left (timeout, dropped connection): it may have gone out.

    Never retried blindly; reconciled when our post comes back in a poll, or decided by an agent.
    """


@dataclass(frozen=True)
class Fetched:
    """What one poll brought: the items, and the cursor that covers them (saved with them)."""

    items: list
    cursor: dict


@dataclass(frozen=True)
class TokenExpiry:
    """What a channel says about the end of an account's access token: when, or None if never."""

    expires_at: datetime | None


@dataclass(frozen=True)
class Sent:
    """The channel's id of a reply we delivered (tweet id, comment id, Message-ID...)."""

    external_id: str
    url: str = ""


class ChannelAdapter(ABC):
    """One channel account's client. Subclasses live in channels/<kind>/adapter.py.

    Every network call has a timeout. Errors are ChannelError with `permanent` set when only an
    admin can fix them (revoked token, missing permission) and `retry_at` when the channel said
    when to come back (rate limits).
    """

    kind = ""

    def __init__(self, account):
        self.account = account

    @abstractmethod
    def fetch(self, cursor):
        """Every item since `cursor`, all pages: returns Fetched."""

    def fetch_batches(self, cursor):
        """Every item since `cursor` as Fetched batches, oldest first, each with the cursor after it,
        to be ingested (and acknowledged) before the next is asked for. Default: fetch, in one."""
        yield self.fetch(cursor)

    @abstractmethod
    def send(self, message):
        """Deliver an outbound tickets.Message on the channel: returns Sent."""

    def reconcile(self, message):
        """Whether a reply whose send was cut off (delivery "unknown") is on the channel after all:
        returns Sent with the channel's id when our reply is there, None when the channel was asked and
        it is not. Raises ChannelError when the lookup itself failed (network, rate limit, access), so
        that nobody takes "could not look" for "not there" and sends the reply twice."""
        raise ChannelError(f"{self.kind or 'This channel'} cannot look up a sent reply.", permanent=True)

    def find_sent(self, message_id):
        """Whether a letter with this Message-ID went out from this account (email only)."""
        raise ChannelError(f"{self.kind or 'This channel'} cannot look up a sent letter.", permanent=True)

    def hide(self, message, hidden):
        """Hide a customer's public comment on the channel (hidden=True), or show it again: moderation
        (channels/moderation/). Raises ChannelError in plain words when the channel cannot or will not."""
        raise ChannelError(f"{self.kind or 'This channel'} has nothing that can be hidden.", permanent=True)

    def acknowledge(self, fetched):
        """Called once ingest has committed `fetched`, a whole fetch or one batch (e.g. move read mail
        away). Default: nothing."""
        return 0

    @abstractmethod
    def check(self):
        """Test the credentials for an admin: returns a sentence saying who we are connected as."""

    def token_expiry(self):
        """When the access token stops working, as the channel says (a TokenExpiry), or None if it
        does not say. Test connection records it for the token expiry alert. Default: None."""
        return None


# How long before a reply's send started its lookup also reads: the channel's clock and ours differ a little.
RECONCILE_LEEWAY = timedelta(minutes=1)


def reconcile_since(message):
    """The moment from which a channel item can be the reply `message`: when its send started (or,
    that unknown, when it was written), less a little leeway. An older item with the same text is
    an earlier answer, not this one."""
    started = message.sending_started_at or message.sent_at
    return started - RECONCILE_LEEWAY


def same_text(posted, ours):
    """Whether text read back from a channel is our reply's: equal but for surrounding whitespace,
    which channels trim."""
    return (posted or "").strip() == (ours or "").strip()


UNREADABLE_CREDENTIALS = "its saved credentials cannot be read with this server's keys — re-enter them."


class UnreadableCredentialsAdapter(ChannelAdapter):
    """Stands in for an account whose saved credentials cannot be decrypted (channels.registry).

    Every call fails permanently, in words an admin can act on: the poll records it and polling
    stops, a reply fails with the reason, Test connection says it. Re-entering the secrets in the
    channel's form fixes it (channels.views.account_edit).
    """

    def _refuse(self, *args):
        raise ChannelError(f"{self.account.name}: {UNREADABLE_CREDENTIALS}", permanent=True)

    fetch = send = check = reconcile = find_sent = hide = _refuse
