"""The platforms' rules for what we may send, as pure functions over facts: a refusal or warnings,
in the words the agent reads. No database, no network (an import-linter contract says so).

The ticket layer gathers the facts once (oss_inbox.tickets.services.reply_rules) and asks
`send_verdict` three times: in the composer while the agent types, when the reply is submitted
(a refusal stores nothing), and in the outbox just before the channel is called, because a
window can close while a reply waits (a refusal then fails the reply, never retried).

- X: a self-serve app may reply publicly only to a post that summoned the account (mentions it
  or replies to one of its posts); any other post is answered by DM. A post with a link is
  billed at the higher rate: a warning, not a refusal.
- Messenger and Instagram DMs: within 24 hours of the customer's last message, a normal reply;
  within 7 days, only with the human-agent tag (by a person, never an automatic reply, and only
  where Meta granted the app the Human Agent permission: an account setting); after that, not at all.
- A private reply to a Facebook or Instagram comment: one per comment, within 7 days of it.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from .twitter.length import URL_PATTERN

STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
PRIVATE_REPLY_WINDOW = timedelta(days=7)
HUMAN_AGENT = "HUMAN_AGENT"

# Message kinds that are a conversation's private messages, by channel; and their product's name.
WINDOWED_KINDS = {"messenger": "Messenger", "ig_dm": "Instagram"}
# Public items a private reply may answer, and whose rule it is.
COMMENT_KINDS = {"comment": "Facebook", "post": "Facebook", "ig_comment": "Instagram"}

LINK_WARNING = "A post with a link is billed at the higher rate."


@dataclass(frozen=True)
class SendFacts:
    """What the rules need to know about one reply, read from the ticket by the ticket layer.

    `summoned` is None where it cannot be told (a post saved without its text, an account without
    its username): the rule then lets the reply go, and X has the last word.
    """

    reply_kind: str  # the kind the reply goes out as: "mention", "dm", "messenger", "ig_dm"...
    answered_kind: str  # the kind of the customer's message it answers
    private: bool  # a private answer to a public post or comment
    now: datetime  # aware; in the zone the agent reads (the words name a time)
    text: str = ""
    automatic: bool = False  # an acknowledgement or survey, not a person writing
    customer_last_wrote_at: datetime | None = None  # the customer's latest message on the ticket
    answered_at: datetime | None = None  # when the answered post or comment was written
    summoned: bool | None = None  # X: the answered post's author mentioned or answered us (x_post_summons)
    account_handle: str = ""  # "PrairieEGHelp", for the words
    earlier_private_replies: int = 0  # private replies already sent or on their way to this comment
    human_agent_allowed: bool = True  # the Meta app has the Human Agent permission (account setting)


@dataclass(frozen=True)
class SendVerdict:
    """`refusal`: why the reply may not go ("" when it may); `warnings`: what the agent should know;
    `messaging_tag`: the Send API tag it needs ("HUMAN_AGENT" between 24 hours and 7 days)."""

    refusal: str = ""
    warnings: tuple[str, ...] = ()
    messaging_tag: str = ""


def has_rules(reply_kind: str) -> bool:
    """Whether any rule here can apply to a reply of this kind (an email's never does), so that the
    facts need not be read."""
    return reply_kind == "mention" or reply_kind in WINDOWED_KINDS


def send_verdict(facts: SendFacts) -> SendVerdict:
    """Every platform rule over one reply: the first refusal, else the warnings and the tag."""
    refusal = x_summon_refusal(facts) or private_reply_refusal(facts) or window_refusal(facts)
    if refusal:
        return SendVerdict(refusal=refusal)
    warnings = tuple(words for words in (x_link_warning(facts), human_agent_notice(facts)) if words)
    return SendVerdict(warnings=warnings, messaging_tag=messaging_tag(facts))


def x_summon_refusal(facts: SendFacts) -> str:
    """A public reply on X to a post that did not summon us: X refuses it from a self-serve app."""
    if facts.reply_kind != "mention" or facts.private or facts.summoned is not False:
        return ""
    handle = f"@{facts.account_handle}" if facts.account_handle else "our account"
    return (
        f"This post did not mention {handle} or answer one of our posts; X lets us answer it only by "
        "DM — reply privately."
    )


def x_link_warning(facts: SendFacts) -> str:
    if facts.reply_kind == "mention" and URL_PATTERN.search(facts.text or ""):
        return LINK_WARNING
    return ""


def is_private_reply(facts: SendFacts) -> bool:
    """A private reply to a public comment or post (one per comment), not a message in a conversation."""
    return facts.private and facts.answered_kind in COMMENT_KINDS


def private_reply_refusal(facts: SendFacts) -> str:
    if not is_private_reply(facts):
        return ""
    platform = COMMENT_KINDS[facts.answered_kind]
    noun = "post" if facts.answered_kind == "post" else "comment"  # a visitor's post on the Page
    if facts.earlier_private_replies:
        return (
            f"{platform} allows one private reply per {noun}, and this {noun} already has one — "
            "answer in public, or wait for the customer to write back in private."
        )
    if facts.answered_at and facts.now - facts.answered_at > PRIVATE_REPLY_WINDOW:
        return (
            f"This {noun} is more than 7 days old; {platform} allows a private reply only within "
            "7 days of it — answer in public instead."
        )
    return ""


def _since_customer_wrote(facts):
    """How long ago the customer last wrote, for a message in a Messenger or Instagram conversation;
    None where no window applies."""
    if (
        facts.reply_kind not in WINDOWED_KINDS
        or is_private_reply(facts)
        or facts.customer_last_wrote_at is None
    ):
        return None
    return facts.now - facts.customer_last_wrote_at


def window_refusal(facts: SendFacts) -> str:
    since = _since_customer_wrote(facts)
    if since is None or since <= STANDARD_WINDOW:
        return ""
    product = WINDOWED_KINDS[facts.reply_kind]
    if since > HUMAN_AGENT_WINDOW:
        return (
            f"It has been more than 7 days since this customer last wrote; {product} lets us write only "
            "within 7 days — ask the customer to message us (e.g. by email or a public reply)."
        )
    if facts.automatic:
        return (
            f"It has been more than 24 hours since this customer last wrote; {product} lets only a person "
            "answer after 24 hours, not an automatic message."
        )
    if not facts.human_agent_allowed:
        return (
            f"It has been more than 24 hours since this customer last wrote; without the human-agent "
            f"permission {product} lets us write only within 24 hours — ask the customer to message us "
            "(e.g. by email or a public reply)."
        )
    return ""


def messaging_tag(facts: SendFacts) -> str:
    since = _since_customer_wrote(facts)
    tagged = since is not None and STANDARD_WINDOW < since <= HUMAN_AGENT_WINDOW
    return HUMAN_AGENT if tagged and facts.human_agent_allowed and not facts.automatic else ""


def human_agent_notice(facts: SendFacts) -> str:
    if not messaging_tag(facts):
        return ""
    product = WINDOWED_KINDS[facts.reply_kind]
    closes = facts.customer_last_wrote_at + HUMAN_AGENT_WINDOW
    return (
        f"More than 24 hours since the customer last wrote: this goes out with {product}'s human-agent "
        f"tag, which allows answers until {closes:%b %-d, %-I:%M %p}."
    )


def x_post_summons(raw: dict, *, account_id: str, username: str) -> bool | None:
    """Whether an X post (its API v2 payload, as stored in the message's raw) mentions our account or
    answers one of its posts by its author: True or False, or None when the payload cannot tell
    (saved without its text, or neither our id nor our username known). Replies to one of our posts
    found by their id are the ticket layer's to tell (it knows our posts)."""
    raw = raw if isinstance(raw, dict) else {}
    if account_id and str(raw.get("in_reply_to_user_id") or "") == account_id:
        return True
    entities = raw.get("entities") if isinstance(raw.get("entities"), dict) else {}
    for mention in _dicts(entities.get("mentions")):
        if (account_id and str(mention.get("id") or "") == account_id) or (
            username and str(mention.get("username") or "").lower() == username.lower()
        ):
            return True
    text = raw.get("text") if isinstance(raw.get("text"), str) else ""
    if username and re.search(rf"(?<!\w)@{re.escape(username)}(?!\w)", text, re.IGNORECASE):
        return True
    # Without the username, only X's own list of the mentions (entities) can say "not us".
    can_tell = bool(text) and (bool(username) or ("entities" in raw and bool(account_id)))
    return False if can_tell else None


def x_replied_to_ids(raw: dict) -> set[str]:
    """The ids of the posts an X post answers (its referenced_tweets of type replied_to)."""
    references = raw.get("referenced_tweets") if isinstance(raw, dict) else None
    return {str(ref["id"]) for ref in _dicts(references) if ref.get("type") == "replied_to" and ref.get("id")}


def _dicts(items):
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def messaging_fields(context: dict) -> dict:
    """The Send API's messaging type for a Messenger or Instagram message whose context carries the
    tag the rules gave it (tickets.services.reply_rules records it as context["messaging_tag"])."""
    tag = (context or {}).get("messaging_tag")
    if tag:
        return {"messaging_type": "MESSAGE_TAG", "tag": tag}
    # RESPONSE: an answer within 24 hours of the customer's message.
    return {"messaging_type": "RESPONSE"}
