"""Django admin's user pages keep the People page's rules: role and access are read-only there (with
a link to the person's People page), adding someone goes to the People page's Invite, nobody is
deleted."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from oss_inbox.staff.roles import ADMIN

pytestmark = pytest.mark.django_db


# What the default change form also requires: without the fix, the posts below are valid and save.
DATES = {"date_joined_0": "2026-12-01", "date_joined_1": "09:00:00"}


def _change(user):
    return reverse("admin:auth_user_change", args=[user.pk])


def test_posting_a_role_or_access_through_django_admin_changes_nothing(client, admin_user, agent):
    client.force_login(admin_user)
    groups_before = set(agent.groups.values_list("name", flat=True))
    form = {
        "username": agent.username, "first_name": "Dana", "last_name": "Reyes", "email": "dana@example.com",
        "groups": [Group.objects.get(name=ADMIN).pk], "is_staff": "on", "is_superuser": "on",
        "user_permissions": [], **DATES,  # is_active left out: unticked, as a browser sends it
    }  # fmt: skip

    response = client.post(_change(agent), form)

    assert response.status_code == 302  # saved: the names
    agent.refresh_from_db()
    assert agent.last_name == "Reyes" and agent.email == "dana@example.com"
    assert set(agent.groups.values_list("name", flat=True)) == groups_before
    assert agent.is_active and not agent.is_staff and not agent.is_superuser


def test_an_admin_cannot_demote_or_deactivate_themselves_through_django_admin(client, admin_user):
    client.force_login(admin_user)
    form = {"username": admin_user.username, "first_name": "Ada", "last_name": "", "email": "", **DATES}
    assert client.post(_change(admin_user), form).status_code == 302
    admin_user.refresh_from_db()
    assert admin_user.is_active and admin_user.is_staff
    assert admin_user.groups.filter(name=ADMIN).exists()


def test_the_change_page_points_to_the_persons_people_page(client, admin_user, agent):
    client.force_login(admin_user)
    page = client.get(_change(agent)).content.decode()
    assert f'href="/settings/people/{agent.pk}/"' in page
    assert "Role, access and sign-in are changed on the People page" in page
    assert 'name="groups"' not in page and 'name="is_active"' not in page  # shown, not editable


def test_adding_someone_in_django_admin_goes_to_the_people_pages_invite(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("admin:auth_user_add"), follow=True)
    assert response.redirect_chain[-1][0] == "/settings/people/#invite-title"
    assert "Invite people on the People page" in response.content.decode()
    response = client.post(
        reverse("admin:auth_user_add"), {"username": "mallory", "usable_password": "false"}
    )
    assert response.status_code == 302 and not type(admin_user).objects.filter(username="mallory").exists()


def test_nobody_is_deleted_through_django_admin(client, admin_user, agent):
    client.force_login(admin_user)
    assert client.post(reverse("admin:auth_user_delete", args=[agent.pk]), {"post": "yes"}).status_code == 403
    assert type(agent).objects.filter(pk=agent.pk).exists()
