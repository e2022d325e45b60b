"""A stored webhook delivery read and ingested exactly as a poll would be, once.

`delivery_process(delivery_id)` (the process_webhook task):
1. Count the attempt in its own commit, only while the delivery is pending, so that a worker killed
   midway still counts towards WEBHOOK_MAX_ATTEMPTS.
2. In one transaction, lock the delivery and leave if another worker finished it meanwhile.
3. Split the body by the account it is for; each account's adapter reads its part (`read_webhook`)
   into the same Inbound items a poll makes, which `ingest` stores without moving the poll cursor:
   an item a poll (or an earlier delivery) stored already is a duplicate, dropped by the unique
   (account, external id).
4. Record what became of it: done (or ignored when it held no message), with items and outcome.
   A body the adapter refuses, or an error only an admin can fix, fails at once; anything else is
   left pending with its error for the sweeper, which retries it until WEBHOOK_MAX_ATTEMPTS.

`deliveries_sweep()` (beat, every 30 s) re-enqueues deliveries left pending (a worker killed, a task
lost with the broker), and gives up on one that has used up its attempts: failed, in words.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone

from channels.base import ChannelError
from channels.models import ChannelAccount, WebhookDelivery
from channels.reading import Reading, Refused
from channels.registry import adapter_for
from oss_inbox.tickets.services import IngestResult, ingest

from .targets import META_KINDS, by_target, json_body

log = logging.getLogger(__name__)

PENDING, DONE = WebhookDelivery.State.PENDING, WebhookDelivery.State.DONE
IGNORED, FAILED = WebhookDelivery.State.IGNORED, WebhookDelivery.State.FAILED
# A delivery pending this long after it arrived, or after its last attempt, is picked up again.
STUCK_AFTER = timedelta(minutes=1)


class CannotRead(Exception):
    """The delivery cannot be read, now or later: it fails with these words."""


def delivery_process(delivery_id: int) -> str | None:
    """Read and ingest one delivery; returns its new state, or None if it was not pending."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(pk=delivery_id, state=PENDING).update(
        attempts=F("attempts") + 1, processed_at=now
    )
    if not claimed:
        return None
    try:
        with transaction.atomic():
            delivery = (
                WebhookDelivery.objects.select_for_update().filter(pk=delivery_id, state=PENDING).first()
            )
            if delivery is None:
                return None
            state, items, outcome = _read_and_ingest(delivery)
            _record(delivery, state, items, outcome)
            return state
    except CannotRead as error:
        _record(WebhookDelivery.objects.get(pk=delivery_id), FAILED, 0, str(error))
        return FAILED
    except DatabaseError:
        raise  # the sweeper tries again; nothing was written
    except Exception as error:  # noqa: BLE001 - recorded in words; retried by the sweeper, within limits
        log.exception("Webhook delivery %s could not be read", delivery_id)
        return _attempt_failed(delivery_id, f"{type(error).__name__}: {error}")


def _read_and_ingest(delivery):
    """(state, items, outcome) of reading every account's part of the body."""
    payload = json_body(bytes(delivery.body))
    parts = by_target(payload)
    kind = "twitter" if delivery.platform == WebhookDelivery.Platform.X else META_KINDS[payload["object"]]
    accounts = ChannelAccount.objects.filter(kind=kind, self_external_id__in=parts.keys(), enabled=True)
    accounts = {account.self_external_id: account for account in accounts.order_by("pk")}
    items, said = 0, []
    for target, part in parts.items():
        account = accounts.get(target)
        if account is None:
            said.append(f"{target}: no account here reads it (unknown or switched off)")
            continue
        reading = _read(account, part)
        result = ingest(account, reading.items) if reading.items else IngestResult()
        items += len(reading.items)
        said.append(f"{account.name}: {_what_became(reading, result)}")
    state = DONE if items else IGNORED
    return state, items, "; ".join(said) or "No events in it for any account."


def _read(account, part) -> Reading:
    adapter = adapter_for(account)
    if not hasattr(adapter, "read_webhook"):
        raise CannotRead(f"{account.get_kind_display()} accounts cannot read webhooks yet.")
    try:
        return adapter.read_webhook(part)
    except Refused as error:
        raise CannotRead(f"{account.name} refused it: {error}") from None
    except ChannelError as error:
        if error.permanent:
            raise CannotRead(f"{account.name}: {error}") from None
        raise


def _what_became(reading, result):
    """ "2 stored, 1 already stored; left out: 1 × read receipts" in words."""
    if not reading.items:
        return f"nothing to store ({reading.why_nothing()})"
    parts = [f"{result.stored} stored"]
    if result.duplicates:
        parts.append(f"{result.duplicates} already stored")
    if result.set_aside:
        parts.append(f"{result.set_aside} set aside")
    if result.failed:
        parts.append(f"{result.failed} could not be stored ({'; '.join(result.errors[:3])})")
    said = ", ".join(parts)
    return f"{said}; left out: {reading.why_nothing()}" if reading.left_out else said


def _record(delivery, state, items, outcome):
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=state, items=items, outcome=outcome[:2000], processed_at=timezone.now()
    )


def _attempt_failed(delivery_id, error):
    """An attempt that failed for a reason that may pass: pending again with the error, or failed once
    the attempts are used up."""
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        _record(delivery, FAILED, 0, f"Gave up after {delivery.attempts} attempts; the last one: {error}")
        return FAILED
    WebhookDelivery.objects.filter(pk=delivery_id, state=PENDING).update(
        outcome=f"Attempt {delivery.attempts} failed ({error}); will try again."[:2000]
    )
    return PENDING


def deliveries_sweep(now=None) -> list[int]:
    """Ids of pending deliveries to read again: received over STUCK_AFTER ago and not attempted since.
    One whose attempts are used up (each one's worker stopped midway) fails here, with the reason."""
    now = now or timezone.now()
    stuck = WebhookDelivery.objects.filter(state=PENDING, received_at__lt=now - STUCK_AFTER).filter(
        Q(processed_at__isnull=True) | Q(processed_at__lt=now - STUCK_AFTER)
    )
    exhausted = stuck.filter(attempts__gte=settings.WEBHOOK_MAX_ATTEMPTS)
    for delivery in exhausted:
        last = delivery.outcome or "the worker stopped before it finished"
        _record(delivery, FAILED, 0, f"Gave up after {delivery.attempts} attempts; the last one: {last}")
    return list(stuck.filter(attempts__lt=settings.WEBHOOK_MAX_ATTEMPTS).values_list("pk", flat=True))
