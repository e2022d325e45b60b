"""What the queue and ticket pages keep between requests to cost less (issue 18, page cost) still shows
every change at once: the colleagues' menus are made once per change of the colleagues."""

import re

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from oss_inbox.staff.roles import AGENT

pytestmark = pytest.mark.django_db

URL = reverse("inbox:queue")


def _menus(client, **params):
    html = client.get(URL, params).content.decode()
    filters = re.search(r'<select name="assignee">(.*?)</select>', html, re.S).group(1)
    bulk = re.search(r'<select id="bulk-assignee" name="assignee">(.*?)</select>', html, re.S).group(1)
    return filters, bulk


def test_a_new_colleague_shows_in_the_queues_menus_at_once_and_a_departed_one_goes(client, agent):
    client.force_login(agent)
    assert all("Rosa" not in menu for menu in _menus(client))  # the options are now cached

    rosa = User.objects.create_user("rosa", first_name="Rosa")
    rosa.groups.add(Group.objects.get(name=AGENT))
    filters, bulk = _menus(client)
    assert f'<option value="{rosa.pk}">Rosa</option>' in filters
    assert f'<option value="{rosa.pk}">Rosa</option>' in bulk

    rosa.first_name = "Rosalind"
    rosa.save()
    assert all(f'value="{rosa.pk}">Rosalind<' in menu for menu in _menus(client))

    rosa.is_active = False
    rosa.save()
    assert all("Rosa" not in menu for menu in _menus(client))


def test_the_queues_menus_mark_the_chosen_assignee_and_the_bulk_bar_offers_yourself(
    client, agent, other_agent
):
    client.force_login(agent)
    filters, bulk = _menus(client, assignee=other_agent.pk)
    assert re.findall(r"<option [^>]*selected[^>]*>", filters) == [
        f'<option value="{other_agent.pk}" selected>'
    ]
    assert re.findall(r"<option [^>]*selected[^>]*>", bulk) == [f'<option value="{agent.pk}" selected>']
    assert bulk.endswith('<option value="">Nobody (unassign)</option>')

    filters, _bulk = _menus(client, assignee="none")
    assert re.findall(r"<option [^>]*selected[^>]*>", filters) == ['<option value="none" selected>']
    filters, _bulk = _menus(client)
    assert "selected" not in filters  # Anyone


def test_a_colleagues_name_is_escaped_in_the_menus(client, agent, x_ticket):
    mallory = User.objects.create_user("mallory", first_name='<b>"Mal"</b>')
    mallory.groups.add(Group.objects.get(name=AGENT))
    client.force_login(agent)
    ticket_page = client.get(reverse("inbox:ticket", args=[x_ticket.pk])).content.decode()
    for html in (*_menus(client), ticket_page):
        assert "&lt;b&gt;&quot;Mal&quot;&lt;/b&gt;" in html and '<b>"Mal"</b>' not in html
