"""What the app knows about a kind of channel besides how to talk to it: pure data and pure rules.

Each channel folder holds one `ChannelSpec` in `channels/<kind>/spec.py`; `channels.registry` looks
them up. Nothing here touches the database or the network, so the ticket layer, the composer, the
queue and the tests all ask the same spec: the browser never holds a copy of these rules.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

EMPTY_REPLY = "Write something before sending."
# Where a limit is long (a DM, a comment), the composer shows the count only near it.
COUNT_FROM_SHARE = 0.8


@dataclass(frozen=True)
class ThreadChannel:
    """One kind of conversation a channel carries, told apart by its thread key's prefix ("xdm:...")."""

    prefix: str
    slug: str  # the queue's channel filter and the CSS class `channel-<slug>`
    label: str  # as agents name it: "X DM"
    icon: str  # the glyph static/css/app.css shows before the label


@dataclass(frozen=True)
class ReplyLimit:
    """How long one kind of reply may be, and how the channel measures it."""

    limit: int
    where: str  # where the reply goes, in words that follow "too long for": "X", "an X DM", "Messenger"
    measure: Callable[[str], int] = len
    count_from: int | None = None  # the composer shows the count from this length; None: near the limit

    def shows_count(self, used: int) -> bool:
        start = self.count_from if self.count_from is not None else int(self.limit * COUNT_FROM_SHARE)
        return used >= start


@dataclass(frozen=True, eq=False)
class ChannelSpec:
    """A kind of channel account: its names, the conversations it carries and its reply rules.

    Message kinds are the `tickets.Message.kind` values the channel produces, each with the words the
    ticket's header uses for it ("" where the channel's name says it all). A reply goes out as the kind
    of the message it answers, or, when the agent answers in private, as `private_replies[kind]`.
    """

    kind: str
    name: str
    icon: str
    message_kinds: Mapping[str, str]
    threads: tuple[ThreadChannel, ...]
    # What a reply is measured against, by the kind it goes out as; a kind without one has no limit.
    reply_limits: Mapping[str, ReplyLimit] = field(default_factory=dict)
    # Answered kind -> the kind of a private reply to it, and the composer's (public, private) words.
    private_replies: Mapping[str, str] = field(default_factory=dict)
    reply_choice_words: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    # The kind answered when the caller does not know it: the strictest reading of a reply.
    default_answered_kind: str = ""

    def __post_init__(self):
        for name in ("message_kinds", "reply_limits", "private_replies", "reply_choice_words"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        if set(self.private_replies) != set(self.reply_choice_words):
            raise ValueError(f"{self.kind}: every private reply needs its choice words, and only those")
        if self.default_answered_kind not in self.message_kinds:
            raise ValueError(f"{self.kind}: the default answered kind must be one of its message kinds")

    def reply_kind(self, answered_kind: str, private: bool) -> str:
        """The kind a reply goes out as; a private answer only where the answered kind has one."""
        answered = answered_kind if answered_kind in self.message_kinds else self.default_answered_kind
        return self.private_replies.get(answered, answered) if private else answered

    def reply_limit(self, *, answered_kind: str, private: bool) -> ReplyLimit | None:
        return self.reply_limits.get(self.reply_kind(answered_kind, private))

    def reply_problem(self, text: str, *, answered_kind: str, private: bool) -> str:
        """Plain words for a reply the channel would refuse, or "" when it fits."""
        if not text.strip():
            return EMPTY_REPLY
        rule = self.reply_limit(answered_kind=answered_kind, private=private)
        used = rule.measure(text) if rule else 0
        if rule is None or used <= rule.limit:
            return ""
        where = rule.where[:1].upper() + rule.where[1:]
        return f"{where} allows {rule.limit:,} characters; this reply is {used - rule.limit:,} too long."

    def reply_count(self, text: str, *, answered_kind: str, private: bool) -> tuple[int, int] | None:
        """(used, limit) for the composer's counter, or None where no counter helps: no limit, or
        a long one the text is far from."""
        rule = self.reply_limit(answered_kind=answered_kind, private=private)
        if rule is None:
            return None
        used = rule.measure(text)
        return (used, rule.limit) if rule.shows_count(used) else None

    def reply_choices(self, answered_kind: str) -> list[tuple[str, str]]:
        """[(value, words)] for the public/private control, or [] where the answer has one kind only."""
        if answered_kind not in self.reply_choice_words:
            return []
        public, private = self.reply_choice_words[answered_kind]
        return [("public", public), ("private", private)]

    def thread_channel(self, thread_key: str) -> ThreadChannel | None:
        prefix = thread_key.split(":", 1)[0]
        return next((thread for thread in self.threads if thread.prefix == prefix), None)
