"""Storm mode in the desk: storm canned responses first in the composer's picker, a Storm box on the
canned-response form, and safety reports still on top of the queue."""

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from oss_inbox.inbox.models import CannedResponse
from oss_inbox.sla.storm import storm_end, storm_start
from oss_inbox.tickets.models import Ticket
from oss_inbox.tickets.services import ingest
from tests import factories

from .conftest import queue_ids

pytestmark = pytest.mark.django_db


def offered(client, ticket):
    page = client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    datalist = page[page.index('<datalist id="canned-names">') :]
    return re.findall(r'<option value="([^"]+)">', datalist[: datalist.index("</datalist>")])


def test_storm_canned_responses_come_first_only_during_storm_mode(client, agent, supervisor, x_ticket):
    for name, storm in (
        ("Billing dates", False),
        ("Outage map", True),
        ("Apology", False),
        ("Crews out", True),
    ):
        CannedResponse.objects.create(name=name, text=f"{name}.", storm=storm)
    client.force_login(agent)
    assert offered(client, x_ticket) == ["Apology", "Billing dates", "Crews out", "Outage map"]
    storm_start(by=supervisor, reason="Derecho")
    assert offered(client, x_ticket) == ["Crews out", "Outage map", "Apology", "Billing dates"]
    storm_end(by=supervisor, reason="Restored")
    assert offered(client, x_ticket) == ["Apology", "Billing dates", "Crews out", "Outage map"]


def test_an_admin_marks_a_canned_response_storm(client, admin_user):
    client.force_login(admin_user)
    form = client.get("/settings/canned/new/").content.decode()
    assert 'name="storm"' in form and "Offered first while storm mode is on" in form
    client.post(
        "/settings/canned/new/",
        {"name": "Outage map", "channel_kind": "", "storm": "on", "text": "See the map."},
    )
    assert CannedResponse.objects.get(name="Outage map").storm
    assert 'badge">Storm' in client.get("/settings/canned/").content.decode()


def test_safety_reports_still_top_the_queue_during_storm_mode(client, agent, supervisor, twitter):
    storm_start(
        by=supervisor, reason="Derecho", first_response_target=timedelta(hours=2), sla_reason="All in"
    )
    outages = []
    for n in range(4):  # written now, during the storm (factories date their items in the past)
        item = factories.inbound(who=factories.author(str(n), f"c{n}"), text=f"Power out on Elm St {n}")
        ingest(twitter, [replace(item, sent_at=timezone.now())])
        outages.append(Ticket.objects.get(thread_key=item.thread_key))
    report = replace(
        factories.inbound(who=factories.author("99", "neighbour"), text="wire down and sparking on Oak St!!"),
        sent_at=timezone.now(),
    )
    ingest(twitter, [report])
    wire = Ticket.objects.get(thread_key=report.thread_key)
    assert wire.safety and all(not ticket.safety for ticket in outages)
    # The storm's two hours are for the outage reports; the safety report keeps its 15 minutes.
    assert wire.first_response_due_at - wire.created_at == timedelta(minutes=15)
    assert {ticket.first_response_due_at - ticket.created_at for ticket in outages} == {timedelta(hours=2)}
    client.force_login(agent)
    for view in ("open", "unassigned", "mine"):
        assert queue_ids(client, view=view)[0] == wire.pk, view


def test_the_demo_has_storm_canned_responses_that_fit_on_x(agent, x_ticket):
    from oss_inbox.demo.extras import ensure_canned_responses
    from oss_inbox.inbox.canned import canned_fill

    ensure_canned_responses()
    storm = CannedResponse.objects.filter(storm=True)
    assert storm.count() == 3 and CannedResponse.objects.filter(storm=False).count() == 5
    assert all(len(canned_fill(canned.text, ticket=x_ticket, agent=agent)) <= 280 for canned in storm)
