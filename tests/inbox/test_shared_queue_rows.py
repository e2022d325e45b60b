"""The queue's rows are made once and shared by every agent asking for the same page (issue 18, page
cost: inbox/queue_rows.py), and still show every change at once."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from oss_inbox.staff.middleware import ZONE_SESSION_KEY
from oss_inbox.tickets.models import Contact, Organization
from oss_inbox.tickets.services import contact_merge, ticket_add_tags, ticket_claim

from .conftest import open_ticket

pytestmark = pytest.mark.django_db

URL = reverse("inbox:queue")


ROW = re.compile(r'<tr class="queue-row[^"]*" data-ticket-row data-ticket-id="(\d+)".*?</tr>', re.S)


def _rows(client, **params):
    """{ticket id: its row's HTML} of the queue page, in order."""
    html = client.get(URL, params).content.decode()
    return {int(found.group(1)): found.group(0) for found in ROW.finditer(html)}


def _signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def _queries(client, **params):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, params).status_code == 200
    return len(queries)


def test_a_second_agent_gets_the_same_rows_without_choosing_them_again(agent, other_agent, twitter, mailbox):
    tickets = [open_ticket(twitter), open_ticket(mailbox), open_ticket(twitter)]
    dana, lee = _signed_in(agent), _signed_in(other_agent)
    _queries(dana)  # each agent's own caches (permissions, menus) warm, as in a running server
    _queries(lee)
    ticket_claim(ticket=tickets[0], user=agent)  # a change: the next page is made again

    first = _queries(dana)
    second = _queries(lee)
    assert second <= first - 3  # the rows (their tickets, the customers, the tags) were not read again
    assert _rows(dana) == _rows(lee)
    assert set(_rows(dana)) == {ticket.pk for ticket in tickets}


def test_a_change_to_a_ticket_shows_on_the_next_page(client, agent, twitter):
    ticket = open_ticket(twitter)
    client.force_login(agent)
    assert "unassigned" in _rows(client)[ticket.pk]
    ticket_claim(ticket=ticket, user=agent)
    ticket_add_tags(ticket=ticket, names=["storm"], actor=agent)
    row = _rows(client)[ticket.pk]
    assert "Dana" in row and '<span class="tag">storm</span>' in row


def test_a_customers_new_name_and_organization_show_though_the_ticket_did_not_change(client, agent, mailbox):
    ticket = open_ticket(mailbox)
    client.force_login(agent)
    assert "St. Brigid" not in _rows(client)[ticket.pk]

    contact = Contact.objects.get(pk=ticket.contact_id)
    contact.name = "Marisol Okafor"
    contact.save()
    assert "Marisol Okafor" in _rows(client)[ticket.pk]

    hospital = Organization.objects.create(name="St. Brigid Regional Hospital", critical_care=True)
    contact.organization = hospital
    contact.save()
    assert "Critical care" in _rows(client)[ticket.pk]


def test_a_merged_customer_shows_on_their_tickets(client, agent, twitter, mailbox):
    on_x, by_mail = open_ticket(twitter), open_ticket(mailbox)
    client.force_login(agent)
    _rows(client)
    survivor = Contact.objects.get(pk=by_mail.contact_id)
    Contact.objects.filter(pk=survivor.pk).update(name="Pat Jones")  # no signal: only the merge tells
    contact_merge(source=Contact.objects.get(pk=on_x.contact_id), target=survivor, actor=agent)
    assert "Pat Jones" in _rows(client)[on_x.pk]


def test_only_the_agents_own_opened_ticket_is_marked(agent, other_agent, twitter):
    first, second = open_ticket(twitter), open_ticket(twitter)
    dana, lee = _signed_in(agent), _signed_in(other_agent)
    dana_rows, lee_rows = _rows(dana, ticket=first.pk), _rows(lee, ticket=second.pk)
    assert (_marked(dana_rows[first.pk]), _marked(dana_rows[second.pk])) == (True, False)
    assert (_marked(lee_rows[first.pk]), _marked(lee_rows[second.pk])) == (False, True)


def _marked(row):
    return "selected" in re.match(r'<tr class="([^"]*)"', row).group(1).split()


def test_mine_is_each_agents_own(agent, other_agent, twitter):
    theirs, ours = open_ticket(twitter), open_ticket(twitter)
    ticket_claim(ticket=theirs, user=other_agent)
    ticket_claim(ticket=ours, user=agent)
    assert list(_rows(_signed_in(agent), view="mine")) == [ours.pk]
    assert list(_rows(_signed_in(other_agent), view="mine")) == [theirs.pk]


def test_each_agent_reads_the_dates_in_their_own_time_zone(agent, other_agent, twitter):
    ticket = open_ticket(twitter)
    dana, lee = _signed_in(agent), _signed_in(other_agent)
    session = lee.session
    session[ZONE_SESSION_KEY] = "Asia/Tokyo"
    session.save()
    arrived = re.compile(r'<time class="age" datetime="([^"]+)"')
    assert arrived.search(_rows(dana)[ticket.pk]).group(1).endswith(("-06:00", "-05:00"))  # America/Chicago
    assert arrived.search(_rows(lee)[ticket.pk]).group(1).endswith("+09:00")


def test_ages_and_timers_move_on_with_the_minute(client, agent, twitter):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        ticket = open_ticket(twitter)
        client.force_login(agent)
        before = _rows(client)[ticket.pk]
        clock.shift(timedelta(hours=2))
        after = _rows(client)[ticket.pk]
    age = re.compile(r'<time class="age"[^>]*>(\d+)d (\d+)h</time>')  # the message was written days ago
    (days, hours), (later_days, later_hours) = age.search(before).groups(), age.search(after).groups()
    assert int(later_days) * 24 + int(later_hours) == int(days) * 24 + int(hours) + 2
