"""Django admin has no login page of its own: signed out, the app's login page; signed in without staff
status, the app's 403 page; admins go on to Django admin."""

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = resolve_url(settings.LOGIN_URL)


@pytest.mark.parametrize("url", ["/admin/", "/admin/inbox/cannedresponse/", "/admin/login/?next=/admin/"])
def test_an_agent_opening_django_admin_gets_the_apps_403_page(client, agent, url):
    client.force_login(agent)
    response = client.get(url, follow=True)
    page = response.content.decode()
    assert response.status_code == 403
    assert "You cannot open this page" in page and "Django admin is for admins only" in page
    assert 'class="topbar"' in page  # the app's own page, with its top bar
    assert 'name="password"' not in page  # no second login form


def test_a_signed_out_visitor_gets_the_apps_login_page_and_comes_back(client, admin_user):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == f"{LOGIN}?next=/admin/"
    assert "Log in" in response.content.decode()
    signed_in = client.post(
        f"{LOGIN}?next=/admin/",
        {"username": "ada", "password": "correct-horse-battery", "next": "/admin/"},
        follow=True,
    )
    assert signed_in.redirect_chain[-1][0] == "/admin/" and signed_in.status_code == 200


def test_admin_login_keeps_only_this_sites_next_address(client):
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response.status_code == 302 and "evil" not in response["Location"]
    assert response["Location"].startswith(LOGIN)


def test_an_admin_keeps_django_admin(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200
    response = client.get("/admin/login/?next=/admin/inbox/cannedresponse/")
    assert response.status_code == 302 and response["Location"] == "/admin/inbox/cannedresponse/"
    assert client.get(reverse("admin:inbox_cannedresponse_changelist")).status_code == 200
