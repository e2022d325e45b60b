"""Checks on a reply before it is queued: pure functions, no database."""

from channels.twitter.parse import MAX_TWEET_LENGTH, tweet_length


def reply_length_problem(kind, text):
    """Plain words for a reply the channel would refuse, or "" when it fits."""
    if not text.strip():
        return "Write something before sending."
    if kind == "twitter" and tweet_length(text) > MAX_TWEET_LENGTH:
        over = tweet_length(text) - MAX_TWEET_LENGTH
        return f"X allows {MAX_TWEET_LENGTH} characters; this reply is {over} too long."
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
