"""Missing pages, refusals and failures answer with the app's own pages, in its layout and in plain
words; with DEBUG on (as under `make run`) too, instead of Django's debug page."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error


@pytest.fixture
def debug_on(settings):
    settings.DEBUG = True


@pytest.mark.django_db
def test_a_missing_ticket_says_so_in_the_layout_with_debug_on(client, agent, debug_on):
    client.force_login(agent)
    response = client.get(reverse("inbox:ticket", args=[99999]))
    page = response.content.decode()
    assert response.status_code == 404
    assert "No ticket #99999." in page and 'class="topbar"' in page
    assert "Django" not in page and "URLconf" not in page  # not the debug page


@pytest.mark.django_db
def test_a_missing_ticket_in_the_pane_says_so_too(client, agent, debug_on):
    client.force_login(agent)
    response = client.get(reverse("inbox:ticket", args=[99999]), headers={"HX-Request": "true"})
    assert response.status_code == 404 and "No ticket #99999." in response.content.decode()


@pytest.mark.django_db
def test_a_missing_organization_and_channel_account_say_which(client, admin_user, debug_on):
    client.force_login(admin_user)
    assert (
        "No organization #4242."
        in client.get(reverse("keyaccounts:organization", args=[4242])).content.decode()
    )
    assert "No channel account #4242." in client.get(reverse("channels:edit", args=[4242])).content.decode()


@pytest.mark.django_db
def test_an_unknown_address_answers_the_app_404_page_in_production(client, agent):
    client.force_login(agent)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "There is nothing at this address" in response.content.decode()


@pytest.mark.django_db
def test_a_refusal_answers_the_app_403_page(client, agent):
    client.force_login(agent)
    response = client.get(reverse("channels:list"))  # admins only
    page = response.content.decode()
    assert response.status_code == 403
    assert "You cannot open this page" in page and "ask an admin" in page and 'class="topbar"' in page


def test_the_500_page_needs_no_request_and_no_database():
    # No django_db mark: any query here fails the test. Django's own handler renders it with no context.
    response = server_error(RequestFactory().get("/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in page and 'class="topbar"' in page
