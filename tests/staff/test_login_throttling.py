"""Guessing passwords stops after a few tries: the username is locked from that address for a while,
in plain words, and an admin can lift it."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db

RIGHT = "correct-horse-battery"


def sign_in(client, username, password, address="203.0.113.7"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def fail_until_locked(client, username="dana", address="203.0.113.7"):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, username, "wrong-guess", address)


def signed_in_as(client):
    response = client.get(reverse("inbox:queue"))
    return response.status_code == 200 and response.wsgi_request.user.get_username()


def test_the_right_password_is_refused_after_too_many_wrong_ones_with_a_plain_message(client, agent):
    fail_until_locked(client)
    response = sign_in(client, "dana", RIGHT)
    page = response.content.decode()
    assert response.status_code == 429
    assert "Too many failed sign-ins" in page and "Try again in 15 minutes" in page
    assert "ask an admin to unlock you" in page
    assert not signed_in_as(client)


def test_wrong_passwords_below_the_limit_do_not_lock(client, agent):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert "do not match" in sign_in(client, "dana", "wrong-guess").content.decode()
    assert sign_in(client, "dana", RIGHT).status_code == 302
    assert signed_in_as(client) == "dana"


def test_a_colleague_at_the_same_address_still_signs_in(client, agent, other_agent):
    fail_until_locked(client, "dana")
    assert sign_in(client, "lee", RIGHT).status_code == 302
    assert signed_in_as(client) == "lee"


def test_the_same_user_from_another_address_is_not_locked(client, agent):
    fail_until_locked(client, "dana", address="203.0.113.7")
    assert sign_in(client, "dana", RIGHT, address="198.51.100.4").status_code == 302


def test_the_lock_ends_after_the_cool_off_and_the_page_counts_down(client, agent, time_machine):
    time_machine.move_to("2026-03-02 10:00", tick=False)
    fail_until_locked(client)
    time_machine.shift(timedelta(minutes=11))
    assert "Try again in 4 minutes" in sign_in(client, "dana", RIGHT).content.decode()
    time_machine.shift(timedelta(minutes=4, seconds=1))
    assert sign_in(client, "dana", RIGHT).status_code == 302


def test_an_admin_unlocks_a_user_with_the_management_command(client, agent):
    fail_until_locked(client)
    call_command("axes_reset_username", "dana")
    assert sign_in(client, "dana", RIGHT).status_code == 302


def test_django_admin_has_no_password_form_to_guess_at(client, admin_user):
    """Django admin's login address takes no passwords (the app's one, throttled, login page does):
    a password posted there signs nobody in and leads to that page."""
    response = client.post(
        reverse("admin:login"), {"username": "ada", "password": RIGHT}, REMOTE_ADDR="203.0.113.7"
    )
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get(reverse("admin:index")).status_code == 302  # still signed out


def test_behind_the_https_proxy_the_address_is_the_one_the_proxy_added(client, agent, settings):
    settings.BEHIND_HTTPS_PROXY = True
    proxy = "10.0.0.2"  # every request reaches the app from the proxy
    for _ in range(settings.AXES_FAILURE_LIMIT):  # a client claiming to be someone else changes nothing
        client.post(
            reverse("login"),
            {"username": "dana", "password": "wrong-guess"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR="198.51.100.4, 203.0.113.7",
        )
    locked = client.post(
        reverse("login"),
        {"username": "dana", "password": RIGHT},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.7",
    )
    assert locked.status_code == 429
    elsewhere = client.post(
        reverse("login"),
        {"username": "dana", "password": RIGHT},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR="198.51.100.4",
    )
    assert elsewhere.status_code == 302
