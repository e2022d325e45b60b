"""What every channel adapter hands to the ticket model, and the errors it raises.

Parsers (`channels/<kind>/parse.py`) turn a channel's payload into `Inbound` items, pure and without
the database; `tickets.services.ingest` stores them. An item a parser cannot understand becomes an
`Unparseable`, which ingest records with its error so that nothing is dropped silently.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Author:
    external_id: str
    handle: str = ""
    name: str = ""
    avatar_url: str = ""


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content_type: str
    data: bytes | None = None
    url: str = ""

    @property
    def size(self):
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

    @abstractmethod
    def send(self, message):
        """Deliver an outbound tickets.Message on the channel: returns Sent."""

    def acknowledge(self, fetched):
        """Called once ingest has committed `fetched` (e.g. move read mail away). Default: nothing."""
        return 0

    @abstractmethod
    def check(self):
        """Test the credentials for an admin: returns a sentence saying who we are connected as."""
