"""The People page: admins invite people, change roles and capacity, deactivate and reactivate, and every
change is recorded; nobody else may open it."""

import re

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from django.urls import reverse

from oss_inbox.safety.models import OnCall
from oss_inbox.staff.models import PersonChange, StaffProfile
from oss_inbox.staff.roles import queue_workers_list
from oss_inbox.tickets.models import Organization
from oss_inbox.tickets.services import ingest, ticket_claim

from ..factories import inbound

pytestmark = pytest.mark.django_db

PEOPLE = "/settings/people/"
PASSWORD = "correct-horse-battery"


def person_url(user):
    return f"{PEOPLE}{user.pk}/"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_only_admins_open_the_people_page(client, who, request, agent):
    client.force_login(request.getfixturevalue(who))
    assert client.get(PEOPLE).status_code == 403
    assert client.get(person_url(agent)).status_code == 403
    assert (
        client.post(PEOPLE, {"name": "Eve", "email": "eve@example.com", "role": "Admin"}).status_code == 403
    )
    assert not User.objects.filter(email="eve@example.com").exists()


def test_the_page_lists_everyone_with_role_access_sign_in_on_call_and_capacity(
    admin_client, agent, supervisor, other_agent
):
    OnCall.objects.create(user=supervisor)
    Organization.objects.create(
        name="St. Brigid Regional Hospital", is_key_account=True, account_manager=agent
    )
    StaffProfile.objects.create(user=other_agent, capacity=7, available=True)
    other_agent.is_active = False
    other_agent.save()
    page = admin_client.get(PEOPLE).content.decode()
    rows = {
        name: row for name, row in re.findall(r"<tr[^>]*>\s*<td><a [^>]+>(\w+)</a>(.*?)</tr>", page, re.S)
    }
    assert set(rows) == {"Ada", "Dana", "Sam", "Lee"}
    assert "Supervisor" in rows["Sam"] and "At all hours" in rows["Sam"]
    assert "Agent" in rows["Dana"] and ">15<" in rows["Dana"] and "Active" in rows["Dana"]
    assert "manages 1 key account<" in rows["Dana"]
    assert "Deactivated" in rows["Lee"] and ">7<" in rows["Lee"]
    assert "never" in rows["Dana"]  # never signed in
    assert reverse("safety:on_call") in page


def test_an_invitation_emails_a_link_that_sets_a_password_and_signs_in(
    admin_client, admin_user, mailoutbox, team_mails_sent_at_once, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            PEOPLE, {"name": "Priya Natarajan", "email": "priya@prairie-eg.example", "role": "Supervisor"}
        )
    assert response.status_code == 302
    priya = User.objects.get(email="priya@prairie-eg.example")
    assert (priya.username, priya.first_name, priya.last_name) == ("priya", "Priya", "Natarajan")
    assert priya.is_active and not priya.has_usable_password()
    assert list(priya.groups.values_list("name", flat=True)) == ["Supervisor"]
    assert not Client().login(username="priya", password="")

    [mail] = mailoutbox
    assert mail.to == ["priya@prairie-eg.example"] and "priya" in mail.body
    link = re.search(r"https?://\S+(/welcome/\S+/)", mail.body).group(1)
    newcomer = Client()
    form = newcomer.get(link, follow=True)
    assert "Choose your password" in form.content.decode()
    done = newcomer.post(
        form.redirect_chain[-1][0],
        {"new_password1": "lantern-orchard-91", "new_password2": "lantern-orchard-91"},
        follow=True,
    )
    assert done.redirect_chain[-1][0] == reverse("inbox:queue")
    assert done.context["user"] == priya  # signed in
    assert Client().login(username="priya", password="lantern-orchard-91")
    # The link works once.
    assert "no longer works" in Client().get(link, follow=True).content.decode()
    assert PersonChange.objects.filter(actor=admin_user, person=priya, text__contains="invited").exists()


def test_passwords_that_do_not_match_are_refused_in_plain_words(admin_client, admin_user, agent):
    from oss_inbox.staff.people import set_password_link

    link = set_password_link(agent).split("://", 1)[1].split("/", 1)[1]
    newcomer = Client()
    form = newcomer.get(f"/{link}", follow=True)
    answer = newcomer.post(
        form.redirect_chain[-1][0],
        {"new_password1": "lantern-orchard-91", "new_password2": "lantern-orchard-19"},
    )
    assert "didn’t match" in answer.content.decode()
    assert not User.objects.get(pk=agent.pk).check_password("lantern-orchard-91")


def test_an_invitation_to_an_address_someone_has_is_refused_in_plain_words(admin_client, agent):
    agent.email = "dana@prairie-eg.example"
    agent.save()
    response = admin_client.post(
        PEOPLE, {"name": "Dana Two", "email": "DANA@prairie-eg.example", "role": "Agent"}
    )
    assert response.status_code == 400
    assert "Dana already has the address DANA@prairie-eg.example." in response.content.decode()
    assert User.objects.count() == 2


def test_an_invitation_without_a_name_or_with_a_bad_address_says_what_is_missing(admin_client):
    response = admin_client.post(PEOPLE, {"name": "", "email": "not-an-address", "role": "Agent"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Give the person&#x27;s name" in page and "That is not an email address" in page


def test_a_deactivated_person_cannot_sign_in_and_is_not_offered_work(
    admin_client, admin_user, agent, twitter
):
    ingest(twitter, [inbound(text="Power out on Elm St")])
    ticket = twitter.tickets.get()
    ticket_claim(ticket=ticket, user=agent)
    signed_in = Client()
    signed_in.force_login(agent)
    assert agent in queue_workers_list()

    response = admin_client.post(person_url(agent), {"action": "deactivate"}, follow=True)

    agent.refresh_from_db()
    assert not agent.is_active
    assert not Client().login(username="dana", password=PASSWORD)
    assert signed_in.get("/").status_code == 302  # their open session ends too
    assert agent not in queue_workers_list()
    ticket.refresh_from_db()
    assert ticket.assignee == agent  # nothing taken away silently
    page = response.content.decode()
    assert "still holds these tickets" in page and f"#{ticket.pk}" in page
    assert PersonChange.objects.filter(actor=admin_user, person=agent, text="Ada deactivated Dana.").exists()

    admin_client.post(person_url(agent), {"action": "reactivate"})
    assert Client().login(username="dana", password=PASSWORD)


def test_an_admin_cannot_deactivate_or_demote_themselves(admin_client, admin_user):
    for action in ({"action": "deactivate"}, {"action": "role", "role": "Agent"}):
        response = admin_client.post(person_url(admin_user), action)
        assert response.status_code == 400
        assert "yourself: ask another admin" in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active and admin_user.groups.filter(name="Admin").exists()
    assert not PersonChange.objects.exists()


def test_the_last_active_admin_cannot_be_removed(client, admin_user):
    """Someone allowed to manage settings without being an admin cannot leave the team without one."""
    steward = User.objects.create_user("stew", first_name="Stew")
    steward.groups.add(Group.objects.get(name="Agent"))
    steward.user_permissions.add(Permission.objects.get(codename="manage_settings"))
    client.force_login(steward)
    for action in ({"action": "deactivate"}, {"action": "role", "role": "Supervisor"}):
        response = client.post(person_url(admin_user), action)
        assert "Ada is the last active admin" in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active and admin_user.groups.filter(name="Admin").exists()


def test_a_role_change_moves_django_admin_access_with_it_and_is_recorded(admin_client, admin_user, agent):
    admin_client.post(person_url(agent), {"action": "role", "role": "Admin"})
    agent.refresh_from_db()
    assert list(agent.groups.values_list("name", flat=True)) == ["Admin"] and agent.is_staff
    admin_client.post(person_url(agent), {"action": "role", "role": "Supervisor"})
    agent.refresh_from_db()
    assert list(agent.groups.values_list("name", flat=True)) == ["Supervisor"] and not agent.is_staff
    texts = list(PersonChange.objects.filter(person=agent).values_list("text", flat=True))
    assert texts == ["Ada made Dana a Supervisor (was an Admin).", "Ada made Dana an Admin (was an Agent)."]
    page = admin_client.get(PEOPLE).content.decode()
    assert "Ada made Dana a Supervisor (was an Admin)." in page


def test_an_admin_sets_capacity_and_a_wrong_number_is_refused_in_words(admin_client, agent):
    admin_client.post(person_url(agent), {"action": "capacity", "capacity": "8"})
    assert StaffProfile.objects.get(user=agent).capacity == 8
    response = admin_client.post(person_url(agent), {"action": "capacity", "capacity": "lots"})
    assert response.status_code == 400 and "Give a whole number of tickets" in response.content.decode()
    assert StaffProfile.objects.get(user=agent).capacity == 8
    assert (
        PersonChange.objects.get(person=agent).text == "Ada set Dana's capacity to 8 open tickets (was 15)."
    )


def test_a_new_link_can_be_sent_to_someone_who_lost_theirs(
    admin_client, agent, mailoutbox, team_mails_sent_at_once, django_capture_on_commit_callbacks
):
    agent.email = "dana@prairie-eg.example"
    agent.save()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(person_url(agent), {"action": "link"})
    [mail] = mailoutbox
    assert mail.to == ["dana@prairie-eg.example"] and "/welcome/" in mail.body
