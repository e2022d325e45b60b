"""Checks on a reply before it is queued, and how the composer offers it: pure functions, no database.

Every rule is the channel's spec's (channels/<kind>/spec.py, through channels.registry): the words of
the public/private choice, the conversation's name, the reply limits and the counter.
"""

from dataclasses import dataclass

from channels.registry import spec_for, spec_of_message_kind


def reply_choices(answered_kind):
    """[(value, words)] for the public/private control, or [] where the channel has one kind of reply."""
    spec = spec_of_message_kind(answered_kind)
    return spec.reply_choices(answered_kind) if spec else []


def conversation_kind(answered_kind):
    """What the customer wrote, for the ticket's header ("mention", "Messenger"); "" for email (the
    channel's name says it)."""
    spec = spec_of_message_kind(answered_kind)
    return spec.message_kinds[answered_kind] if spec else ""


def is_private_reply(message, answered_kind):
    """An outbound DM or Messenger message on a conversation that began in public."""
    spec = spec_of_message_kind(answered_kind)
    private_kind = spec.private_replies.get(answered_kind) if spec else None
    return message.direction == "outbound" and private_kind == message.kind


@dataclass(frozen=True)
class ReplyCounter:
    """What the composer's counter shows: "51/280", or "281/280 — 1 too long for X"."""

    used: int
    limit: int
    where: str

    @property
    def over(self):
        return max(0, self.used - self.limit)

    def __str__(self):
        count = f"{self.used:,}/{self.limit:,}"
        return f"{count} — {self.over:,} too long for {self.where}" if self.over else count


def reply_counter(kind, text, *, answered_kind, private):
    """The counter for a reply being written, or None where the channel's spec shows none."""
    spec = spec_for(kind)
    count = spec.reply_count(text, answered_kind=answered_kind, private=private)
    if count is None:
        return None
    where = spec.reply_limit(answered_kind=answered_kind, private=private).where
    return ReplyCounter(*count, where=where)


def delivery_words(message):
    """Why an outbound message did not (or may not have) reached the customer, in plain words."""
    reason = message.delivery_error or "no reason was given"
    if message.delivery_state == "failed":
        return f"Not delivered: {reason}"
    if message.delivery_state == "unknown":
        return f"We don't know whether this reached the customer: {reason}"
    if message.delivery_state == "queued" and message.delivery_error:
        return f"Will try again shortly: {reason}"
    return ""
