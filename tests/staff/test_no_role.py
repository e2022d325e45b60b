"""A signed-in user in no role (not an Agent, Supervisor or Admin) sees one page at every address:
ask an admin. Signing out still works."""

import pytest
from django.urls import reverse

from oss_inbox.staff.models import Notification

pytestmark = pytest.mark.django_db

ASK_AN_ADMIN = "Ask an admin to make you an Agent, a Supervisor or an Admin."


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/tickets/1/",
        "/notifications/",
        "/dashboards/",
        "/accounts/",
        "/settings/channels/",
        "/settings/schedules/",
        "/no-such-page/",
    ],
)
def test_every_page_answers_the_ask_an_admin_page(client, outsider, url):
    client.force_login(outsider)
    response = client.get(url)
    assert response.status_code == 403
    page = response.content.decode()
    assert ASK_AN_ADMIN in page and 'class="topbar"' in page  # the app's layout, not a bare "403 Forbidden"
    assert "Notifications" not in page  # no menu to pages that would refuse anyway


def test_marking_notifications_read_is_refused_and_changes_nothing(client, outsider):
    unread = Notification.objects.create(
        recipient=outsider, text="Ticket #5 breached its first-response target"
    )
    client.force_login(outsider)
    response = client.post(reverse("staff:notifications_read"))
    assert response.status_code == 403 and ASK_AN_ADMIN in response.content.decode()
    unread.refresh_from_db()
    assert unread.read_at is None


def test_the_user_can_still_sign_out(client, outsider):
    client.force_login(outsider)
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert client.get("/").status_code == 302  # signed out: on to the login page


def test_signing_in_works_and_lands_on_the_ask_an_admin_page(client, outsider):
    response = client.post(
        reverse("login"), {"username": "olive", "password": "correct-horse-battery"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("inbox:queue")
    assert response.status_code == 403 and ASK_AN_ADMIN in response.content.decode()


def test_a_user_with_a_role_is_not_stopped(client, agent):
    client.force_login(agent)
    assert client.get(reverse("staff:notifications")).status_code == 200


def test_a_superuser_without_a_group_is_not_stopped(client, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x")
    client.force_login(root)
    assert client.get(reverse("inbox:queue")).status_code == 200
