"""The ticket page's cached lists (colleagues, SLA policy, canned responses) follow every change at once."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from oss_inbox.inbox.models import CannedResponse
from oss_inbox.sla.models import SlaPolicy
from oss_inbox.staff.roles import AGENT

pytestmark = pytest.mark.django_db


def _page(client, ticket):
    return client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()


def test_a_new_colleague_and_a_departed_one_show_in_the_assign_menu_at_once(client, agent, x_ticket):
    client.force_login(agent)
    assert "Rosa" not in _page(client, x_ticket)  # the colleagues are now cached

    rosa = User.objects.create_user("rosa", first_name="Rosa")
    rosa.groups.add(Group.objects.get(name=AGENT))
    assert f'<option value="{rosa.pk}">Rosa</option>' in _page(client, x_ticket)

    rosa.is_active = False
    rosa.save()
    assert "Rosa" not in _page(client, x_ticket)

    rosa.is_active = True
    rosa.save()
    rosa.groups.clear()  # no longer works the queue
    assert "Rosa" not in _page(client, x_ticket)


def test_a_new_sla_policy_names_itself_on_the_ticket_at_once(client, agent, x_ticket):
    client.force_login(agent)
    assert "(Social 2h policy)" not in _page(client, x_ticket)
    policy = SlaPolicy.objects.create(
        name="Social 2h", channel_kind="twitter", first_response_target=timedelta(hours=2)
    )
    assert "(Social 2h policy)" in _page(client, x_ticket)
    policy.delete()
    assert "(Social 2h policy)" not in _page(client, x_ticket)


def test_canned_responses_offered_follow_edits_and_the_channel(client, agent, x_ticket):
    client.force_login(agent)
    assert 'value="Outage update"' not in _page(client, x_ticket)
    canned = CannedResponse.objects.create(
        name="Outage update", text="Crews are out.", channel_kind="twitter"
    )
    CannedResponse.objects.create(name="Email only", text="Dear customer", channel_kind="email")
    page = _page(client, x_ticket)
    assert '<option value="Outage update">' in page and "Email only" not in page
    canned.name = "Storm update"
    canned.save()
    assert '<option value="Storm update">' in _page(client, x_ticket)


def test_the_cached_colleagues_hold_no_password_hash_and_a_login_keeps_them(client, agent, x_ticket):
    from django.contrib.auth.signals import user_logged_in
    from django.core.cache import cache
    from django.test import RequestFactory

    from oss_inbox.staff.roles import QUEUE_WORKERS_KEY, queue_workers_list

    client.force_login(agent)
    _page(client, x_ticket)
    version = cache.get(f"{QUEUE_WORKERS_KEY}:version")
    assert all("password" not in user.__dict__ for user in queue_workers_list())
    # A sign-in (through the login form, as django-axes, listening too, expects) writes last_login only.
    user_logged_in.send(sender=User, request=RequestFactory().post("/login/"), user=agent)
    assert cache.get(f"{QUEUE_WORKERS_KEY}:version") == version
