"""Replies and acknowledgements in the one outbox: what their delivery changes on the ticket.

The outbox (services/outbox.py) owns the delivery state; this registers tickets.Message with it and
keeps each ticket in step: a reply that failed for good no longer counts as an answer (its response
clocks run again), a reply sent again counts again, and each of these, an unknown send and one
found on the channel later, is on the ticket's timeline.
"""

from collections.abc import Callable
from dataclasses import replace

from channels.base import Sent

from ..models import Delivery, Message, TicketEvent
from .lifecycle import REPLY_OUTBOX, _change, _recount_replies
from .outbox import OUTBOXES, Outbox, outbox_register
from .reply_rules import reply_rules_apply


def _sent_fields(message, sent: Sent, now):
    """Our reply's id, once a poll may already have stored our post coming back (its echo) as a
    message of its own before we learnt the id: the echo goes, ours stays, the timeline says so."""
    echo = Message.objects.filter(
        account_id=message.account_id,
        external_id=sent.external_id,
        direction=Message.Direction.OUTBOUND,
        author_user__isnull=True,
    ).exclude(pk=message.pk)
    dropped = list(echo.values_list("pk", flat=True))
    if dropped:
        echo.delete()
        TicketEvent.objects.create(
            ticket_id=message.ticket_id,
            kind=TicketEvent.Kind.DELIVERY,
            data={"message": message.pk, "state": "sent", "echo_replaced": dropped},
        )
    return {"external_id": sent.external_id, "url": sent.url}


def _settled(message, state, sent):
    if state == Delivery.SENT or state == Delivery.QUEUED:
        return  # a reply was on the timeline when queued; a retry records itself (ticket_retry_reply)
    data = {"message": message.pk, "state": "sent" if state == "reconciled" else state}
    if sent is not None:
        data["external_id"] = sent.external_id

    def follow(ticket):
        if state == Delivery.FAILED:
            _recount_replies(ticket)  # the customer got nothing: the clocks run again
        return [(TicketEvent.Kind.DELIVERY, data)]

    _change(message.ticket, follow)


def reply_record_delivered(message_id: int, *, external_id: str) -> bool:
    """A queued reply that reached the customer outside the send path (an imported history)."""
    return bool(
        Message.objects.filter(pk=message_id, delivery_state=Delivery.QUEUED).update(
            delivery_state=Delivery.SENT,
            external_id=external_id,
        )
    )


def reply_outbox_connect(
    *, send: Callable[[Message], Sent], look_up: Callable[[Message], Sent | None]
) -> None:
    """The channels layer says how a reply is sent and looked up (channels.apps, when ready). The
    platforms' rules are checked again just before each send (reply_rules.reply_rules_apply)."""
    OUTBOXES[REPLY_OUTBOX] = replace(OUTBOXES[REPLY_OUTBOX], send=_within_the_rules(send), look_up=look_up)


def _within_the_rules(send):
    def send_within_the_rules(message):
        reply_rules_apply(message)  # a closed window fails it here, with the reason, never sent
        return send(message)

    return send_within_the_rules


outbox_register(
    Outbox(REPLY_OUTBOX, Message, settled=_settled, sent_fields=_sent_fields, related=("account", "ticket"))
)
