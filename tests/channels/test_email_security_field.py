"""IMAP and SMTP security are chosen from a list (SSL/TLS, STARTTLS, None — with a warning), the port
follows the choice when left empty, and values saved when security was free text keep working."""

import re

import pytest
from django.urls import reverse

from channels.email.config import imap_config, smtp_config
from channels.models import ChannelAccount

from .. import factories

pytestmark = pytest.mark.django_db


def mailbox(**settings):
    return factories.account(
        "email",
        settings={"imap_host": "imap.utility.example", "smtp_host": "smtp.utility.example", **settings},
        credentials={"imap_password": "imap-saved", "smtp_password": "smtp-saved"},
    )


def edit_page(client, admin_user, account):
    client.force_login(admin_user)
    return client.get(reverse("channels:edit", args=[account.pk])).content.decode()


def select_of(page, name):
    found = re.search(rf'<select name="setting_{name}"[^>]*>(.*?)</select>', page, re.S)
    assert found, f"no list for {name}"
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', found.group(1))
    return [(value, label) for value, _, label in options], [value for value, chosen, _ in options if chosen]


def port_placeholder(page, name):
    return re.search(rf'<input[^>]*name="setting_{name}"[^>]*>', page).group(0)


def test_security_is_a_list_with_a_warning_that_none_is_unencrypted(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("channels:new") + "?kind=email").content.decode()
    options, chosen = select_of(page, "imap_security")
    assert options == [
        ("ssl", "SSL/TLS"),
        ("starttls", "STARTTLS"),
        ("none", "None — password sent unencrypted"),
    ]
    assert chosen == ["ssl"]
    assert select_of(page, "smtp_security")[1] == ["starttls"]
    assert "None sends the password and the mail unencrypted" in page
    assert 'placeholder="993"' in port_placeholder(page, "imap_port")
    assert 'placeholder="587"' in port_placeholder(page, "smtp_port")


def test_an_empty_port_follows_the_security_chosen(client, admin_user):
    account = mailbox(imap_security="starttls", smtp_security="ssl")
    page = edit_page(client, admin_user, account)
    assert 'placeholder="143"' in port_placeholder(page, "imap_port")
    assert 'data-default-from="id_setting_imap_security"' in port_placeholder(page, "imap_port")
    assert (imap_config(account).port, smtp_config(account).port) == (143, 465)


@pytest.mark.parametrize(
    ("saved", "choice"), [("SSL", "ssl"), ("TLS", "ssl"), (" STARTTLS ", "starttls"), ("None", "none")]
)
def test_security_saved_as_free_text_still_reads_and_shows_as_its_choice(client, admin_user, saved, choice):
    account = mailbox(imap_security=saved)
    assert imap_config(account).security == choice
    assert select_of(edit_page(client, admin_user, account), "imap_security")[1] == [choice]


def test_saving_an_old_value_unchanged_does_not_ask_for_the_password_again(client, admin_user):
    account = mailbox(imap_security="SSL", smtp_security="")
    client.force_login(admin_user)
    form = {
        "kind": "email",
        "name": account.name,
        "enabled": "on",
        "self_external_id": account.self_external_id,
        "poll_interval_seconds": "60",
        "setting_imap_host": "imap.utility.example",
        "setting_imap_security": "ssl",
        "setting_smtp_host": "smtp.utility.example",
        "setting_smtp_security": "starttls",  # the default, shown for an empty saved value
    }
    response = client.post(reverse("channels:edit", args=[account.pk]), form)
    assert response.status_code == 302, response.content.decode()
    account.refresh_from_db()
    assert (account.settings["imap_security"], account.credentials["imap_password"]) == ("ssl", "imap-saved")


def test_an_unknown_old_value_is_listed_and_named_not_silently_replaced(client, admin_user):
    account = mailbox(smtp_security="tls-ish")
    options, chosen = select_of(edit_page(client, admin_user, account), "smtp_security")
    assert ("tls-ish", "tls-ish") in options and chosen == ["tls-ish"]
    form = {
        "kind": "email",
        "name": account.name,
        "self_external_id": account.self_external_id,
        "poll_interval_seconds": "60",
        "setting_smtp_security": "tls-ish",
    }
    page = client.post(reverse("channels:edit", args=[account.pk]), form).content.decode()
    assert "Choose SSL/TLS, STARTTLS or None." in page
    assert ChannelAccount.objects.get(pk=account.pk).settings["smtp_security"] == "tls-ish"
