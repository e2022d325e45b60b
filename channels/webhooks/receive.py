"""A platform's push, checked and committed before it is answered (docs/channels.md "Webhooks").

`delivery_receive` takes the raw bytes and the signature header of a POST and says what to answer:

1. A body over WEBHOOK_MAX_BYTES, or not a webhook of this platform: refused (413, 400), nothing stored.
2. The accounts it names: Meta's entry ids (Page or Instagram account ids) and X's user id, matched
   against the account's own id on the channel, of the kind its object says.
3. Its signature, with the named accounts' secrets (Meta: each one's app secret; X: the consumer
   secret): every named account must verify it. A bad or missing one is refused (403), nothing is
   stored, and each named account whose secret does not verify it counts one more signature failure
   (webhooks/health.py judges them). A body naming none of our accounts must verify with some secret
   we hold for the platform: a genuine push for a Page nobody connects here is recorded, a forged
   one is refused.
4. Freshness: a body whose newest event is older than WEBHOOK_MAX_AGE (Meta stops retrying after 36
   hours; an older body is a replay) or over WEBHOOK_CLOCK_SKEW in the future is refused (403).
5. One row per body (platform + SHA-256 of the bytes, unique): the same body again is stored once.
   The named accounts' last_webhook_at is set and their signature failures cleared; after commit a
   task reads the delivery (process.py). For a Page or account we do not have, or one switched off,
   the row is "ignored" with the reason, and no task.
"""

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from channels.models import ChannelAccount, WebhookDelivery
from channels.tasks import process_webhook

from . import signatures
from .targets import Targets, Unreadable, json_body, meta_targets, x_targets

log = logging.getLogger(__name__)

META = WebhookDelivery.Platform.META
X = WebhookDelivery.Platform.X
# The accounts each platform pushes for, and the secret that signs their deliveries.
KINDS = {META: ("facebook", "instagram"), X: ("twitter",)}
SECRET = {"facebook": "app_secret", "instagram": "app_secret", "twitter": "consumer_secret"}
CHECKS = {META: signatures.meta_signed, X: signatures.x_signed}
WHAT = {"facebook": "Page", "instagram": "Instagram account", "twitter": "X user"}


@dataclass(frozen=True)
class Answer:
    """What the receiver answers: its HTTP status and a sentence (logged, and the body of a refusal)."""

    status: int
    text: str
    delivery_id: int | None = None


def delivery_receive(platform: str, body: bytes, signature: str, now=None) -> Answer:
    """Check one POSTed body and commit it once; see the module's docstring for the steps."""
    now = now or timezone.now()
    if len(body) > settings.WEBHOOK_MAX_BYTES:
        return Answer(
            413, f"The body is {len(body):,} bytes; at most {settings.WEBHOOK_MAX_BYTES:,} are taken."
        )
    try:
        payload = json_body(body)
        targets = meta_targets(payload) if platform == META else x_targets(payload)
    except Unreadable as error:
        return Answer(400, str(error))
    accounts = named_accounts(targets)
    refusal = _signature_refusal(platform, body, signature, targets, accounts)
    if refusal:
        return refusal
    stale = staleness(targets, now)
    if stale:
        return Answer(403, stale)
    return _store(platform, body, targets, accounts, now)


def named_accounts(targets: Targets) -> list[ChannelAccount]:
    """Our accounts of the body's kind whose own id it names, in the order it names them."""
    found = ChannelAccount.objects.filter(kind=targets.kind, self_external_id__in=targets.ids)
    by_id = {account.self_external_id: account for account in found.order_by("pk")}
    return [by_id[target] for target in targets.ids if target in by_id]


def secret_of(account: ChannelAccount) -> str:
    if account.credentials_unreadable:
        return ""
    return str(account.credentials.get(SECRET[account.kind]) or "")


def _signature_refusal(platform, body, signature, targets, accounts):
    check = CHECKS[platform]
    if not signature:
        _count_failures(accounts)
        return Answer(403, "The delivery is not signed.")
    if not accounts:
        held = ChannelAccount.objects.filter(kind__in=KINDS[platform]).exclude(self_external_id="")
        if any(check(body, signature, secret_of(account)) for account in held):
            return None
        return Answer(403, f"The signature matches no secret held here (for {_named(targets)}).")
    failed = [account for account in accounts if not check(body, signature, secret_of(account))]
    if not failed:
        return None
    _count_failures(failed)
    unreadable = [account.name for account in failed if account.credentials_unreadable]
    if unreadable:
        return Answer(
            403, f"The saved secrets of {', '.join(unreadable)} cannot be read with this server's keys."
        )
    missing = [account.name for account in failed if not secret_of(account)]
    if missing:
        secret = "app secret" if platform == META else "API key secret"
        return Answer(
            403, f"No {secret} is saved for {', '.join(missing)}, so its deliveries cannot be checked."
        )
    return Answer(403, f"The signature does not match the secret of {', '.join(a.name for a in failed)}.")


def _count_failures(accounts):
    if accounts:
        ChannelAccount.objects.filter(pk__in=[account.pk for account in accounts]).update(
            webhook_signature_failures=F("webhook_signature_failures") + 1
        )
        log.warning("Webhook signature refused for %s", ", ".join(account.name for account in accounts))


def staleness(targets: Targets, now) -> str:
    """Why a signed body is too old or too far ahead to take, or "" (a body without times is taken)."""
    if targets.newest is None:
        return ""
    if targets.newest < now - settings.WEBHOOK_MAX_AGE:
        hours = settings.WEBHOOK_MAX_AGE / timedelta(hours=1)
        newest = f"{targets.newest:%Y-%m-%d %H:%M} UTC"
        return f"Its newest event is from {newest}, over {hours:g} hours ago: a replay."
    if targets.newest > now + settings.WEBHOOK_CLOCK_SKEW:
        return f"Its newest event is dated {targets.newest:%Y-%m-%d %H:%M} UTC, in the future."
    return ""


def _store(platform, body, targets, accounts, now):
    enabled = [account for account in accounts if account.enabled]
    outcome = _ignored_because(targets, accounts, enabled)
    with transaction.atomic():
        delivery, created = WebhookDelivery.objects.get_or_create(
            platform=platform,
            body_sha256=hashlib.sha256(body).hexdigest(),
            defaults={
                "account": (enabled or accounts or [None])[0],
                "target_id": ",".join(targets.ids)[:255],
                "body": body,
                "received_at": now,
                "state": WebhookDelivery.State.IGNORED if outcome else WebhookDelivery.State.PENDING,
                "processed_at": now if outcome else None,
                "outcome": outcome,
            },
        )
        if accounts:  # a push arrived, signed: the platform is reaching us for these accounts
            ChannelAccount.objects.filter(pk__in=[account.pk for account in accounts]).update(
                last_webhook_at=now, webhook_signature_failures=0
            )
        if created and delivery.state == WebhookDelivery.State.PENDING:
            transaction.on_commit(partial(process_webhook.delay, delivery.pk))
    if not created:
        return Answer(200, f"Already received (delivery {delivery.pk}): stored once.", delivery.pk)
    return Answer(200, outcome or f"Received (delivery {delivery.pk}).", delivery.pk)


def _ignored_because(targets, accounts, enabled):
    """Why a delivery is recorded but not read, or "" when an account of ours will read it."""
    if enabled:
        return ""
    if accounts:
        return f"For {', '.join(a.name for a in accounts)}, switched off here: not read."
    return f"For {_named(targets)}, which no account here connects: not read."


def _named(targets):
    what = WHAT.get(targets.kind, "account")
    if not targets.ids:
        return f"no {what}"
    return (
        f"{what} {', '.join(targets.ids)}" if len(targets.ids) == 1 else f"{what}s {', '.join(targets.ids)}"
    )
