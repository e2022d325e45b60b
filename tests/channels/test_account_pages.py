"""Admins add, edit and disable channel accounts in the app; secrets are never shown again."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from django.utils import timezone

from channels.forms import ChannelAccountForm
from channels.models import ChannelAccount
from channels.polling import accounts_due

from .. import factories

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
    assert (
        account.credentials["consumer_secret"] == "cs-very-secret"
        and account.credentials["access_token"] == "at-new"
    )


def test_saving_a_new_token_for_an_account_that_needs_an_admin_polls_it_again(client, admin_user):
    client.force_login(admin_user)
    client.post(reverse("channels:new"), NEW_X)
    account = ChannelAccount.objects.get()
    stopped_at = timezone.now() + timedelta(days=365)  # far off: only the save can make it due now
    ChannelAccount.objects.filter(pk=account.pk).update(
        error_is_permanent=True, last_error="X refused the token (401)", next_poll_at=stopped_at
    )
    client.post(reverse("channels:edit", args=[account.pk]), {**NEW_X, "secret_access_token": "at-renewed"})
    account.refresh_from_db()
    assert not account.error_is_permanent and account.last_error == ""
    assert account.next_poll_at <= timezone.now()
    assert account.pk in accounts_due()


def test_invalid_settings_are_refused_in_plain_words(client, admin_user):
    client.force_login(admin_user)
    form = {
        "kind": "email",
        "name": "Help mailbox",
        "self_external_id": "help@utility.example",
        "poll_interval_seconds": "5",
        "setting_imap_port": "imap",
        "setting_smtp_security": "tls-ish",
    }
    page = client.post(reverse("channels:new"), form).content.decode()
    assert "Poll at most every 15 seconds" in page
    assert "A port is a number from 1 to 65535." in page
    assert "Choose SSL/TLS, STARTTLS or None." in page
    assert not ChannelAccount.objects.exists()


def test_junk_in_x_and_facebook_fields_is_refused_in_plain_words(client, admin_user):
    client.force_login(admin_user)
    x_junk = {
        **NEW_X,
        "self_external_id": "not a number",
        "setting_username": "@this is not a handle!",
        "setting_api_base_url": "api.twitter dot com",
    }
    page = client.post(reverse("channels:new"), x_junk).content.decode()
    assert "Write the numeric id: digits only" in page
    assert "An X username is 1 to 15 letters, digits or underscores" in page
    assert "Write a web address starting with https://" in page
    facebook_junk = {
        "kind": "facebook",
        "name": "Page",
        "self_external_id": "104000000000001",
        "poll_interval_seconds": "60",
        "setting_graph_version": "latest",
        "setting_graph_base_url": "https://graph.example:99999",
        "setting_comment_window_days": "forever",
        "secret_page_access_token": "token",
    }
    page = client.post(reverse("channels:new"), facebook_junk).content.decode()
    assert "Write a Graph API version such as v24.0" in page
    assert "The port in this address is not a number from 1 to 65535." in page
    assert "Write a number of days from 1 to 365" in page
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
    assert client.post(reverse("channels:toggle", args=[twitter.pk])).status_code == 403
    assert client.post(reverse("channels:check", args=[twitter.pk])).status_code == 403
    assert client.get(reverse("channels:edit", args=[twitter.pk])).status_code == 403


def test_supervisors_watch_channel_health_but_agents_do_not(client, supervisor, agent, twitter):
    twitter.last_success_at = timezone.now()
    twitter.save(update_fields=["last_success_at"])
    client.force_login(supervisor)
    page = client.get(reverse("channels:list")).content.decode()
    assert twitter.name in page and "Healthy" in page and "An admin changes accounts." in page
    assert "Test connection" not in page and "Add account" not in page
    assert reverse("channels:list") in client.get(reverse("inbox:settings")).content.decode()  # Settings
    client.force_login(agent)
    assert client.get(reverse("channels:list")).status_code == 403


def test_an_account_never_polled_says_so_instead_of_healthy(client, supervisor, twitter):
    client.force_login(supervisor)
    page = client.get(reverse("channels:list")).content.decode()
    assert "Not polled yet" in page and "Healthy" not in page


# Changing where an account connects asks for its secrets again: the saved ones are only ever sent
# where they were entered for, never to a server an admin (or whoever has an admin's session) picks.


class GraphListener:
    """A Graph API on loopback that answers every GET with the Page and keeps the tokens it was sent."""

    def __init__(self):
        tokens = self.tokens = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                tokens.append(self.headers.get("Authorization", ""))
                body = json.dumps({"id": "104000000000001", "name": "Prairie Electric & Gas"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def graph_servers():
    ours, theirs = GraphListener(), GraphListener()
    yield ours, theirs
    ours.close()
    theirs.close()


def page_form(account, **changes):
    settings = account.settings
    form = {
        "kind": account.kind,
        "name": account.name,
        "enabled": "on",
        "self_external_id": account.self_external_id,
        "poll_interval_seconds": "60",
        "setting_graph_version": settings.get("graph_version", ""),
        "setting_graph_base_url": settings.get("graph_base_url", ""),
        "setting_comment_window_days": "",
        "secret_page_access_token": "",
        "secret_app_secret": "",
    }
    return {**form, **changes}


def test_a_new_graph_url_without_the_token_is_refused_and_test_connection_keeps_to_the_old_one(
    client, admin_user, graph_servers
):
    ours, theirs = graph_servers
    page = factories.account(
        "facebook",
        settings={"graph_base_url": ours.url},
        credentials={"page_access_token": "saved-page-token"},
    )
    client.force_login(admin_user)
    response = client.post(
        reverse("channels:edit", args=[page.pk]), page_form(page, setting_graph_base_url=theirs.url)
    )
    assert response.status_code == 200
    assert (
        "The Graph API base URL changed, so the saved Page access token will not be sent there: "
        "enter the Page access token again"
    ) in response.content.decode()
    page.refresh_from_db()
    assert page.settings["graph_base_url"] == ours.url
    client.post(reverse("channels:check", args=[page.pk]))
    # Test connection asks who the Page is, then when its token expires: both calls to our server only.
    assert theirs.tokens == [] and set(ours.tokens) == {"Bearer saved-page-token"}


def test_a_new_graph_url_with_a_new_token_is_saved_and_only_the_new_token_goes_there(
    client, admin_user, graph_servers
):
    ours, theirs = graph_servers
    page = factories.account(
        "facebook",
        settings={"graph_base_url": ours.url},
        credentials={"page_access_token": "saved-page-token"},
    )
    client.force_login(admin_user)
    form = page_form(page, setting_graph_base_url=theirs.url, secret_page_access_token="new-page-token")
    assert client.post(reverse("channels:edit", args=[page.pk]), form).status_code == 302
    page.refresh_from_db()
    assert (
        page.settings["graph_base_url"] == theirs.url
        and page.credentials["page_access_token"] == "new-page-token"
    )
    client.post(reverse("channels:check", args=[page.pk]))
    assert set(theirs.tokens) == {"Bearer new-page-token"} and ours.tokens == []


def mailbox_form(**changes):
    form = {
        "kind": "email",
        "name": "Help mailbox",
        "enabled": "on",
        "self_external_id": "help@utility.example",
        "poll_interval_seconds": "60",
        "setting_from_name": "Customer Care",
        "setting_imap_host": "imap.utility.example",
        "setting_imap_port": "993",
        "setting_imap_security": "ssl",
        "setting_imap_username": "help",
        "setting_smtp_host": "smtp.utility.example",
        "setting_smtp_port": "587",
        "setting_smtp_security": "starttls",
        "setting_smtp_username": "help",
        "secret_imap_password": "",
        "secret_smtp_password": "",
    }
    return {**form, **changes}


@pytest.fixture
def saved_mailbox(client, admin_user):
    client.force_login(admin_user)
    client.post(
        reverse("channels:new"),
        mailbox_form(secret_imap_password="imap-saved", secret_smtp_password="smtp-saved"),
    )
    return ChannelAccount.objects.get(name="Help mailbox")


def test_a_new_imap_host_and_port_without_the_password_are_refused_naming_the_field(client, saved_mailbox):
    edit = mailbox_form(setting_imap_host="203.0.113.9", setting_imap_port="1143")
    page = client.post(reverse("channels:edit", args=[saved_mailbox.pk]), edit).content.decode()
    assert "The IMAP host and IMAP port changed, so the saved IMAP password will not be sent there" in page
    assert "Enter it again: the IMAP host and IMAP port changed." in page
    saved_mailbox.refresh_from_db()
    assert saved_mailbox.settings["imap_host"] == "imap.utility.example"


def test_a_new_smtp_security_without_the_password_is_refused_too(client, saved_mailbox):
    page = client.post(
        reverse("channels:edit", args=[saved_mailbox.pk]), mailbox_form(setting_smtp_security="none")
    )
    assert "enter the SMTP password again" in page.content.decode()


def test_a_new_imap_host_with_its_password_is_saved_and_the_smtp_secret_kept(client, saved_mailbox):
    edit = mailbox_form(setting_imap_host="imap2.utility.example", secret_imap_password="imap-new")
    assert client.post(reverse("channels:edit", args=[saved_mailbox.pk]), edit).status_code == 302
    saved_mailbox.refresh_from_db()
    assert saved_mailbox.settings["imap_host"] == "imap2.utility.example"
    assert saved_mailbox.credentials == {"imap_password": "imap-new", "smtp_password": "smtp-saved"}


def test_a_new_x_api_url_without_the_keys_is_refused(client, admin_user):
    client.force_login(admin_user)
    client.post(reverse("channels:new"), NEW_X)
    account = ChannelAccount.objects.get()
    edit = {
        **NEW_X,
        "setting_api_base_url": "https://x.example.net",
        "secret_consumer_key": "",
        "secret_consumer_secret": "",
        "secret_access_token": "",
        "secret_access_token_secret": "",
    }
    page = client.post(reverse("channels:edit", args=[account.pk]), edit).content.decode()
    assert (
        "The API base URL changed, so the saved API key, API key secret, Access token and Access token secret"
        in page
    )
    account.refresh_from_db()
    assert account.settings["api_base_url"] == ""


def test_django_admin_cannot_change_where_an_account_connects(client, admin_user, twitter):
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    page = client.get(reverse("admin:channels_channelaccount_change", args=[twitter.pk])).content.decode()
    assert 'name="settings"' not in page


def test_saving_the_form_leaves_a_running_polls_cursor_and_lease_alone(admin_user):
    """The form writes only its own columns: a poll that advanced the cursor meanwhile keeps it."""
    account = factories.account(
        "twitter",
        settings={"username": "PrairieEGHelp"},
        credentials={
            "consumer_key": "ck",
            "consumer_secret": "cs",
            "access_token": "at",
            "access_token_secret": "ats",
        },
    )
    form = ChannelAccountForm({**NEW_X, "name": "X main"}, instance=account, kind="twitter")
    assert form.is_valid(), form.errors
    lease_until = timezone.now() + timedelta(seconds=30)
    ChannelAccount.objects.filter(pk=account.pk).update(
        cursor={"since_id": "42"}, lease_token="poll-1", lease_until=lease_until
    )
    form.save()
    account = ChannelAccount.objects.get(pk=account.pk)
    assert account.name == "X main" and account.credentials["access_token"] == "at-456"
    assert account.cursor == {"since_id": "42"} and account.lease_token == "poll-1"
    assert account.lease_until == lease_until


@pytest.mark.parametrize("kind", ["twitter", "facebook", "email"])
def test_each_kinds_form_asks_what_its_channel_folder_declares(kind):
    """channels/<kind>/forms.py holds a kind's settings and secrets; the one shared form shows them."""
    from channels.registry import account_form_fields

    declared = account_form_fields(kind)
    form = ChannelAccountForm(kind=kind, instance=ChannelAccount(kind=kind))
    assert [name for name in form.fields if name.startswith("setting_")] == [
        f"setting_{name}" for name, _, _ in declared.settings
    ]
    assert [name for name in form.fields if name.startswith("secret_")] == [
        f"secret_{name}" for name, _ in declared.credentials
    ]
    assert form.fields["self_external_id"].label == declared.self_id[0]
