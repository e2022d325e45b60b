"""Test connection answers in plain words what happened and what to do, with the raw detail folded
under "Details"; it never speaks of polling or retrying (that is the health page's business).

Every failure is real: an unresolvable host (.invalid), a closed port, a server that never answers,
the fake X and Graph servers answering 401/403/404/429/5xx, a real Dovecot refusing a password.
"""

import html
import re
import socket

import pytest
from django.urls import reverse

from channels.sandbox.mail import HOST, free_port

from .. import factories
from .mail_samples import MAILBOX, mail_account
from .sandbox_accounts import facebook_page, x_account

pytestmark = pytest.mark.django_db


def outcome_of(client, admin_user, account):
    """(the sentence, the Details text) Test connection shows, as htmx swaps it in."""
    client.force_login(admin_user)
    response = client.post(reverse("channels:check", args=[account.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = response.content.decode()
    sentence = html.unescape(re.search(r"<p>(.*?)</p>", page, re.S).group(1))
    details = re.search(r"<details><summary>Details</summary><pre>(.*?)</pre></details>", page, re.S)
    assert "poll" not in sentence.lower() and "retr" not in sentence.lower(), sentence
    assert "will try again" not in sentence.lower(), sentence
    return sentence, html.unescape(details.group(1)) if details else ""


@pytest.fixture
def closed_port():
    """A port on loopback where nothing listens."""
    return free_port()


@pytest.fixture
def silent_server():
    """A port that accepts connections (the kernel does) and never says a word."""
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen(5)
        yield listener.getsockname()[1]


# ---- X ------------------------------------------------------------------------------------------


def test_x_at_a_host_that_does_not_exist_says_so_and_which_setting_to_check(client, admin_user, x_api):
    account = x_account(x_api, api_base_url="https://api.example.invalid")
    sentence, details = outcome_of(client, admin_user, account)
    assert sentence == "Cannot find the server api.example.invalid — check the API base URL."
    assert "api.example.invalid" in details and "Errno" not in sentence


def test_x_at_a_closed_port_says_nothing_listens_there(client, admin_user, x_api, closed_port):
    account = x_account(x_api, api_base_url=f"http://127.0.0.1:{closed_port}")
    sentence, details = outcome_of(client, admin_user, account)
    assert sentence == (
        f"127.0.0.1 port {closed_port} refused the connection: nothing is listening there — check the "
        "API base URL."
    )
    assert "Connection refused" in details


def test_x_base_url_saved_without_a_scheme_is_not_missingschema(client, admin_user, x_api):
    account = x_account(x_api, api_base_url="api.example.com")  # saved before the form checked it
    sentence, details = outcome_of(client, admin_user, account)
    assert sentence.startswith("The API base URL is not a web address — write it as https://host")
    assert "MissingSchema" in details and "MissingSchema" not in sentence


def test_x_over_tls_to_a_plain_server_says_tls_failed(client, admin_user, x_api):
    account = x_account(x_api, api_base_url=x_api.url.replace("http://", "https://"))
    sentence, _ = outcome_of(client, admin_user, account)
    assert sentence.startswith("Could not start a secure (TLS) connection with 127.0.0.1 port ")
    assert sentence.endswith("— check the API base URL.")


def test_x_silent_server_says_it_did_not_answer(client, admin_user, x_api, silent_server):
    account = x_account(x_api, api_base_url=f"http://127.0.0.1:{silent_server}", timeout_seconds="1")
    sentence, _ = outcome_of(client, admin_user, account)
    assert sentence.startswith(f"127.0.0.1 port {silent_server} did not answer — check the API base URL")
    assert "test again in a few minutes" in sentence


def test_x_revoked_keys_say_reconnect(client, admin_user, x_api):
    x_api.revoke_token()
    sentence, details = outcome_of(client, admin_user, x_account(x_api))
    assert sentence.startswith("X does not accept this account's keys and tokens")
    assert "reconnect the account" in sentence and "401" in details


def test_x_forbidden_says_which_permission_to_fix(client, admin_user, x_api):
    x_api.fail_next(1, status=403)
    sentence, _ = outcome_of(client, admin_user, x_account(x_api))
    assert sentence.startswith("X refused access: the app or its access token lacks a permission")


def test_x_not_found_says_the_base_url_is_not_the_x_api(client, admin_user, x_api):
    x_api.fail_next(1, status=404)
    sentence, _ = outcome_of(client, admin_user, x_account(x_api))
    assert "answered “not found” (HTTP 404): it is not the X API — check the API base URL" in sentence


def test_x_rate_limit_says_in_how_many_minutes_to_test_again(client, admin_user, x_api):
    x_api.fail_next(1, status=429, reset_in=900)
    sentence, _ = outcome_of(client, admin_user, x_account(x_api))
    assert (
        sentence
        == "X is limiting how often this account may call it (rate limit) — test again in 15 minutes."
    )


def test_x_server_error_says_nothing_needs_changing(client, admin_user, x_api):
    x_api.fail_next(1, status=503)
    sentence, _ = outcome_of(client, admin_user, x_account(x_api))
    assert sentence == (
        "X is having trouble right now (HTTP 503) — nothing needs changing here; test again in a few minutes."
    )


def test_x_success_has_no_details(client, admin_user, x_api):
    sentence, details = outcome_of(client, admin_user, x_account(x_api))
    assert sentence == "Connected as @PrairieEGHelp (id 1500000000000000001)." and details == ""


# ---- Facebook -----------------------------------------------------------------------------------


def test_facebook_at_a_host_that_does_not_exist(client, admin_user, graph):
    page = facebook_page(graph, graph_base_url="https://graph.example.invalid")
    sentence, details = outcome_of(client, admin_user, page)
    assert sentence == "Cannot find the server graph.example.invalid — check the Graph API base URL."
    assert "NameResolutionError" in details or "gaierror" in details


def test_facebook_revoked_token_says_reconnect_the_page(client, admin_user, page, graph):
    graph.revoke_token()
    sentence, details = outcome_of(client, admin_user, page)
    assert sentence == (
        "Facebook does not accept the Page access token: it expired or was revoked — reconnect the Page "
        "(enter a new Page access token)."
    )
    assert "error code 190" in details and "session has been invalidated" in details


def test_facebook_wrong_page_id_says_check_the_page_id(client, admin_user, graph):
    page = facebook_page(graph)
    page.self_external_id = "999000000000009"
    page.save()
    sentence, _ = outcome_of(client, admin_user, page)
    assert sentence.startswith("Facebook finds no Page with id 999000000000009 that this token may read")
    assert "check the Page id" in sentence


def test_facebook_at_a_server_that_is_not_graph_says_check_the_base_url(client, admin_user, x_api):
    page = factories.account(
        "facebook", settings={"graph_base_url": x_api.url}, credentials={"page_access_token": "t"}
    )
    sentence, details = outcome_of(client, admin_user, page)
    assert "(HTTP 404): it is not the Graph API — check the Graph API base URL" in sentence
    assert "HTTP 404" in details


def test_facebook_throttling_says_when_to_test_again(client, admin_user, page, graph):
    graph.fail_next(1, code=4, message="Application request limit reached")
    sentence, _ = outcome_of(client, admin_user, page)
    assert sentence == "Facebook is limiting calls for this Page (rate limit) — test again in 15 minutes."


def test_facebook_server_error_says_nothing_needs_changing(client, admin_user, page, graph):
    graph.fail_next(1, status=500)
    sentence, _ = outcome_of(client, admin_user, page)
    assert sentence.startswith("Facebook is having trouble right now (HTTP 500) — nothing needs changing")


# ---- Email --------------------------------------------------------------------------------------


def test_imap_wrong_password_says_check_the_username_and_password(client, admin_user, dovecot, smtp_sink):
    account = mail_account(dovecot, smtp_sink)
    account.credentials = {**account.credentials, "imap_password": "wrong"}
    account.save()
    sentence, details = outcome_of(client, admin_user, account)
    assert sentence == (
        f"The IMAP server refused the login for {MAILBOX}: the username or password is wrong — check the "
        "IMAP username and enter the IMAP password again."
    )
    assert "LoginError" in details


def test_imap_unknown_folder_says_check_the_folder(client, admin_user, dovecot, smtp_sink):
    account = mail_account(dovecot, smtp_sink, imap_folder="Complaints")
    sentence, _ = outcome_of(client, admin_user, account)
    assert sentence == (
        f"The mailbox of {MAILBOX} has no folder “Complaints” — check the Folder to read (empty means INBOX)."
    )


def test_imap_unknown_host_and_closed_port(client, admin_user, dovecot, smtp_sink, closed_port):
    account = mail_account(dovecot, smtp_sink, imap_host="mail.example.invalid")
    assert outcome_of(client, admin_user, account)[0] == (
        "Cannot find the server mail.example.invalid — check the IMAP host and port."
    )
    account = mail_account(dovecot, smtp_sink, imap_port=str(closed_port))
    assert outcome_of(client, admin_user, account)[0] == (
        f"127.0.0.1 port {closed_port} refused the connection: nothing is listening there — check the IMAP "
        "host and port."
    )


def test_imap_ssl_on_a_plain_port_says_choose_starttls(client, admin_user, dovecot, smtp_sink):
    account = mail_account(dovecot, smtp_sink, imap_security="ssl")
    sentence, details = outcome_of(client, admin_user, account)
    assert sentence == (
        f"127.0.0.1 port {dovecot.port} does not start with SSL/TLS: it looks like a STARTTLS or plain port "
        "— choose STARTTLS for IMAP security, or port 993 for SSL/TLS."
    )
    assert "SSL" in details


def test_imap_starttls_on_a_server_without_it_says_so(client, admin_user, dovecot, smtp_sink):
    account = mail_account(dovecot, smtp_sink, imap_security="starttls")
    sentence, _ = outcome_of(client, admin_user, account)
    assert sentence.startswith(f"The IMAP server at 127.0.0.1 port {dovecot.port} does not offer STARTTLS")


def test_imap_silent_server_says_it_did_not_answer_in_time(
    client, admin_user, dovecot, smtp_sink, silent_server
):
    account = mail_account(dovecot, smtp_sink, imap_port=str(silent_server), timeout_seconds="1")
    sentence, _ = outcome_of(client, admin_user, account)
    assert sentence.startswith(f"127.0.0.1 port {silent_server} did not answer within 1 second — check the")


def test_smtp_wrong_password_says_check_the_username_and_password(client, admin_user, dovecot, smtp_sink):
    account = mail_account(dovecot, smtp_sink)
    account.credentials = {**account.credentials, "smtp_password": "wrong"}
    account.save()
    sentence, details = outcome_of(client, admin_user, account)
    assert sentence == (
        f"The SMTP server refused the login for {MAILBOX}: the username or password is wrong — check the "
        "SMTP username and enter the SMTP password again."
    )
    assert "535" in details


def test_smtp_ssl_on_a_plain_port_and_a_closed_port(client, admin_user, dovecot, smtp_sink, closed_port):
    account = mail_account(dovecot, smtp_sink, smtp_security="ssl")
    assert outcome_of(client, admin_user, account)[0] == (
        f"127.0.0.1 port {smtp_sink.port} does not start with SSL/TLS: it looks like a STARTTLS or plain "
        "port — choose STARTTLS for SMTP security, or port 465 for SSL/TLS."
    )
    account = mail_account(dovecot, smtp_sink, smtp_port=str(closed_port))
    assert outcome_of(client, admin_user, account)[0] == (
        f"127.0.0.1 port {closed_port} refused the connection: nothing is listening there — check the SMTP "
        "host and port."
    )


def test_smtp_starttls_on_a_server_without_it_says_so(client, admin_user, dovecot, smtp_sink):
    account = mail_account(dovecot, smtp_sink, smtp_security="starttls")
    sentence, _ = outcome_of(client, admin_user, account)
    assert sentence.startswith(f"The SMTP server at 127.0.0.1 port {smtp_sink.port} does not offer STARTTLS")
