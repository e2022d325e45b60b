"""Every page needs a login; roles decide what each user may do."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from oss_inbox.tickets.services import ingest

from ..factories import inbound

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/tickets/1/", "/admin/"])
def test_every_page_sends_an_anonymous_visitor_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]


def test_login_page_lets_an_agent_in_and_shows_the_tickets(client, agent, twitter):
    ingest(twitter, [inbound(text="Power out on Elm St since 6am, any ETA?")])
    response = client.post(
        reverse("login"), {"username": "dana", "password": "correct-horse-battery"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("inbox:queue")
    assert "Power out on Elm St" in response.content.decode()


def test_wrong_password_is_refused_in_plain_words(client, agent):
    response = client.post(reverse("login"), {"username": "dana", "password": "nope"})
    assert "do not match" in response.content.decode()


def test_a_user_without_a_role_cannot_see_tickets(client, outsider):
    client.force_login(outsider)
    assert client.get("/").status_code == 403


def test_an_agent_opens_a_ticket_and_reads_the_conversation(client, agent, twitter):
    ingest(twitter, [inbound(text="Streetlight out at 5th and Main")])
    client.force_login(agent)
    ticket_id = twitter.tickets.get().pk
    assert "Streetlight out at 5th and Main" in client.get(f"/tickets/{ticket_id}/").content.decode()


def test_logout_ends_the_session(client, agent):
    client.force_login(agent)
    client.post(reverse("logout"))
    assert client.get("/").status_code == 302


def test_roles_exist_with_growing_permissions():
    agent, supervisor, admin = (
        set(Group.objects.get(name=n).permissions.all()) for n in ("Agent", "Supervisor", "Admin")
    )
    assert agent < supervisor < admin
    assert any(p.codename == "view_dashboards" for p in supervisor) and not any(
        p.codename == "view_dashboards" for p in agent
    )
    assert any(p.codename == "manage_settings" for p in admin) and not any(
        p.codename == "manage_settings" for p in supervisor
    )


def test_admin_merges_two_contacts_from_django_admin(client, admin_user, twitter, mailbox):
    from ..factories import author, email

    ingest(twitter, [inbound(who=author("111", "mlopez", "Maria Lopez"))])
    ingest(mailbox, [email(sender="maria@example.com", name="Maria Lopez")])
    client.force_login(admin_user)
    from oss_inbox.tickets.models import Contact

    ids = [str(pk) for pk in Contact.objects.order_by("pk").values_list("pk", flat=True)]
    url = reverse("admin:tickets_contact_changelist")
    confirm = client.post(url, {"action": "merge_contacts", "_selected_action": ids})
    assert "Keep this contact" in confirm.content.decode()
    client.post(url, {"action": "merge_contacts", "_selected_action": ids, "survivor": ids[0]})
    survivor = Contact.objects.get(pk=ids[0])
    assert survivor.identities.count() == 2 and survivor.tickets.count() == 2
    assert Contact.objects.get(pk=ids[1]).merged_into == survivor
