"""The queue page during a storm (issue 20: queue page p95 <= 50 ms throughout): reports arrive every
second, so the queue's version moves before every page and the page is made again each time. It
reads again only the rows that changed, counts the views in one statement, and costs the same
queries however many incidents and linked tickets there are."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from oss_inbox.inbox import queue_rows
from oss_inbox.inbox.queue import VIEWS, _view_condition
from oss_inbox.inbox.queue_counts import count_views
from oss_inbox.incidents.models import Area, Incident, IncidentTicket
from oss_inbox.sla.storm import storm_start
from oss_inbox.tickets.models import OPEN_STATUSES, Ticket
from oss_inbox.tickets.services import ticket_claim
from tests import factories

from .conftest import open_ticket

pytestmark = pytest.mark.django_db

URL = reverse("inbox:queue")
ROW = re.compile(r'<tr class="queue-row[^"]*" data-ticket-row data-ticket-id="(\d+)".*?</tr>', re.S)


def _rows(client):
    html = client.get(URL).content.decode()
    return {int(found.group(1)): found.group(0) for found in ROW.finditer(html)}


def _page_after_a_report(client, twitter):
    """A report arrives (the queue changed), then the agent's page: (its queries, its HTML)."""
    open_ticket(twitter, text="Power out on Elm St, any ETA?")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def _incident(name, tickets):
    area = Area.objects.create(name=name, key=name.lower())
    now = timezone.now()
    incident = Incident.objects.create(
        title=f"{name} feeder",
        area=area,
        status=Incident.Status.CREWS_WORKING,
        created_at=now,
        confirmed_at=now,
    )
    for ticket in tickets:
        IncidentTicket.objects.create(incident=incident, ticket=ticket, linked_by="detector", linked_at=now)
    return incident


def test_during_a_storm_a_page_costs_the_same_queries_however_many_incidents_and_linked_tickets(
    client, agent, supervisor, twitter
):
    storm_start(by=supervisor, reason="Ice storm across the north")
    _incident("Harlan North", [open_ticket(twitter) for _ in range(2)])
    client.force_login(agent)
    client.get(URL)  # the agent's own caches (menus, header) warm, as in a running server
    few, html = _page_after_a_report(client, twitter)
    assert "Storm mode" in html and html.index("storm-first") < html.index('id="view-list"')

    for number in range(4):
        _incident(f"Area {number}", [open_ticket(twitter) for _ in range(6)])
    client.get(URL)
    many, html = _page_after_a_report(client, twitter)
    assert many <= few
    assert len(ROW.findall(html)) == Ticket.objects.count() == 28


def test_a_page_after_a_change_reads_again_only_the_new_and_changed_rows(client, agent, twitter, monkeypatch):
    tickets = [open_ticket(twitter) for _ in range(6)]
    client.force_login(agent)
    before = _rows(client)
    read = []
    real_read = queue_rows.queue_rows_read

    def spy(keys, *args, **kwargs):
        read.extend(key.pk for key in keys)
        return real_read(keys, *args, **kwargs)

    monkeypatch.setattr(queue_rows, "queue_rows_read", spy)
    ticket_claim(ticket=tickets[2], user=agent)
    newcomer = open_ticket(twitter)
    after = _rows(client)

    assert sorted(read) == sorted([tickets[2].pk, newcomer.pk])
    assert set(after) == {ticket.pk for ticket in tickets} | {newcomer.pk}
    name = agent.get_full_name() or agent.get_username()
    assert f'<span class="assignee">{name}</span>' in after[tickets[2].pk]
    assert "unassigned" in before[tickets[2].pk]
    assert all(after[pk] == before[pk] for pk in before if pk != tickets[2].pk)


def test_a_row_whose_due_time_moved_without_a_change_to_the_ticket_is_written_again(
    client, agent, twitter, monkeypatch
):
    # The SLA recompute (a policy or storm change) saves only the SLA fields, not updated_at.
    ticket = open_ticket(twitter)
    client.force_login(agent)
    before = _rows(client)[ticket.pk]
    moved = ticket.sla_due_at + timedelta(days=30)
    Ticket.objects.filter(pk=ticket.pk).update(sla_due_at=moved, first_response_due_at=moved)
    newcomer = open_ticket(twitter)  # the queue's version moves, as the recompute's does not
    after = _rows(client)
    assert newcomer.pk in after
    assert after[ticket.pk] != before


def test_the_view_counts_statement_counts_as_the_views_select(agent, other_agent, twitter):
    now = timezone.now()
    tickets = [open_ticket(twitter, who=factories.author(str(n), f"c{n}", f"Customer {n}")) for n in range(8)]
    ticket_claim(ticket=tickets[0], user=agent)
    ticket_claim(ticket=tickets[1], user=other_agent)
    # The states a storm night brings, set directly: each view's condition must meet some of them.
    Ticket.objects.filter(pk=tickets[2].pk).update(safety="downed_line")
    Ticket.objects.filter(pk=tickets[3].pk).update(status=Ticket.Status.PENDING)
    Ticket.objects.filter(pk=tickets[4].pk).update(is_key_account=True)
    Ticket.objects.filter(pk=tickets[5].pk).update(
        sla_at_risk_at=now - timedelta(minutes=5), sla_due_at=now + timedelta(minutes=10)
    )
    Ticket.objects.filter(pk=tickets[6].pk).update(sla_due_at=now - timedelta(minutes=1))
    Ticket.objects.filter(pk=tickets[7].pk).update(status=Ticket.Status.RESOLVED, safety="gas")

    slugs = [view.slug for view in VIEWS if view.counted]
    counted = count_views(slugs, agent, now)
    open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES)
    expected = {slug: open_tickets.filter(_view_condition(slug, agent, now)).count() for slug in slugs}
    assert counted == expected
    assert counted["safety"] == counted["pending"] == counted["key"] == counted["at_risk"] == 1
    assert counted["mine"] == 1 and counted["open"] == 7 and counted["breached"] >= 1
