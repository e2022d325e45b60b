"""The platforms' send rules (channels/send_rules.py) over one ticket: the one place that reads the
facts they need from the database.

- `reply_rules_check`: what the composer shows while the agent types, and what `ticket_reply`
  refuses before anything is stored.
- `reply_rules_apply`: the outbox's check just before the channel is called (a window may have
  closed while the reply waited): a refusal fails the reply with the reason; the Send API tag the
  rules give (HUMAN_AGENT) is recorded on the message, where the adapter reads it.
- `reply_rules_refusal`: the same check when an agent asks to send a failed reply again.

The facts: the customer's latest message on the ticket (the 24-hour and 7-day windows); the post
or comment answered (when it was written; on X whether it mentions us or answers one of our posts);
the private replies already on their way to that comment.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from channels.base import ChannelError
from channels.registry import private_reply_kinds, spec_for
from channels.send_rules import (
    SendFacts,
    SendVerdict,
    has_rules,
    send_verdict,
    x_post_summons,
    x_replied_to_ids,
)

from ..models import Delivery, Message, Ticket


def reply_rules_check(
    *,
    ticket: Ticket,
    text: str,
    private: bool,
    automatic: bool = False,
    answered: Message | None = None,
    now: datetime | None = None,
) -> SendVerdict:
    """The rules over a reply about to be written on `ticket`, answering its latest customer message
    (`answered`, when the caller has it already)."""
    if answered is None:
        answered = _latest_inbound(ticket)
    if answered is None:
        return SendVerdict()
    spec = spec_for(ticket.account.kind)
    return send_verdict(
        _facts(
            ticket,
            answered,
            reply_kind=spec.reply_kind(answered.kind, private),
            private=private and answered.kind in private_reply_kinds(),
            text=text,
            automatic=automatic,
            now=now or timezone.now(),
            latest=answered,  # a reply answers the latest: no second read
        )
    )


def reply_rules_apply(message: Message, now: datetime | None = None) -> None:
    """Just before `message` (a queued reply) goes to its channel: raise a permanent ChannelError
    with the reason when a rule now refuses it; record the messaging tag it now needs."""
    verdict = _verdict_for(message, now or timezone.now())
    if verdict.refusal:
        raise ChannelError(verdict.refusal, permanent=True)
    if verdict.messaging_tag != (message.context or {}).get("messaging_tag", ""):
        context = {**(message.context or {}), "messaging_tag": verdict.messaging_tag}
        if not verdict.messaging_tag:
            context.pop("messaging_tag")
        Message.objects.filter(pk=message.pk).update(context=context)
        message.context = context


def reply_rules_refusal(message: Message, now: datetime | None = None) -> str:
    """Why a failed reply may not be sent again now (its window closed), or "": asked before a retry."""
    return _verdict_for(message, now or timezone.now()).refusal


def _verdict_for(message, now):
    """The rules over a reply already written, as things are at `now`."""
    if not has_rules(message.kind):
        return SendVerdict()
    answered = _answered_by(message)
    if answered is None:
        return SendVerdict()
    private = private_reply_kinds().get(answered.kind) == message.kind != answered.kind
    facts = _facts(
        message.ticket,
        answered,
        reply_kind=message.kind,
        private=private,
        text=message.text,
        automatic=message.is_automatic,
        now=now,
        sending=message,
    )
    return send_verdict(facts)


def _facts(ticket, answered, *, reply_kind, private, text, automatic, now, sending=None, latest=None):
    latest = latest or _latest_inbound(ticket)
    return SendFacts(
        reply_kind=reply_kind,
        answered_kind=answered.kind,
        private=private,
        now=timezone.localtime(now),
        text=text,
        automatic=automatic,
        customer_last_wrote_at=timezone.localtime(latest.sent_at) if latest else None,
        answered_at=answered.sent_at,
        summoned=_conversation_summoned(ticket, answered)
        if reply_kind == "mention" and not private
        else None,
        account_handle=ticket.account.settings.get("username", ""),
        # Off only where an admin said the Meta app lacks the permission (channels/facebook/forms.py).
        human_agent_allowed=ticket.account.settings.get("human_agent_tag") != "no",
        earlier_private_replies=_earlier_private_replies(ticket, answered, reply_kind, sending)
        if private
        else 0,
    )


def _latest_inbound(ticket):
    inbound = ticket.messages.filter(direction=Message.Direction.INBOUND)
    return inbound.order_by("-sent_at", "-id").first()


def _answered_by(message):
    """The customer message a reply answers (its in_reply_to), else the ticket's latest."""
    if message.in_reply_to:
        answered = message.ticket.messages.filter(
            direction=Message.Direction.INBOUND, external_id=message.in_reply_to
        ).first()
        if answered is not None:
            return answered
    return _latest_inbound(message.ticket)


def _earlier_private_replies(ticket, answered, reply_kind, sending):
    """Private replies to the same comment that went out or may have (failed ones did not). At send
    time only those written before this one count, so that of two queued at once the first goes."""
    replies = Message.objects.filter(
        ticket=ticket, direction=Message.Direction.OUTBOUND, kind=reply_kind, in_reply_to=answered.external_id
    ).exclude(delivery_state=Delivery.FAILED)
    if sending is not None:
        replies = replies.filter(pk__lt=sending.pk)
    return replies.count()


# How many of the customer's earlier posts on the ticket are read to find one that summoned us.
EARLIER_POSTS_READ = 20


def _conversation_summoned(ticket, answered) -> bool | None:
    """Whether X lets us answer `answered` in public: it summoned us, or, as X also counts, its author
    did earlier in this conversation (a ticket holds one author's posts of one conversation)."""
    summoned = _summoned(ticket.account, [answered])
    if summoned is not False:
        return summoned
    earlier = ticket.messages.filter(direction=Message.Direction.INBOUND, kind=answered.kind)
    if answered.author_identity_id:
        earlier = earlier.filter(author_identity_id=answered.author_identity_id)
    posts = list(earlier.exclude(pk=answered.pk).order_by("-sent_at", "-id")[:EARLIER_POSTS_READ])
    return bool(posts) and _summoned(ticket.account, posts) is True


def _summoned(account, posts) -> bool | None:
    """Whether one of these X posts mentions our account or answers one of our posts (send_rules reads
    their payloads; our posts are ours to find, in one query for them all); None when a single post's
    saved payload cannot tell."""
    username = account.settings.get("username", "")
    readings = [
        x_post_summons(post.raw or {}, account_id=account.self_external_id, username=username)
        for post in posts
    ]
    if any(readings):
        return True
    answered_ids = set().union(
        *((x_replied_to_ids(post.raw or {}) | {post.in_reply_to}) for post in posts)
    ) - {""}
    ours = Message.objects.filter(
        account=account, direction=Message.Direction.OUTBOUND, external_id__in=answered_ids
    )
    if answered_ids and ours.exists():
        return True
    return readings[0] if len(posts) == 1 else False
