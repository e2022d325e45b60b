"""Delivering a reply: queued -> sending -> sent, with retries, and no blind repeat of a cut-off send.

A message in `sending` longer than SEND_STALE was cut off mid-flight (a worker killed): it may have
gone out, so it becomes `unknown` instead of being sent again. Our post coming back in a poll
reconciles it (tickets.services.ingest); otherwise an agent decides.
"""

import logging
from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone

from oss_inbox.tickets.models import Message
from oss_inbox.tickets.services.lifecycle import ticket_recount_replies

from .base import ChannelError, DeliveryUnknown
from .registry import adapter_for

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
SEND_STALE = timedelta(minutes=5)
FIRST_RETRY = timedelta(seconds=30)
OUTBOX = [Message.Delivery.QUEUED, Message.Delivery.SENDING, Message.Delivery.UNKNOWN]


def message_claim_for_sending(message_id, now=None):
    """queued -> sending, atomically: exactly one worker gets to send it."""
    now = now or timezone.now()
    claimed = (
        Message.objects.filter(pk=message_id, delivery_state=Message.Delivery.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(delivery_state=Message.Delivery.SENDING, sending_started_at=now, delivery_attempts=F("delivery_attempts") + 1)
    )
    return Message.objects.select_related("account", "ticket").get(pk=message_id) if claimed else None


def message_send(message_id):
    """Send one queued reply through its channel; returns the message's new state (or None if not ours)."""
    message = message_claim_for_sending(message_id)
    if message is None:
        return None
    try:
        sent = adapter_for(message.account).send(message)
    except DeliveryUnknown as error:
        return _settle(message, Message.Delivery.UNKNOWN, error=str(error))
    except ChannelError as error:
        if error.permanent or message.delivery_attempts >= MAX_ATTEMPTS:
            return _settle(message, Message.Delivery.FAILED, error=str(error))
        retry_at = error.retry_at or timezone.now() + FIRST_RETRY * 2 ** (message.delivery_attempts - 1)
        return _settle(message, Message.Delivery.QUEUED, error=str(error), next_attempt_at=retry_at)
    return _settle(message, Message.Delivery.SENT, external_id=sent.external_id, url=sent.url)


def _settle(message, state, **fields):
    if state == Message.Delivery.SENT:
        fields["delivery_error"] = ""
        _drop_echo_stored_first(message, fields["external_id"])
    else:
        log.warning("Reply %s is %s: %s", message.pk, state, fields.get("error"))
        fields["delivery_error"] = fields.pop("error")
    Message.objects.filter(pk=message.pk, delivery_state=Message.Delivery.SENDING).update(
        delivery_state=state, sending_started_at=None, **fields
    )
    if state == Message.Delivery.FAILED:
        ticket_recount_replies(message.ticket)  # the customer got nothing: the clocks run again
    return state


def _drop_echo_stored_first(message, external_id):
    """A poll may have stored our reply's echo before we learnt its id: keep ours, drop the copy."""
    Message.objects.filter(
        account_id=message.account_id, external_id=external_id, direction=Message.Direction.OUTBOUND,
        author_user__isnull=True,
    ).exclude(pk=message.pk).delete()


def message_retry(message):
    """An agent asks to send a failed (or unknown) reply again: it counts as an answer again."""
    Message.objects.filter(pk=message.pk, delivery_state__in=[Message.Delivery.FAILED, Message.Delivery.UNKNOWN]).update(
        delivery_state=Message.Delivery.QUEUED, next_attempt_at=None, delivery_error="", delivery_attempts=0
    )
    ticket_recount_replies(message.ticket)


def outbox_sweep(now=None):
    """Mark cut-off sends unknown; return the ids of queued replies due now (their task may be lost)."""
    now = now or timezone.now()
    Message.objects.filter(delivery_state=Message.Delivery.SENDING, sending_started_at__lt=now - SEND_STALE).update(
        delivery_state=Message.Delivery.UNKNOWN,
        sending_started_at=None,
        delivery_error="The send was interrupted; it may or may not have reached the customer.",
    )
    return list(
        Message.objects.filter(delivery_state=Message.Delivery.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .values_list("pk", flat=True)
    )
