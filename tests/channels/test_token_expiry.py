"""Admins are told once a week before an account's access token expires, and once when it has
(channels/token_expiry.py, the hourly beat task channels.tasks.alert_token_expiry)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from channels.models import ChannelAccount
from channels.tasks import alert_token_expiry
from channels.token_expiry import token_expiry_alert
from oss_inbox.staff.models import Notification
from tests import factories

from .sandbox_accounts import facebook_page, x_account

pytestmark = pytest.mark.django_db

EXPIRES = datetime(2026, 12, 20, 15, 0, tzinfo=UTC)


@pytest.fixture
def page(admin_user):
    return factories.account("facebook", name="Prairie Page", token_expires_at=EXPIRES)


def told(admin_user):
    return list(
        Notification.objects.filter(recipient=admin_user).order_by("pk").values_list("text", flat=True)
    )


def test_the_admins_are_told_once_a_week_before_and_not_twice(page, admin_user, agent):
    assert token_expiry_alert(now=EXPIRES - timedelta(days=8)) == 0  # not yet
    assert token_expiry_alert(now=EXPIRES - timedelta(days=6, hours=23)) == 1
    [text] = told(admin_user)
    assert text.startswith("Prairie Page (Facebook): its access token expires in 6 days, on Dec 20, 2026")
    assert "Reconnect the account before then" in text
    assert token_expiry_alert(now=EXPIRES - timedelta(days=6)) == 0
    assert token_expiry_alert(now=EXPIRES - timedelta(hours=1)) == 0
    assert len(told(admin_user)) == 1
    assert not Notification.objects.filter(recipient=agent).exists()  # admins only
    notification = Notification.objects.get(recipient=admin_user)
    assert notification.url == reverse("channels:console")


def test_and_once_more_when_it_has_expired(page, admin_user):
    token_expiry_alert(now=EXPIRES - timedelta(days=3))
    assert token_expiry_alert(now=EXPIRES + timedelta(minutes=5)) == 1
    assert token_expiry_alert(now=EXPIRES + timedelta(days=1)) == 0
    assert "its access token expired on Dec 20, 2026" in told(admin_user)[-1]
    assert len(told(admin_user)) == 2


def test_a_new_token_entered_in_the_form_is_told_about_again_in_its_own_time(client, page, admin_user):
    token_expiry_alert(now=EXPIRES - timedelta(days=2))
    client.force_login(admin_user)
    form = client.get(reverse("channels:edit", args=[page.pk])).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"kind": "facebook", "token_expires_at": "2027-02-18", "coverage_schedule": ""})
    data.update({f"setting_{name}": field.initial or "" for name, field in _settings(form)})
    response = client.post(reverse("channels:edit", args=[page.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    page.refresh_from_db()
    assert page.token_expires_at.date() == datetime(2027, 2, 18).date()
    assert page.token_expiry_reported_at is None
    assert token_expiry_alert(now=EXPIRES) == 0  # the old date is gone
    assert token_expiry_alert(now=page.token_expires_at - timedelta(days=6)) == 1


def test_a_disabled_account_or_one_without_a_date_is_left_alone(admin_user):
    factories.account("twitter", enabled=False, token_expires_at=EXPIRES)
    factories.account("facebook")
    assert token_expiry_alert(now=EXPIRES + timedelta(days=1)) == 0


def test_the_beat_task_runs_it(page, admin_user, time_machine):
    time_machine.move_to(EXPIRES - timedelta(days=1), tick=False)
    alert_token_expiry()
    assert len(told(admin_user)) == 1
    assert ChannelAccount.objects.get(pk=page.pk).token_expiry_reported_at == EXPIRES - timedelta(days=1)


def _settings(form):
    return [
        (name.removeprefix("setting_"), field)
        for name, field in form.fields.items()
        if name.startswith("setting_")
    ]


# Test connection learns the date from the channel (Meta's debug_token)


def test_test_connection_records_when_the_page_token_expires(client, admin_user, graph):
    page = facebook_page(graph, timeout_seconds=2)
    ChannelAccount.objects.filter(pk=page.pk).update(token_expiry_reported_at=EXPIRES - timedelta(days=7))
    graph.token_expires_at = int(EXPIRES.timestamp())
    graph.data_access_expires_at = int((EXPIRES + timedelta(days=30)).timestamp())  # later: not the end
    client.force_login(admin_user)
    response = client.post(reverse("channels:check", args=[page.pk]), follow=True)
    page.refresh_from_db()
    assert page.token_expires_at == EXPIRES
    assert page.token_expiry_reported_at is None  # another token: told about afresh
    assert "Its access token expires on Dec 20, 2026." in response.content.decode()


def test_a_token_that_never_expires_clears_the_date(client, admin_user, graph):
    page = facebook_page(graph, timeout_seconds=2)
    ChannelAccount.objects.filter(pk=page.pk).update(token_expires_at=EXPIRES)
    client.force_login(admin_user)
    response = client.post(reverse("channels:check", args=[page.pk]), follow=True)
    page.refresh_from_db()
    assert page.token_expires_at is None
    assert "Its access token does not expire." in response.content.decode()


def test_a_channel_that_cannot_say_leaves_the_date_as_it_is(client, admin_user, x_api):
    account = x_account(x_api)
    ChannelAccount.objects.filter(pk=account.pk).update(token_expires_at=EXPIRES)
    client.force_login(admin_user)
    client.post(reverse("channels:check", args=[account.pk]))
    account.refresh_from_db()
    assert account.token_expires_at == EXPIRES
