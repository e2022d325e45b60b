"""Channel credentials this server's keys cannot decrypt never break a page (issue 13, item 5).

Rows saved under another key (the demo and bench/generate.py encrypt with the development
SECRET_KEY; a real deployment then serves them with its own): every page that loads the account
answers, the channel says to re-enter its secrets, polling stops until they are, and re-entering
them in the channel's form fixes it.
"""

import pytest
from cryptography.fernet import Fernet
from django.urls import reverse
from django.utils import timezone

from channels.models import ChannelAccount
from channels.polling import account_poll, accounts_due
from channels.sending import message_send
from oss_inbox.tickets.models import Message
from oss_inbox.tickets.services import ticket_reply
from tests.inbox.conftest import open_ticket

pytestmark = pytest.mark.django_db

SAYS = "cannot be read with this server&#x27;s keys"
X_FORM = {
    "kind": "twitter", "name": "X help", "enabled": "on", "self_external_id": "1500000000000000001",
    "poll_interval_seconds": "60", "setting_username": "PrairieEGHelp", "setting_api_base_url": "",
    "secret_consumer_key": "", "secret_consumer_secret": "", "secret_access_token": "", "secret_access_token_secret": "",
    "secret_bearer_token": "",
}  # fmt: skip


@pytest.fixture
def unreadable(settings, twitter):
    """The X account and a ticket on it, its credentials saved under a key this server no longer holds."""
    ChannelAccount.objects.filter(pk=twitter.pk).update(name="X help")
    twitter.refresh_from_db()
    twitter.credentials = {"consumer_key": "ck", "consumer_secret": "cs", "access_token": "at", "access_token_secret": "ats"}
    twitter.save()
    ticket = open_ticket(twitter)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    return ChannelAccount.objects.get(pk=twitter.pk), ticket


def test_the_ticket_page_answers_and_says_replies_cannot_be_sent(client, agent, unreadable):
    account, ticket = unreadable
    client.force_login(agent)
    for url in (reverse("inbox:queue"), reverse("inbox:ticket", args=[ticket.pk])):
        assert client.get(url).status_code == 200
    page = client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert "Replies on X help cannot be sent: its saved credentials cannot be read with this server's keys" in page


def test_the_channel_pages_say_to_re_enter_the_credentials(client, admin_user, unreadable):
    account, _ = unreadable
    client.force_login(admin_user)
    for url in (reverse("channels:list"), reverse("channels:edit", args=[account.pk])):
        response = client.get(url)
        assert response.status_code == 200
        assert f"Its saved credentials {SAYS} — re-enter them." in response.content.decode()
    checked = client.post(reverse("channels:check", args=[account.pk]), follow=True)
    assert checked.status_code == 200 and f"X help: its saved credentials {SAYS}" in checked.content.decode()


def test_polling_stops_for_it_and_a_reply_on_it_fails_with_the_reason(agent, unreadable, django_capture_on_commit_callbacks):
    account, ticket = unreadable
    assert account.pk in accounts_due(timezone.now())
    assert account_poll(account.pk, force=True) is None
    account.refresh_from_db()
    assert account.error_is_permanent and "cannot be read with this server's keys" in account.last_error
    assert account.pk not in accounts_due(timezone.now())
    with django_capture_on_commit_callbacks():
        reply = ticket_reply(ticket=ticket, author=agent, text="On it.")
    assert message_send(reply.pk) == Message.Delivery.FAILED
    reply.refresh_from_db()
    assert "re-enter them" in reply.delivery_error


def test_re_entering_the_secrets_in_the_form_fixes_it_and_polling_resumes(client, admin_user, unreadable):
    account, _ = unreadable
    account_poll(account.pk, force=True)  # stopped by the unreadable credentials
    client.force_login(admin_user)
    secrets = {"secret_consumer_key": "ck2", "secret_consumer_secret": "cs2", "secret_access_token": "at2",
               "secret_access_token_secret": "ats2"}  # fmt: skip
    response = client.post(reverse("channels:edit", args=[account.pk]), {**X_FORM, **secrets}, follow=True)
    assert "Saved X help. Polling resumes." in response.content.decode()
    account = ChannelAccount.objects.get(pk=account.pk)
    assert not account.credentials_unreadable and account.credentials["access_token"] == "at2"
    assert not account.error_is_permanent and account.last_error == ""
    assert account.pk in accounts_due(timezone.now())
    assert SAYS not in client.get(reverse("channels:list")).content.decode()


def test_saving_the_form_without_secrets_keeps_the_unreadable_ones(client, admin_user, unreadable, settings):
    """The right key may yet be added (FIELD_ENCRYPTION_KEY lists old keys): nothing is overwritten."""
    account, _ = unreadable
    client.force_login(admin_user)
    client.post(reverse("channels:edit", args=[account.pk]), {**X_FORM, "name": "X main"})
    account = ChannelAccount.objects.get(pk=account.pk)
    assert account.name == "X main" and account.credentials_unreadable
