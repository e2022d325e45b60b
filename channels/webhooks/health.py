"""Are an account's webhooks working? Judged where the evidence is: at each poll, and every few
seconds for bad signatures (docs/channels.md, "Reconciliation").

While an account's webhooks are healthy its polls only reconcile: they come every
`reconcile_interval_seconds` instead of `poll_interval_seconds`, and what they store that no webhook
brought is counted (`missed_by_webhooks`, `last_missed_at`): the channel's gap.

Unhealthy when WEBHOOK_SIGNATURE_FAILURES deliveries in a row had a bad signature (the receiver
counts them), or when a poll finds items a webhook should have brought (older than IN_FLIGHT) and no
delivery came for WEBHOOK_SILENCE: the platform shows activity that its webhooks did not bring.
Then `webhooks_unhealthy_since` is set, the next poll comes at the normal pace, and the admins are
told once (`webhooks_reported_at`).
A good delivery after that (the receiver writes `last_webhook_at` and clears the signature count)
makes the account healthy again at its next poll.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from oss_inbox.tickets.models import Message

from ..models import ChannelAccount, WebhookDelivery

log = logging.getLogger(__name__)

# An item younger than this when a poll finds it may still be on its way by webhook (platforms push
# within seconds; the receiver answers at once, a worker reads it a moment later): a poll that stores
# it first has not found a gap. Nor has one that stores items while deliveries wait to be read.
IN_FLIGHT = timedelta(seconds=15)


def webhooks_trusted(account) -> bool:
    """True while the platform's pushes carry this account and polls only reconcile."""
    return account.webhooks_enabled and account.webhooks_unhealthy_since is None


def poll_interval(account) -> timedelta:
    """How long until the next poll of an account that polled well."""
    seconds = (
        account.reconcile_interval_seconds if webhooks_trusted(account) else account.poll_interval_seconds
    )
    return timedelta(seconds=seconds)


def items_webhooks_owed(account, items, now=None) -> int:
    """How many of a poll's items a webhook should already have brought: not stored yet, and old
    enough not to be in flight. Asked before the items are ingested (two queries)."""
    if not account.webhooks_enabled:
        return 0
    now = now or timezone.now()
    if WebhookDelivery.objects.filter(account=account, state=WebhookDelivery.State.PENDING).exists():
        return 0  # deliveries wait to be read (a busy worker): what they hold cannot be told from a gap
    settled = [item for item in items if getattr(item, "sent_at", None) and item.sent_at <= now - IN_FLIGHT]
    if not settled:
        return 0
    ids = {item.external_id for item in settled}
    stored = set(
        Message.objects.filter(account=account, external_id__in=ids).values_list("external_id", flat=True)
    )
    return len(ids - stored)


def webhooks_judge(account, *, missed: int, now=None, notify) -> None:
    """After a successful poll: count its gap, and judge the webhooks by it.

    `missed`: how many of the items the poll stored a webhook owed us (items_webhooks_owed).
    `notify(account, text)` tells the admins.
    """
    if not account.webhooks_enabled:
        return
    now = now or timezone.now()
    if missed:
        ChannelAccount.objects.filter(pk=account.pk).update(
            missed_by_webhooks=F("missed_by_webhooks") + missed, last_missed_at=now
        )
        log.info("A poll of %s found %d item(s) its webhooks did not bring", account, missed)
    if account.webhooks_unhealthy_since is not None:
        _recover_if_delivering(account, now)
        return
    # The platform shows activity: items a webhook owed us (not ones that may still be in flight, which
    # a poll can store a moment before their delivery, e.g. just after the webhooks were switched on).
    silent_for = now - account.last_webhook_at if account.last_webhook_at else None
    if missed and (silent_for is None or silent_for >= settings.WEBHOOK_SILENCE):
        quiet = f"for {_minutes(silent_for)}" if silent_for else "yet"
        webhooks_unhealthy(
            account,
            f"no webhook delivery has come {quiet}, while polling found {missed} new "
            f"item{'s' if missed != 1 else ''}",
            now=now,
            notify=notify,
        )


def _recover_if_delivering(account, now):
    fresh = account.last_webhook_at and account.last_webhook_at > account.webhooks_unhealthy_since
    if fresh and account.webhook_signature_failures < settings.WEBHOOK_SIGNATURE_FAILURES:
        recovered = ChannelAccount.objects.filter(
            pk=account.pk, webhooks_unhealthy_since=account.webhooks_unhealthy_since
        ).update(webhooks_unhealthy_since=None, webhooks_reported_at=None)
        if recovered:
            account.webhooks_unhealthy_since = None
            log.warning("Webhooks of %s deliver again; polls only reconcile from now", account)


def webhooks_unhealthy(account, reason, *, now=None, notify) -> bool:
    """Mark the account's webhooks stopped: poll at the normal pace from now on, and tell the admins
    once. False if they were already marked."""
    now = now or timezone.now()
    marked = ChannelAccount.objects.filter(pk=account.pk, webhooks_unhealthy_since__isnull=True).update(
        webhooks_unhealthy_since=now
    )
    if not marked:
        return False
    account.webhooks_unhealthy_since = now
    log.warning("Webhooks of %s look stopped: %s", account, reason)
    first = ChannelAccount.objects.filter(pk=account.pk, webhooks_reported_at__isnull=True).update(
        webhooks_reported_at=now
    )
    if first:
        every = account.poll_interval_seconds
        notify(
            account,
            f"Webhooks of {account} look stopped: {reason}. Polling is back to every {every} s "
            "until deliveries come again; check the webhook subscription and the app secret.",
        )
    return True


def webhooks_check_signatures(*, now=None, notify) -> list[int]:
    """Every few seconds (the poll dispatcher): accounts whose webhooks keep failing their signature
    check become unhealthy and are polled now, rather than at their next reconciliation."""
    now = now or timezone.now()
    failing = ChannelAccount.objects.filter(
        enabled=True,
        webhooks_enabled=True,
        webhooks_unhealthy_since__isnull=True,
        webhook_signature_failures__gte=settings.WEBHOOK_SIGNATURE_FAILURES,
    )
    marked = []
    for account in failing:
        reason = f"{account.webhook_signature_failures} deliveries in a row had a bad signature"
        if webhooks_unhealthy(account, reason, now=now, notify=notify):
            ChannelAccount.objects.filter(pk=account.pk, next_poll_at__gt=now).update(next_poll_at=now)
            marked.append(account.pk)
    return marked


def webhooks_summary(account, now=None) -> str:
    """One line for the channel list's health cell, e.g. "Webhooks: healthy, last delivery 2 min
    ago, 3 items missed (the last 1 h ago)"."""
    if not account.webhooks_enabled:
        return ""
    now = now or timezone.now()
    state = "healthy" if account.webhooks_unhealthy_since is None else "stopped, polling at the normal pace"
    last = (
        f"last delivery {_minutes(now - account.last_webhook_at)} ago"
        if account.last_webhook_at
        else "no delivery yet"
    )
    words = f"Webhooks: {state}, {last}"
    if account.missed_by_webhooks:
        n = account.missed_by_webhooks
        words += f", {n} item{'s' if n != 1 else ''} missed"
        if account.last_missed_at:
            words += f" (the last {_minutes(now - account.last_missed_at)} ago)"
    return words


def _minutes(span):
    seconds = max(0, int(span.total_seconds()))
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)} h"
    return f"{round(seconds / 86400)} days"
