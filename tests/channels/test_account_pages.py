"""Admins add, edit and disable channel accounts in the app; secrets are never shown again."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from channels.models import ChannelAccount

pytestmark = pytest.mark.django_db

NEW_X = {
    "kind": "twitter",
    "name": "X @PrairieEGHelp",
    "enabled": "on",
    "self_external_id": "1500000000000000001",
    "poll_interval_seconds": "60",
    "setting_username": "PrairieEGHelp",
    "setting_api_base_url": "",
    "secret_consumer_key": "ck-123",
    "secret_consumer_secret": "cs-very-secret",
    "secret_access_token": "at-456",
    "secret_access_token_secret": "ats-very-secret",
    "secret_bearer_token": "",
}


def test_admin_adds_an_x_account_and_its_secrets_are_never_shown_again(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("channels:new"), NEW_X)
    assert response.status_code == 302
    account = ChannelAccount.objects.get(name="X @PrairieEGHelp")
    assert account.credentials["consumer_secret"] == "cs-very-secret"
    assert account.settings["username"] == "PrairieEGHelp"
    page = client.get(reverse("channels:edit", args=[account.pk])).content.decode()
    assert "very-secret" not in page and "Saved. Leave empty to keep it." in page


def test_saving_with_empty_secret_fields_keeps_the_saved_secrets(client, admin_user):
    client.force_login(admin_user)
    client.post(reverse("channels:new"), NEW_X)
    account = ChannelAccount.objects.get()
    edit = {**NEW_X, "name": "X main", "secret_consumer_secret": "", "secret_access_token": "at-new"}
    client.post(reverse("channels:edit", args=[account.pk]), edit)
    account.refresh_from_db()
    assert account.name == "X main"
    assert account.credentials["consumer_secret"] == "cs-very-secret" and account.credentials["access_token"] == "at-new"


def test_invalid_settings_are_refused_in_plain_words(client, admin_user):
    client.force_login(admin_user)
    form = {"kind": "email", "name": "Help mailbox", "self_external_id": "help@utility.example",
            "poll_interval_seconds": "5", "setting_imap_port": "imap", "setting_smtp_security": "tls-ish"}
    page = client.post(reverse("channels:new"), form).content.decode()
    assert "Poll at most every 15 seconds" in page
    assert "A port is a number from 1 to 65535." in page
    assert "Choose ssl, starttls or none." in page
    assert not ChannelAccount.objects.exists()


def test_admin_disables_and_enables_an_account(client, admin_user, twitter):
    client.force_login(admin_user)
    client.post(reverse("channels:toggle", args=[twitter.pk]))
    twitter.refresh_from_db()
    assert not twitter.enabled
    client.post(reverse("channels:toggle", args=[twitter.pk]))
    twitter.refresh_from_db()
    assert twitter.enabled


def test_health_is_listed_in_plain_words(client, admin_user, twitter):
    ChannelAccount.objects.filter(pk=twitter.pk).update(
        error_is_permanent=True, last_error="X says the account's credentials are invalid or revoked"
    )
    client.force_login(admin_user)
    page = client.get(reverse("channels:list")).content.decode()
    assert "Needs an admin" in page and "credentials are invalid or revoked" in page


def test_a_poll_seconds_ago_says_just_now_not_zero_minutes(client, admin_user, twitter):
    now = timezone.now()
    ChannelAccount.objects.filter(pk=twitter.pk).update(
        last_success_at=now - timedelta(seconds=10), next_poll_at=now + timedelta(seconds=20)
    )
    client.force_login(admin_user)
    page = client.get(reverse("channels:list")).content.decode()
    assert "just now" in page and "in under a minute" in page
    assert "0 minutes" not in page


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_only_admins_manage_channel_accounts(client, request, role, twitter):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("channels:list")).status_code == 403
    assert client.post(reverse("channels:toggle", args=[twitter.pk])).status_code == 403
