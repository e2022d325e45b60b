"""Outage reports grouped into incidents as they arrive: a spike of reports from one area proposes one
incident at the threshold (not below), later reports from the area join it, a ticket is linked once
however often the task runs, and an agent's decision to move a ticket out stands."""

from dataclasses import replace
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from oss_inbox.incidents import tasks
from oss_inbox.incidents.assign import (
    incident_propose_if_spike,
    incident_ticket_link,
    incident_ticket_move,
    incident_ticket_unlink,
    outage_reports_read,
)
from oss_inbox.incidents.gazetteer import gazetteer_load
from oss_inbox.incidents.models import Area, Incident, IncidentTicket, OutageReport, Place
from oss_inbox.tickets.models import Message, Ticket
from oss_inbox.tickets.services import ingest

from .. import factories

pytestmark = pytest.mark.django_db

GAZETTEER = """kind,name,aliases,town,areas
town,Harlan,,,Harlan North; Harlan South
zip,66012,,,Harlan North; Harlan South
street,Elm St,,Harlan,Harlan North
street,Maple Ave,,Harlan,Harlan South
town,Fairview,,,Fairview
"""


@pytest.fixture(autouse=True)
def _service_area(settings):
    settings.INCIDENT_SPIKE_REPORTS = 3
    settings.INCIDENT_SPIKE_MINUTES = 10
    assert not gazetteer_load(GAZETTEER).errors


@pytest.fixture
def enqueued(monkeypatch):
    asked = []
    monkeypatch.setattr(tasks.read_outage_reports, "delay", asked.append)
    return asked


def arrive(account, text, *, customer, minutes, capture, read_after=5):
    """A customer's post stored by ingest; the task the listener asked for run as a worker would."""
    who = factories.author(
        external_id=str(customer), handle=f"customer{customer}", name=f"Customer {customer}"
    )
    item = replace(
        factories.inbound(text=text, who=who), sent_at=factories.BASE_TIME + timedelta(minutes=minutes)
    )
    with time_machine.travel(item.sent_at + timedelta(seconds=read_after), tick=False):
        with capture(execute=True):
            ingest(account, [item])
        message = Message.objects.get(account=account, external_id=item.external_id)
        outage_reports_read([message.pk])
    return message.ticket


def members(incident):
    return set(incident.links.filter(unlinked_at__isnull=True).values_list("ticket_id", flat=True))


def test_ingest_asks_for_the_outage_reports_only(twitter, enqueued, django_capture_on_commit_callbacks):
    items = [
        factories.inbound(text="Power's out on Elm St"),
        factories.inbound(text="Can I set up a payment plan?"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        ingest(twitter, items)

    outage = Message.objects.get(external_id=items[0].external_id)
    assert enqueued == [[outage.pk]]


def test_before_a_gazetteer_is_loaded_no_task_is_asked_for(
    twitter, enqueued, django_capture_on_commit_callbacks
):
    Place.objects.all().delete()
    Area.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        ingest(twitter, [factories.inbound(text="Power's out on Elm St")])

    assert enqueued == []


def test_below_the_threshold_nothing_is_proposed_at_it_one_incident_with_the_reports(
    twitter, enqueued, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    first = arrive(twitter, "Power's out on Elm St", customer=1, minutes=0, capture=capture)
    wider = arrive(twitter, "The whole town of Harlan is dark", customer=9, minutes=1, capture=capture)
    second = arrive(twitter, "no power on elm street in Harlan", customer=2, minutes=3, capture=capture)
    assert not Incident.objects.exists()  # two reports from Harlan North (and one from Harlan): below three

    third = arrive(twitter, "Lights went out on Elm St, Harlan 66012", customer=3, minutes=6, capture=capture)

    incident = Incident.objects.get()
    assert incident.proposed and incident.status == Incident.Status.INVESTIGATING
    assert incident.area.name == "Harlan North" and incident.title == "Outage in Harlan North"
    assert members(incident) == {first.pk, second.pk, third.pk, wider.pk}  # the wider report joins it
    assert set(incident.links.values_list("linked_by", flat=True)) == {"detector"}
    assert "3 customers reported an outage in Harlan North within 10 minutes" in incident.updates.get().text


def test_reports_outside_the_window_or_from_another_area_do_not_add_up(
    twitter, enqueued, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    arrive(twitter, "Power's out on Elm St", customer=1, minutes=0, capture=capture)
    arrive(twitter, "no power on Maple Ave", customer=2, minutes=1, capture=capture)  # Harlan South
    arrive(twitter, "Power's out on Elm St again", customer=3, minutes=11, capture=capture)  # 11 min later
    arrive(twitter, "outage in Harlan", customer=4, minutes=12, capture=capture)  # two areas: counts for none

    assert not Incident.objects.exists()
    assert OutageReport.objects.count() == 4
    assert OutageReport.objects.get(ticket__contact__identities__external_id="4").candidate_areas == sorted(
        Area.objects.filter(name__startswith="Harlan").values_list("pk", flat=True)
    )


def test_new_reports_join_the_open_incident_also_from_a_wider_place(
    twitter, enqueued, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    for customer in range(3):
        arrive(twitter, "Power's out on Elm St", customer=customer, minutes=customer, capture=capture)
    incident = Incident.objects.get()

    later = arrive(twitter, "still no power on Elm St, any ETA?", customer=10, minutes=40, capture=capture)
    wider = arrive(twitter, "Whole town of Harlan is dark", customer=11, minutes=41, capture=capture)
    elsewhere = arrive(twitter, "power out in Fairview", customer=12, minutes=42, capture=capture)
    not_outage = arrive(twitter, "My power bill is wrong, Elm St", customer=13, minutes=43, capture=capture)

    assert Incident.objects.count() == 1
    assert {later.pk, wider.pk} <= members(incident)
    assert elsewhere.pk not in members(incident) and not_outage.pk not in members(incident)
    assert not OutageReport.objects.filter(ticket=not_outage).exists()


def test_reports_read_long_after_they_were_written_propose_nothing(
    twitter, enqueued, django_capture_on_commit_callbacks
):
    # A poll catching up on last night's mentions: three reports of one area, read two hours late.
    for customer in range(3):
        arrive(twitter, "Power's out on Elm St", customer=customer, minutes=customer,
               capture=django_capture_on_commit_callbacks, read_after=2 * 3600)  # fmt: skip

    assert OutageReport.objects.count() == 3
    assert not Incident.objects.exists()


def test_a_ticket_is_linked_once_even_when_the_task_runs_twice(
    twitter, enqueued, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    tickets = [
        arrive(twitter, "Power's out on Elm St", customer=n, minutes=n, capture=capture) for n in range(3)
    ]
    message_ids = list(Message.objects.filter(ticket__in=tickets).values_list("pk", flat=True))

    assert outage_reports_read(message_ids) == 0  # the task again: nothing new
    tasks.read_outage_reports(message_ids)
    incident_propose_if_spike(Incident.objects.get().area_id, now=factories.BASE_TIME + timedelta(minutes=3))

    assert OutageReport.objects.count() == 3
    assert IncidentTicket.objects.count() == 3
    assert Incident.objects.count() == 1


def test_a_second_message_of_the_same_customer_is_one_ticket_not_two_reports_towards_the_spike(
    twitter, enqueued, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    who = factories.author(external_id="7", handle="kim")
    first = factories.inbound(text="Power's out on Elm St", who=who)
    again = factories.inbound(text="Still no power on Elm St!!", who=who, thread_key=first.thread_key)
    with capture(execute=True):
        ingest(twitter, [first, again])
    outage_reports_read(list(Message.objects.values_list("pk", flat=True)))
    arrive(twitter, "Power's out on Elm St", customer=8, minutes=1, capture=capture)

    assert Ticket.objects.count() == 2 and OutageReport.objects.count() == 3
    assert not Incident.objects.exists()  # two customers, below three


def test_an_agent_moves_a_ticket_out_and_the_detector_leaves_it_out(
    twitter, agent, enqueued, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    tickets = [
        arrive(twitter, "Power's out on Elm St", customer=n, minutes=n, capture=capture) for n in range(3)
    ]
    incident = Incident.objects.get()

    assert incident_ticket_unlink(tickets[0].pk, user=agent)
    outage_reports_read(list(Message.objects.filter(ticket=tickets[0]).values_list("pk", flat=True)))
    assert not incident_ticket_link(incident, tickets[0].pk, by=IncidentTicket.LinkedBy.DETECTOR)

    assert members(incident) == {tickets[1].pk, tickets[2].pk}
    history = IncidentTicket.objects.get(ticket=tickets[0])
    assert history.unlinked_by == agent and history.unlinked_at is not None

    incident_ticket_move(incident, tickets[0].pk, by=IncidentTicket.LinkedBy.AGENT, user=agent)
    assert members(incident) == {ticket.pk for ticket in tickets}
    assert IncidentTicket.objects.filter(ticket=tickets[0]).count() == 2  # the history and the new link


def test_the_sweep_reads_a_report_whose_task_was_lost_and_only_once(
    twitter, enqueued, django_capture_on_commit_callbacks
):
    items = [
        factories.inbound(text="Power's out on Elm St"),
        factories.inbound(text="Can I set up a payment plan?"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        ingest(twitter, items)  # the task asked for is lost: `enqueued` only lists it

    tasks.sweep_outage_reports()
    tasks.sweep_outage_reports()

    [report] = OutageReport.objects.all()
    assert report.message.external_id == items[0].external_id
    assert report.area.name == "Harlan North"


def test_beat_runs_the_sweep_every_minute(settings):
    from oss_inbox.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["sweep-outage-reports"]
    assert entry["schedule"] == 60.0 and entry["task"] in app.tasks


def test_admins_see_a_proposed_incident_and_its_tickets_in_django_admin(
    client, admin_user, twitter, enqueued, django_capture_on_commit_callbacks
):
    for customer in range(3):
        arrive(
            twitter,
            "Power's out on Elm St",
            customer=customer,
            minutes=customer,
            capture=django_capture_on_commit_callbacks,
        )
    incident = Incident.objects.get()
    client.force_login(admin_user)

    listing = client.get(reverse("admin:incidents_incident_changelist")).content.decode()
    page = client.get(reverse("admin:incidents_incident_change", args=[incident.pk])).content.decode()

    assert "Outage in Harlan North" in listing
    assert "Proposed by the outage detector" in page and page.count("Outage detector") >= 3


def test_a_ticket_whose_link_was_closed_without_a_person_may_join_a_new_incident(
    twitter, enqueued, django_capture_on_commit_callbacks
):
    tickets = [
        arrive(
            twitter,
            "Power's out on Elm St",
            customer=n,
            minutes=n,
            capture=django_capture_on_commit_callbacks,
        )
        for n in range(3)
    ]
    first = Incident.objects.get()
    incident_ticket_unlink(tickets[0].pk)  # closed by the system (a restoration, later), no person
    second = Incident.objects.create(title="Outage again", area=first.area, created_at=factories.BASE_TIME)

    assert incident_ticket_link(second, tickets[0].pk, by=IncidentTicket.LinkedBy.DETECTOR)
    assert not incident_ticket_link(
        second, tickets[1].pk, by=IncidentTicket.LinkedBy.DETECTOR
    )  # still in one
    assert members(second) == {tickets[0].pk}


def test_a_customer_placed_once_is_placed_again_when_a_later_report_names_no_one_area(
    twitter, enqueued, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    first = arrive(twitter, "Power's out on Maple Ave", customer=7, minutes=0, capture=capture)
    again = arrive(twitter, "power out AGAIN?!", customer=7, minutes=300, capture=capture)
    town = arrive(twitter, "Whole town of Harlan is dark", customer=7, minutes=301, capture=capture)
    moved = arrive(twitter, "power out in Fairview", customer=7, minutes=302, capture=capture)
    stranger = arrive(twitter, "power out AGAIN?!", customer=8, minutes=303, capture=capture)

    assert len({first.pk, again.pk, town.pk, moved.pk}) == 4  # four posts, four tickets, one customer
    area = {
        report.ticket_id: report.area.name if report.area else None for report in OutageReport.objects.all()
    }
    assert area[again.pk] == area[town.pk] == "Harlan South"  # where they were: Maple Ave
    assert area[moved.pk] == "Fairview"  # what they say now wins
    assert area[stranger.pk] is None  # nobody knows where they are
    assert "earlier report was placed in Harlan South" in OutageReport.objects.get(ticket=again).why
