"""The one outbox: everything that leaves the building, one state machine.

queued -> sending -> sent | failed | unknown, for every `Outgoing` model: replies and
acknowledgements (tickets.Message), key-account letters (keyaccounts.AccountMail), later storm
updates. Each kind is a registered `Outbox`: its model, and how to send and look one up, given by the layer
that knows the channel (channels for replies, keyaccounts for letters) when its app is ready, so
this layer imports nothing above it. One task sends any of them (tickets.tasks.deliver).

- Exactly one worker sends: a conditional UPDATE claims the row (queued -> sending).
- A temporary error puts it back in the queue with backoff; a permanent one, or the last attempt,
  fails it with the reason.
- Recording `sent` is retried through a database outage (OUTAGE_RETRIES): the channel's id is
  not lost because PostgreSQL was restarting just after the channel said yes.
- A send cut off after the request left becomes `unknown`, never repeated blindly: it is looked up
  on the channel (reconciled). Found, it becomes sent with the channel's id; not found, the agent
  is told so and may retry.
- The sweeper (beat) finds what a lost task left: sends stuck in `sending` become unknown, due
  queued ones are sent again, unknown ones not yet looked up are looked up.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import current_app
from django.db import InterfaceError, OperationalError, close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from channels.base import ChannelError, DeliveryUnknown, Sent

from ..models import Delivery, Outgoing

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
SEND_STALE = timedelta(minutes=5)
FIRST_RETRY = timedelta(seconds=30)
# Seconds between tries of a write after the channel answered: about two minutes in all, longer
# than PostgreSQL takes to restart, shorter than the send task's time limit (channels.tasks).
OUTAGE_RETRIES = (1, 2, 4, 8, 15, 30, 30, 30)
# An unknown send whose lookup failed (the channel was down) is looked up again after this.
RECHECK_AFTER = timedelta(minutes=2)
DELIVER_TASK = "oss_inbox.tickets.tasks.deliver"
CUT_OFF = "The send was interrupted; it may or may not have reached the customer."


@dataclass(frozen=True)
class Outbox:
    """One kind of outgoing thing. `send(item) -> Sent` raises ChannelError / DeliveryUnknown;
    `look_up(item) -> Sent | None` asks the channel whether an unknown send arrived (raises
    ChannelError when it cannot tell); `sent_fields(item, sent, now)` gives the fields recorded with
    `sent` (the channel's id), inside the transaction and before them, so it may clear the way;
    `settled(item, state, sent)` is told each settlement after it, in the same transaction (a reply's
    ticket follows its delivery; state "reconciled" for an unknown send found on the channel)."""

    name: str
    model: type[Outgoing]
    send: Callable[[Outgoing], Sent] | None = None
    look_up: Callable[[Outgoing], Sent | None] | None = None
    settled: Callable[[Outgoing, str, Sent | None], None] | None = None
    sent_fields: Callable[[Outgoing, Sent, datetime], dict] = lambda item, sent, now: {}
    # What the sender reads of each item, fetched with it (a reply's account and ticket).
    related: tuple[str, ...] = ()


OUTBOXES: dict[str, Outbox] = {}


def outbox_register(outbox: Outbox) -> None:
    """Called by the app that knows how to send the kind (AppConfig.ready)."""
    OUTBOXES[outbox.name] = outbox


def outbox_enqueue(name: str, item_id: int) -> None:
    """Ask a worker to send it once the caller's transaction commits (the sweeper would anyway)."""
    # By name (the task module imports this one); the registered task, so that eager mode runs it.
    transaction.on_commit(lambda: current_app.tasks[DELIVER_TASK].delay(name, item_id))


def outbox_deliver(name: str, item_id: int, now: datetime | None = None) -> str | None:
    """Send one queued item through its channel; returns its new state (None if another worker has it)."""
    outbox, now = OUTBOXES[name], now or timezone.now()
    item = outbox_claim(name, item_id, now)
    if item is None:
        return None
    try:
        sent = outbox.send(item)
    except DeliveryUnknown as error:
        return _settle(outbox, item, Delivery.UNKNOWN, now, error=str(error))
    except ChannelError as error:
        if error.permanent or item.delivery_attempts >= MAX_ATTEMPTS:
            return _settle(outbox, item, Delivery.FAILED, now, error=str(error))
        retry_at = error.retry_at or now + FIRST_RETRY * 2 ** (item.delivery_attempts - 1)
        return _settle(outbox, item, Delivery.QUEUED, now, error=str(error), next_attempt_at=retry_at)
    return _settle(outbox, item, Delivery.SENT, now, sent=sent)


def outbox_claim(name: str, item_id: int, now: datetime | None = None) -> Outgoing | None:
    """queued -> sending, atomically: exactly one worker gets to send it (None for the others)."""
    outbox, now = OUTBOXES[name], now or timezone.now()
    claimed = (
        outbox.model.objects.filter(pk=item_id, delivery_state=Delivery.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(
            delivery_state=Delivery.SENDING,
            sending_started_at=now,
            delivery_attempts=F("delivery_attempts") + 1,
        )
    )
    return outbox.model.objects.select_related(*outbox.related).get(pk=item_id) if claimed else None


def _settle(outbox, item, state, now, *, sent=None, error="", next_attempt_at=None):
    """Record what the channel said. Only a row still `sending` is changed (a sweep that meanwhile
    called it unknown keeps the final word until reconciled), and the write outlives an outage."""
    if state != Delivery.SENT:
        log.warning("%s %s is %s: %s", outbox.name, item.pk, state, error)
    elif sent is not None:
        log.info("%s %s sent as %s", outbox.name, item.pk, sent.external_id)

    def write():
        fields = {
            "delivery_state": state,
            # An unknown send keeps when it started: its lookup searches the channel from then on.
            "sending_started_at": now if state == Delivery.UNKNOWN else None,
            "delivery_error": error,
            "next_attempt_at": next_attempt_at,
        }
        with transaction.atomic():
            if sent is not None:
                fields.update(outbox.sent_fields(item, sent, now))
            changed = outbox.model.objects.filter(pk=item.pk, delivery_state=Delivery.SENDING).update(
                **fields
            )
            if changed and outbox.settled:
                outbox.settled(item, state, sent)
        return changed

    _outliving_an_outage(
        write, what=f"{outbox.name} {item.pk} {state}" + (f" as {sent.external_id}" if sent else "")
    )
    return state


def _outliving_an_outage(write, *, what):
    """Run `write` (its own transaction), trying again while the database cannot be reached."""
    for pause in (*OUTAGE_RETRIES, None):
        try:
            return write()
        except (OperationalError, InterfaceError) as error:
            if pause is None or connection.in_atomic_block:
                log.error("Could not record %s: %s", what, error)
                raise
            log.warning("Could not record %s (%s); trying again in %d s", what, error, pause)
            connection.close()  # the next query opens a fresh connection
            time.sleep(pause)
            close_old_connections()
    return None


def outbox_reconcile(name: str, item_id: int, now: datetime | None = None) -> str | None:
    """Look an unknown send up on its channel. Found: sent, with the channel's id. Not found: still
    unknown, with what was checked, so the agent can retry. The lookup failing: tried again later."""
    outbox = OUTBOXES[name]
    now = now or timezone.now()
    unknown = outbox.model.objects.select_related(*outbox.related)
    item = unknown.filter(pk=item_id, delivery_state=Delivery.UNKNOWN).first()
    if item is None or outbox.look_up is None:
        return None
    try:
        found = outbox.look_up(item)
    except ChannelError as error:
        if error.permanent:  # it can never be looked up: the agent decides, and may retry
            words = (
                f"{CUT_OFF} It cannot be looked up ({error}); ask the customer, or Retry to send it again."
            )
            return _record_check(outbox, item, now, words, checked=True)
        words = f"{CUT_OFF} We could not check the channel ({error}); we will look again."
        return _record_check(outbox, item, now, words, checked=False)
    if found is None:
        words = (
            f"{CUT_OFF} We looked on the channel at {timezone.localtime(now):%H:%M} and it is not there: "
            "Retry sends it."
        )
        return _record_check(outbox, item, now, words, checked=True)

    def write():
        with transaction.atomic():
            fields = {
                "delivery_state": Delivery.SENT,
                "delivery_error": "",
                "delivery_checked_at": now,
                **outbox.sent_fields(item, found, now),
            }
            changed = outbox.model.objects.filter(pk=item.pk, delivery_state=Delivery.UNKNOWN).update(
                **fields
            )
            if changed and outbox.settled:
                outbox.settled(item, "reconciled", found)

    _outliving_an_outage(write, what=f"{name} {item.pk} found as {found.external_id}")
    return Delivery.SENT


def _record_check(outbox, item, now, words, *, checked):
    outbox.model.objects.filter(pk=item.pk, delivery_state=Delivery.UNKNOWN).update(
        delivery_error=words,
        delivery_checked_at=now if checked else None,
        next_attempt_at=None if checked else now + RECHECK_AFTER,
    )
    return Delivery.UNKNOWN


def outbox_retry(name: str, item: Outgoing) -> bool:
    """Send a failed (or looked-up, not found) unknown item again; False when it is not retryable.

    An unknown send not yet looked up is not retried: it might be there (reconcile first)."""
    outbox = OUTBOXES[name]
    retryable = Q(delivery_state=Delivery.FAILED) | Q(
        delivery_state=Delivery.UNKNOWN, delivery_checked_at__isnull=False
    )
    with transaction.atomic():
        changed = outbox.model.objects.filter(retryable, pk=item.pk).update(
            delivery_state=Delivery.QUEUED,
            next_attempt_at=None,
            delivery_error="",
            delivery_attempts=0,
            delivery_checked_at=None,
        )
        if changed:
            outbox_enqueue(name, item.pk)
    return bool(changed)


def outbox_sweep(now: datetime | None = None) -> dict[str, list[int]]:
    """Beat: sends cut off become unknown; returns, per outbox, the due ids to send and to look up.

    The broker is not the source of truth: a task lost with a restarted Redis is found here."""
    now = now or timezone.now()
    due = {}
    for name, outbox in OUTBOXES.items():
        objects = outbox.model.objects
        stale = list(
            objects.filter(
                delivery_state=Delivery.SENDING, sending_started_at__lt=now - SEND_STALE
            ).values_list("pk", flat=True)
        )
        if stale:
            objects.filter(pk__in=stale, delivery_state=Delivery.SENDING).update(
                delivery_state=Delivery.UNKNOWN,
                delivery_error=CUT_OFF,
                delivery_checked_at=None,
                next_attempt_at=None,
            )
        send = objects.filter(delivery_state=Delivery.QUEUED).filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
        )
        look_up = objects.filter(delivery_state=Delivery.UNKNOWN, delivery_checked_at__isnull=True).filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
        )
        due[name] = {
            "send": list(send.values_list("pk", flat=True)),
            "look_up": list(look_up.values_list("pk", flat=True)) if outbox.look_up else [],
        }
    return due
