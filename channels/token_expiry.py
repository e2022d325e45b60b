"""Telling the admins before an account's access token expires, and when it has.

A beat task (channels.tasks.alert_token_expiry, hourly) runs token_expiry_alert. Each token is told
about at most twice: once when it enters its last TOKEN_EXPIRY_WARNING (a week), once when it has
expired. token_expiry_reported_at records the last telling; a telling made before the current stage
began (before the warning window, or before the expiry) belongs to an earlier stage or an earlier
token, so a new token with a later date is told about again in its own time, without anyone
clearing the mark. The mark is set by a conditional UPDATE first: two beats at once tell once.
"""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from oss_inbox.staff.notifications import notification_send

from .models import ChannelAccount
from .polling import channel_admins


def token_expiry_alert(now: datetime | None = None) -> int:
    """Tell the admins about each enabled account whose token is in its last week or has expired,
    once per stage; returns how many accounts were told about."""
    now = now or timezone.now()
    due = ChannelAccount.objects.filter(
        enabled=True,
        token_expires_at__isnull=False,
        token_expires_at__lte=now + settings.TOKEN_EXPIRY_WARNING,
    )
    told = 0
    for account in due:
        with transaction.atomic():  # the mark and the notification together, or neither
            if _mark_told(account, now):
                _tell(account, now)
                told += 1
    return told


def account_token_expiry_learned(account, expiry) -> str:
    """Record when the token expires as the channel said during Test connection (a TokenExpiry, or
    None if it did not say); a changed date is another token, told about afresh. Returns the words
    to add to the test's outcome, or none."""
    if expiry is None:
        return ""
    if expiry.expires_at != account.token_expires_at:
        ChannelAccount.objects.filter(pk=account.pk).update(
            token_expires_at=expiry.expires_at, token_expiry_reported_at=None
        )
    if expiry.expires_at is None:
        return "Its access token does not expire."
    expires = timezone.localtime(expiry.expires_at)
    return f"Its access token expires on {expires:%b} {expires.day}, {expires:%Y}."


def stage_start(expires_at: datetime, now: datetime) -> datetime:
    """When the token's current stage began: its expiry once past, else the start of its last week."""
    return expires_at if now >= expires_at else expires_at - settings.TOKEN_EXPIRY_WARNING


def _mark_told(account, now):
    """Claim the telling: only if nobody has told about this stage of this token yet."""
    began = stage_start(account.token_expires_at, now)
    untold = Q(token_expiry_reported_at__isnull=True) | Q(token_expiry_reported_at__lt=began)
    same_token = ChannelAccount.objects.filter(pk=account.pk, token_expires_at=account.token_expires_at)
    return same_token.filter(untold).update(token_expiry_reported_at=now) == 1


def _tell(account, now):
    expires = timezone.localtime(account.token_expires_at)
    when = f"{expires:%b} {expires.day}, {expires:%Y} at {expires:%H:%M} ({expires:%Z})"
    if now >= account.token_expires_at:
        text = (
            f"{account}: its access token expired on {when}. Polling and replies fail until an admin "
            "reconnects the account and enters the new token's expiry date."
        )
    else:
        days = max((account.token_expires_at - now).days, 0)
        left = f"{days} day{'s' if days != 1 else ''}" if days else "less than a day"
        text = (
            f"{account}: its access token expires in {left}, on {when}. Reconnect the account before then "
            "and enter the new token's expiry date, or polling and replies will stop."
        )
    console = reverse("channels:console")
    link = settings.SITE_URL.rstrip("/") + console
    notification_send(
        recipients=channel_admins(),
        ticket=None,
        event=None,
        text=text,
        body=f"{text}\n\n{link}\n",
        url=console,
    )
