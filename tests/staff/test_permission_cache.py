"""A person's permissions are read from the cache, not from the database on every request, and a
change of their role, of a role's permissions or of the person shows on their very next request."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from oss_inbox.staff.people import person_set_role
from oss_inbox.staff.roles import AGENT, SUPERVISOR

pytestmark = pytest.mark.django_db


def permission_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, [q["sql"] for q in queries if "auth_permission" in q["sql"]]


def test_the_refresh_check_reads_no_permissions_once_they_are_cached(client, agent):
    client.force_login(agent)
    first, _ = permission_queries(client, reverse("inbox:queue-version"))
    assert first.status_code == 200
    again, read = permission_queries(client, reverse("inbox:queue-version"))
    assert again.status_code == 200
    assert read == []


def test_a_role_taken_away_is_refused_on_the_next_request(client, agent):
    client.force_login(agent)
    assert client.get(reverse("inbox:queue")).status_code == 200
    agent.groups.remove(Group.objects.get(name=AGENT))
    assert client.get(reverse("inbox:queue")).status_code == 403


def test_a_role_changed_on_the_people_page_shows_at_once(client, agent, admin_user):
    client.force_login(agent)
    assert client.get(reverse("dashboards:page")).status_code == 403  # agents see no dashboard
    person_set_role(actor=admin_user, person=agent, role=SUPERVISOR)
    assert client.get(reverse("dashboards:page")).status_code == 200


def test_a_permission_taken_from_a_role_is_refused_on_the_next_request(client, agent):
    client.force_login(agent)
    assert client.get(reverse("inbox:queue")).status_code == 200
    work_queue = Permission.objects.get(codename="work_queue", content_type__app_label="tickets")
    Group.objects.get(name=AGENT).permissions.remove(work_queue)
    assert client.get(reverse("inbox:queue")).status_code == 403


def test_each_person_has_their_own_permissions(client, agent, supervisor):
    client.force_login(supervisor)
    assert client.get(reverse("dashboards:page")).status_code == 200
    client.force_login(agent)
    assert client.get(reverse("dashboards:page")).status_code == 403


def test_the_signed_in_person_comes_from_the_cache_and_a_change_to_them_shows_at_once(client, agent):
    client.force_login(agent)
    client.get(reverse("inbox:queue-version"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("inbox:queue-version")).status_code == 200
    assert not [q["sql"] for q in queries if 'FROM "auth_user"' in q["sql"]]

    agent.first_name = "Danielle"
    agent.save()
    assert "Danielle" in client.get(reverse("inbox:queue")).content.decode()  # the top bar's name
    agent.set_password("a-new-one-entirely")  # signs out every session made with the old one
    agent.save()
    assert client.get(reverse("inbox:queue")).status_code == 302
    client.force_login(agent)
    agent.is_active = False
    agent.save()
    assert client.get(reverse("inbox:queue")).status_code == 302  # to the sign-in page


def test_the_person_with_their_password_hash_is_never_written_to_the_shared_cache(client, agent, monkeypatch):
    import pickle

    from django.core.cache import cache

    written = []
    set_ = cache.set
    monkeypatch.setattr(
        cache,
        "set",
        lambda key, value, *args, **kwargs: written.append(value) or set_(key, value, *args, **kwargs),
    )
    client.force_login(agent)
    assert client.get(reverse("inbox:queue")).status_code == 200
    assert written and not [value for value in written if agent.password.encode() in pickle.dumps(value)]
