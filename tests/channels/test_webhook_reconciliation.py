"""Polling as reconciliation (channels/webhooks/health.py): while an account's webhooks work, its
polls come every reconcile interval and count what the webhooks missed; when the webhooks stop
(silence while the platform shows activity, or bad signatures), polling returns to its normal pace
and the admins are told once; a good delivery afterwards makes them trusted again.

The real X client polls the fake X server (channels/sandbox), as in test_poll_faults.py; the clock is set.
"""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from channels.models import ChannelAccount, WebhookDelivery
from channels.polling import account_poll, accounts_due, admins_tell
from channels.tasks import dispatch_polls
from channels.webhooks.health import webhooks_check_signatures
from oss_inbox.staff.models import Notification
from oss_inbox.tickets.models import Message

from .. import factories
from .sandbox_accounts import x_account

START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
NORMAL, RECONCILE = timedelta(seconds=60), timedelta(seconds=300)


@pytest.fixture
def x(db, x_api, time_machine):
    """An X account whose webhooks delivered a minute ago, that has polled once (its cursor is set)."""
    time_machine.move_to(START, tick=False)
    account = x_account(x_api)
    ChannelAccount.objects.filter(pk=account.pk).update(
        webhooks_enabled=True, last_webhook_at=START - timedelta(minutes=1)
    )
    account_poll(account.pk, force=True)
    account.refresh_from_db()
    return account


def mention(x_api, n):
    return x_api.add_mention(str(7000 + n), f"customer{n}", f"Customer {n}", f"Lights out on block {n}")


def poll_at(account, time_machine, moment):
    time_machine.move_to(moment, tick=False)
    result = account_poll(account.pk, force=True)
    account.refresh_from_db()
    return result


def test_healthy_webhooks_stretch_polling_to_the_reconcile_interval(x):
    assert x.webhooks_unhealthy_since is None
    assert x.next_poll_at == START + RECONCILE


def test_a_poll_counts_what_webhooks_missed_but_not_what_is_still_in_flight(x, x_api, time_machine):
    missed = mention(x_api, 1)  # written at START: two minutes old when the poll finds it
    time_machine.move_to(START + timedelta(minutes=2), tick=False)
    in_flight = mention(x_api, 2)  # written just now: its webhook may still be on the way
    result = poll_at(x, time_machine, START + timedelta(minutes=2, seconds=5))

    assert result.stored == 2
    assert set(Message.objects.filter(account=x).values_list("external_id", flat=True)) == {missed, in_flight}
    assert x.missed_by_webhooks == 1 and x.last_missed_at == timezone.now()
    # A delivery three minutes ago is recent enough: the webhooks stay trusted, polls only reconcile.
    assert x.webhooks_unhealthy_since is None
    assert x.next_poll_at == timezone.now() + RECONCILE
    assert not Notification.objects.exists()


def test_silent_webhooks_while_the_platform_shows_activity_bring_back_normal_polling_and_tell_admins_once(
    x, x_api, time_machine, admin_user, agent, client
):
    mention(x_api, 1)
    poll_at(x, time_machine, START + timedelta(minutes=20))  # the last delivery was 21 minutes ago

    assert x.webhooks_unhealthy_since == timezone.now()
    assert x.next_poll_at == timezone.now() + NORMAL
    [notification] = Notification.objects.filter(recipient=admin_user)
    assert notification.text.startswith(
        "Webhooks of X @PrairieEGHelp (X (Twitter)) look stopped: no webhook delivery has come for 21 min, "
        "while polling found 1 new item. Polling is back to every 60 s"
    )
    assert not Notification.objects.filter(recipient=agent).exists()

    mention(x_api, 2)
    poll_at(x, time_machine, START + timedelta(minutes=21))
    assert x.next_poll_at == timezone.now() + NORMAL
    assert Notification.objects.count() == 1  # once, however long they stay stopped
    client.force_login(admin_user)
    page = client.get(reverse("channels:list")).content.decode()
    assert "Webhooks: stopped, polling at the normal pace, last delivery 22 min ago, 2 items missed" in page

    # A good delivery comes again: the next poll trusts the webhooks and stretches again.
    ChannelAccount.objects.filter(pk=x.pk).update(last_webhook_at=START + timedelta(minutes=21, seconds=30))
    poll_at(x, time_machine, START + timedelta(minutes=22))
    assert (x.webhooks_unhealthy_since, x.webhooks_reported_at) == (None, None)
    assert x.next_poll_at == timezone.now() + RECONCILE
    page = client.get(reverse("channels:list")).content.decode()
    assert "Webhooks: healthy, last delivery 30 s ago, 2 items missed (the last 60 s ago)" in page


def test_quiet_platform_and_quiet_webhooks_are_healthy(x, time_machine):
    poll_at(x, time_machine, START + timedelta(hours=3))  # nothing new anywhere: no sign of a gap
    assert x.webhooks_unhealthy_since is None
    assert x.next_poll_at == timezone.now() + RECONCILE


def test_bad_signatures_in_a_row_bring_back_normal_polling_at_once(x, time_machine, admin_user, settings):
    """The dispatcher (every 5 s) checks the signature count before it hands out the polls due."""
    settings.WEBHOOK_SIGNATURE_FAILURES = 3
    time_machine.move_to(START + timedelta(minutes=1), tick=False)
    ChannelAccount.objects.filter(pk=x.pk).update(webhook_signature_failures=2)
    dispatch_polls()
    x.refresh_from_db()
    assert x.webhooks_unhealthy_since is None and x.next_poll_at == START + RECONCILE

    ChannelAccount.objects.filter(pk=x.pk).update(webhook_signature_failures=3)
    assert webhooks_check_signatures(notify=admins_tell) == [x.pk]
    assert webhooks_check_signatures(notify=admins_tell) == []
    x.refresh_from_db()
    assert x.webhooks_unhealthy_since == timezone.now()
    assert x.next_poll_at == timezone.now() and x.pk in accounts_due()  # now, not at its next reconciliation
    [notification] = Notification.objects.filter(recipient=admin_user)
    assert "3 deliveries in a row had a bad signature" in notification.text

    poll_at(x, time_machine, START + timedelta(minutes=2))
    assert x.next_poll_at == timezone.now() + NORMAL


def test_accounts_without_webhooks_poll_at_their_interval_and_count_nothing(db, x_api, time_machine):
    time_machine.move_to(START, tick=False)
    account = x_account(x_api)
    account_poll(account.pk, force=True)
    mention(x_api, 1)
    poll_at(account, time_machine, START + timedelta(minutes=30))
    assert account.next_poll_at == timezone.now() + NORMAL
    assert (account.missed_by_webhooks, account.webhooks_unhealthy_since) == (0, None)


def test_nothing_is_counted_missed_while_deliveries_wait_to_be_read(x, x_api, time_machine):
    mention(x_api, 1)
    WebhookDelivery.objects.create(
        platform="x", account=x, body=b"{}", body_sha256="0" * 64, received_at=START
    )
    result = poll_at(x, time_machine, START + timedelta(minutes=2))
    assert result.stored == 1
    assert x.missed_by_webhooks == 0 and x.webhooks_unhealthy_since is None


def test_an_admin_switches_webhooks_on_and_sets_the_reconcile_pace_for_x_but_not_for_email(
    db, client, admin_user
):
    client.force_login(admin_user)
    account = x_account(SimpleNamespace(account_id="1500000000000000001", username="PrairieEGHelp", url=""))
    ChannelAccount.objects.filter(pk=account.pk).update(
        webhooks_unhealthy_since=START, webhooks_reported_at=START
    )
    form = {
        "name": account.name,
        "enabled": "on",
        "self_external_id": account.self_external_id,
        "poll_interval_seconds": "60",
        "setting_username": "PrairieEGHelp",
        "webhooks_enabled": "on",
        "reconcile_interval_seconds": "10",
    }
    page = client.post(reverse("channels:edit", args=[account.pk]), form).content.decode()
    assert "Poll at most every 15 seconds" in page
    assert client.post(
        reverse("channels:edit", args=[account.pk]), {**form, "reconcile_interval_seconds": "120"}
    )
    account.refresh_from_db()
    assert (account.webhooks_enabled, account.reconcile_interval_seconds) == (True, 120)
    assert (account.webhooks_unhealthy_since, account.webhooks_reported_at) == (None, None)  # judged afresh

    email = factories.account("email")
    page = client.get(reverse("channels:edit", args=[email.pk])).content.decode()
    assert (
        "Webhooks on" not in page
        and "Webhooks on" in client.get(reverse("channels:edit", args=[account.pk])).content.decode()
    )
