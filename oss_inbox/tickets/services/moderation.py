"""Moderation of customers' public comments, as recorded on the ticket (channels/moderation/ does the
platform's part first, and calls these only once the platform has answered).

Each records a `moderation` event on the ticket's timeline (who or which rule, hidden or shown, on
which platform, why) and keeps the same facts on the message (`context["moderation"]`), which the
conversation shows without reading the timeline: "Hidden on Facebook by Dana at 2:02 PM".
The ticket is locked first, then the message read again: two agents, or an agent and a rule, at once
record one change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from ..models import Message, TicketEvent
from .lifecycle import ReplyRefused, _change, _require_actor, lock, ticket_reply

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def message_set_hidden(
    *, message: Message, hidden: bool, actor: User | None, on: str, why: str = ""
) -> TicketEvent | None:
    """Record that an agent hid (or showed again) a customer's public comment on `on` ("Facebook"),
    which the platform has just done. None when it already was so (a colleague was quicker)."""
    _require_actor(actor)
    lock(message.ticket)
    if (_stored(message)["hidden_at"] is not None) == hidden:
        return None
    by = (actor.get_full_name() or actor.get_username()) if actor else "OSS Inbox"
    return _record(message, actor, {"hidden": hidden, "on": on, "by": by, "why": why})


@transaction.atomic
def message_hidden_by_rule(
    *, message: Message, rule: str, on: str, why: str, private_reply: str
) -> TicketEvent | None:
    """Record that moderation rule `rule` hid the comment on `on` (the platform has just done it) and
    queue the customer's private reply saying why, through the outbox as the composer's "reply
    privately" does (an X DM, a Messenger or Instagram private reply): automatic, so it stops no SLA
    clock. A private reply the channel's rules refuse is not sent, and the event says why. None when
    the comment was moderated already (by an agent, or this rule in an earlier run)."""
    lock(message.ticket)
    if _stored(message)["context"].get("moderation"):
        return None
    data = {"hidden": True, "on": on, "by": f"rule “{rule}”", "rule": rule, "why": why}
    if private_reply.strip():
        data.update(_private_reply(message, rule, private_reply))
    return _record(message, None, data)


@transaction.atomic
def message_moderation_failed(
    *, message: Message, rule: str, on: str, why: str, reason: str
) -> TicketEvent | None:
    """Record that rule `rule` matched the comment but the platform would not hide it (`reason`, in
    plain words): agents see it on the message and decide; no rule tries it again."""
    lock(message.ticket)
    if _stored(message)["context"].get("moderation"):
        return None
    return _record(
        message, None, {"on": on, "by": f"rule “{rule}”", "rule": rule, "why": why, "refused": reason}
    )


def _stored(message):
    return Message.objects.values("hidden_at", "context").get(pk=message.pk)


def _private_reply(message, rule, text):
    try:
        with transaction.atomic():
            reply = ticket_reply(
                ticket=message.ticket, author=None, text=text, private=True, automatic=True,
                context={"moderation": rule}, event_kind=TicketEvent.Kind.MODERATION,
            )  # fmt: skip
    except ReplyRefused as refused:
        return {"private_reply_refused": str(refused)}
    return {"private_reply": reply.pk}


def _record(message, actor, data):
    """The event on the message's ticket (locked by the caller), and the same facts on the message."""
    facts = {**data, "at": timezone.now().isoformat()}

    def moderate(ticket):
        fields = {"context": {**(_stored(message)["context"] or {}), "moderation": facts}}
        if "hidden" in data:
            fields["hidden_at"] = timezone.now() if data["hidden"] else None
        Message.objects.filter(pk=message.pk).update(**fields)
        for name, value in fields.items():
            setattr(message, name, value)
        return [(TicketEvent.Kind.MODERATION, {**facts, "message": message.pk})]

    return _change(message.ticket, moderate, actor=actor)[0]
