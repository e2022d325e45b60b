"""Checks on a reply before it is queued, and how the composer offers it: pure functions, no database."""

from channels.facebook.adapter import MESSENGER_TEXT_LIMIT
from channels.twitter.parse import MAX_TWEET_LENGTH, tweet_length
from oss_inbox.tickets.models import PRIVATE_REPLY_KINDS

# The composer's "Reply publicly ▾ / Reply privately" words, by the kind of message answered.
REPLY_CHOICES = {
    "mention": ("Reply publicly (a reply tweet)", "Reply privately (a DM)"),
    "comment": ("Reply publicly (a comment reply)", "Reply privately (Messenger)"),
    "post": ("Reply publicly (a comment)", "Reply privately (Messenger)"),
}


def reply_choices(answered_kind):
    """[(value, words)] for the public/private control, or [] where the channel has one kind of reply."""
    if answered_kind not in PRIVATE_REPLY_KINDS:
        return []
    public, private = REPLY_CHOICES[answered_kind]
    return [("public", public), ("private", private)]


def conversation_kind(answered_kind):
    """What the customer wrote, for the ticket's header ("mention", "Messenger"); "" for email (the channel says it)."""
    words = {"mention": "mention", "dm": "direct message", "comment": "comment", "post": "visitor post",
             "messenger": "Messenger"}
    return words.get(answered_kind, "")


def is_private_reply(message, answered_kind):
    """An outbound DM or Messenger message on a conversation that began in public."""
    return message.direction == "outbound" and PRIVATE_REPLY_KINDS.get(answered_kind) == message.kind


def reply_length_problem(kind, text, private=False):
    """Plain words for a reply the channel would refuse, or "" when it fits."""
    if not text.strip():
        return "Write something before sending."
    if kind == "twitter" and not private and tweet_length(text) > MAX_TWEET_LENGTH:
        over = tweet_length(text) - MAX_TWEET_LENGTH
        return f"X allows {MAX_TWEET_LENGTH} characters; this reply is {over} too long."
    if kind == "facebook" and private and len(text) > MESSENGER_TEXT_LIMIT:
        over = len(text) - MESSENGER_TEXT_LIMIT
        return f"Messenger allows {MESSENGER_TEXT_LIMIT:,} characters; this reply is {over:,} too long."
    return ""


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
