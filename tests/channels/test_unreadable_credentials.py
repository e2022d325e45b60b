"""Channel credentials this server's keys cannot decrypt never break a page (issue 13, item 5).

Rows saved under another key (the demo and bench/generate.py encrypt with the development
SECRET_KEY; a real deployment then serves them with its own): every page that loads the account
answers, the channel says to re-enter its secrets, polling stops until they are, and re-entering
them in the channel's form fixes it.
"""

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from channels.models import ChannelAccount
from channels.polling import account_poll, accounts_due
from oss_inbox.tickets.models import Message
from oss_inbox.tickets.services import ticket_reply
from oss_inbox.tickets.services.outbox import outbox_deliver
from tests.inbox.conftest import open_ticket

from .. import factories
from .test_account_pages import mailbox_form

pytestmark = pytest.mark.django_db

SAYS = "cannot be read with this server&#x27;s keys"
X_FORM = {
    "kind": "twitter", "name": "X help", "enabled": "on", "self_external_id": "1500000000000000001",
    "poll_interval_seconds": "60", "setting_username": "PrairieEGHelp", "setting_api_base_url": "",
    "secret_consumer_key": "", "secret_consumer_secret": "", "secret_access_token": "",
    "secret_access_token_secret": "", "secret_bearer_token": "",
}  # fmt: skip


@pytest.fixture
def unreadable(settings, twitter):
    """The X account and a ticket on it, its credentials saved under a key this server no longer holds."""
    ChannelAccount.objects.filter(pk=twitter.pk).update(name="X help")
    twitter.refresh_from_db()
    twitter.credentials = {
        "consumer_key": "ck",
        "consumer_secret": "cs",
        "access_token": "at",
        "access_token_secret": "ats",
    }
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
    assert (
        "Replies on X help cannot be sent: its saved credentials cannot be read with this server's keys"
        in page
    )


def test_the_channel_pages_say_to_re_enter_the_credentials(client, admin_user, unreadable):
    account, _ = unreadable
    client.force_login(admin_user)
    for url in (reverse("channels:list"), reverse("channels:edit", args=[account.pk])):
        response = client.get(url)
        assert response.status_code == 200
        assert f"Its saved credentials {SAYS} — re-enter them." in response.content.decode()
    checked = client.post(reverse("channels:check", args=[account.pk]), follow=True)
    assert checked.status_code == 200 and f"X help: its saved credentials {SAYS}" in checked.content.decode()


def test_polling_stops_for_it_and_a_reply_on_it_fails_with_the_reason(
    agent, unreadable, django_capture_on_commit_callbacks
):
    account, ticket = unreadable
    assert account.pk in accounts_due(timezone.now())
    assert account_poll(account.pk, force=True) is None
    account.refresh_from_db()
    assert account.error_is_permanent and "cannot be read with this server's keys" in account.last_error
    assert account.pk not in accounts_due(timezone.now())
    with django_capture_on_commit_callbacks():
        reply = ticket_reply(ticket=ticket, author=agent, text="On it.")
    assert outbox_deliver("reply", reply.pk) == Message.Delivery.FAILED
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


def _stored_token(account):
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM channels_channelaccount WHERE id = %s", [account.pk])
        return cursor.fetchone()[0]


def _account_writes(queries):
    return [
        q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "channels_channelaccount" in q["sql"]
    ]


@pytest.mark.parametrize(
    "secrets",
    [
        {},
        {
            "secret_consumer_key": "ck2",
            "secret_consumer_secret": "cs2",
            "secret_access_token": "at2",
            "secret_access_token_secret": "ats2",
        },
    ],
    ids=["kept", "re-entered"],
)
def test_saving_the_form_is_one_write(client, admin_user, unreadable, secrets):
    """Never an encrypted {} over the unreadable token, put back by a second write afterwards."""
    account, _ = unreadable
    token = _stored_token(account)
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            reverse("channels:edit", args=[account.pk]), {**X_FORM, "name": "X main", **secrets}
        )
    assert response.status_code == 302
    writes = _account_writes(queries.captured_queries)
    assert len(writes) == 1
    assert (_stored_token(account) == token) == (not secrets)
    said = client.get(reverse("channels:list")).content.decode()
    assert ("Polling resumes. No Bearer token is saved now" in said) == bool(secrets)


def test_re_entering_only_some_secrets_is_refused_naming_the_others(client, admin_user, unreadable):
    """They cannot be merged with the unreadable ones: saving would drop those silently."""
    account, _ = unreadable
    token = _stored_token(account)
    client.force_login(admin_user)
    some = {"secret_consumer_key": "ck2", "secret_consumer_secret": "cs2"}
    response = client.post(reverse("channels:edit", args=[account.pk]), {**X_FORM, "name": "X main", **some})
    page = response.content.decode()
    assert response.status_code == 200
    assert "enter the Access token and Access token secret too" in page
    account = ChannelAccount.objects.get(pk=account.pk)
    assert account.name == "X help" and _stored_token(account) == token


@pytest.fixture
def unreadable_mailbox(settings):
    mailbox = factories.account(
        "email",
        name="Help mailbox",
        settings={
            key.removeprefix("setting_"): value
            for key, value in mailbox_form().items()
            if key.startswith("setting_")
        },
        credentials={"imap_password": "imap-saved", "smtp_password": "smtp-saved"},
    )
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    return ChannelAccount.objects.get(pk=mailbox.pk)


def test_re_entering_the_imap_password_but_not_the_smtp_one_is_refused(
    client, admin_user, unreadable_mailbox
):
    client.force_login(admin_user)
    edit = mailbox_form(secret_imap_password="imap-new")
    page = client.post(reverse("channels:edit", args=[unreadable_mailbox.pk]), edit).content.decode()
    assert "enter the SMTP password too" in page and "Polling resumes" not in page
    assert ChannelAccount.objects.get(pk=unreadable_mailbox.pk).credentials_unreadable
    both = mailbox_form(secret_imap_password="imap-new", secret_smtp_password="smtp-new")
    assert client.post(reverse("channels:edit", args=[unreadable_mailbox.pk]), both).status_code == 302
    saved = ChannelAccount.objects.get(pk=unreadable_mailbox.pk)
    assert saved.credentials == {"imap_password": "imap-new", "smtp_password": "smtp-new"}


@pytest.mark.parametrize("where", [{"setting_imap_host": "203.0.113.9"}, {"setting_smtp_port": "2525"}])
def test_a_new_mail_server_without_its_password_is_refused_while_the_saved_ones_are_unreadable(
    client, admin_user, unreadable_mailbox, where
):
    """Once the right key is added, the next poll would send the real password to the new server."""
    client.force_login(admin_user)
    page = client.post(
        reverse("channels:edit", args=[unreadable_mailbox.pk]), mailbox_form(**where)
    ).content.decode()
    assert "will not be sent there" in page
    mailbox = ChannelAccount.objects.get(pk=unreadable_mailbox.pk)
    assert mailbox.settings["imap_host"] == "imap.utility.example" and mailbox.settings["smtp_port"] == "587"
    assert mailbox.credentials_unreadable


def test_a_new_x_api_url_without_the_keys_is_refused_while_the_saved_ones_are_unreadable(
    client, admin_user, unreadable
):
    account, _ = unreadable
    client.force_login(admin_user)
    edit = {**X_FORM, "setting_api_base_url": "https://x.example.net"}
    page = client.post(reverse("channels:edit", args=[account.pk]), edit).content.decode()
    assert (
        "The API base URL changed, so the saved API key, API key secret, Access token and Access token secret"
        in page
    )
    assert ChannelAccount.objects.get(pk=account.pk).settings.get("api_base_url", "") == ""
