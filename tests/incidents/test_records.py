"""Dismissed proposals and merged incidents are kept as records, and only open incidents (investigating,
crews working) count as open everywhere: the list shows the records under the restored ones, a record's
page says what became of it, and neither blocks a new proposal, takes new reports, nor is offered on a
ticket page."""

from datetime import timedelta

import pytest
from django.urls import reverse

from oss_inbox.incidents import tasks
from oss_inbox.incidents.assign import incident_for_report
from oss_inbox.incidents.gazetteer import gazetteer_load
from oss_inbox.incidents.models import Area, Incident, IncidentTicket
from oss_inbox.incidents.services import IncidentRefused, incident_confirm, incident_dismiss, incident_merge
from oss_inbox.incidents.templatetags.incident_tags import ticket_incident
from oss_inbox.tickets.models import Ticket

from .test_grouping import arrive
from .test_pages import incident, members, tickets

pytestmark = pytest.mark.django_db

GAZETTEER = """kind,name,aliases,town,areas
street,Elm St,,Harlan,Harlan North
street,Maple Ave,,Harlan,Harlan South
"""


@pytest.fixture
def area(db):
    return Area.objects.create(name="Harlan North (Feeder H-11)", key="harlan north feeder h-11")


@pytest.fixture
def service_area(settings):
    settings.INCIDENT_SPIKE_REPORTS = 3
    settings.INCIDENT_SPIKE_MINUTES = 10
    assert not gazetteer_load(GAZETTEER).errors


@pytest.fixture
def enqueued(monkeypatch):
    asked = []
    monkeypatch.setattr(tasks.read_outage_reports, "delay", asked.append)
    return asked


def test_the_list_shows_dismissed_and_merged_under_the_restored_ones(client, supervisor, twitter, area):
    incident(area, [], title="Last week", status=Incident.Status.RESTORED)
    dismissed = incident(area, tickets(twitter, 2), proposed=True, title="A false alarm")
    incident_dismiss(dismissed, user=supervisor)
    target = incident(area, [], title="Harlan feeder H-11")
    merged = incident(area, tickets(twitter, 1, text="no power"), title="Elm St dark")
    incident_merge(merged, target, user=supervisor)
    client.force_login(supervisor)

    page = client.get(reverse("incident_pages:list")).content.decode()

    closed = page[page.index('data-testid="closed"') :]
    assert page.index("Last week") < page.index('data-testid="closed"')
    assert "A false alarm" in closed and "Dismissed by Sam" in closed
    into = reverse("incident_pages:incident", args=[target.pk])
    assert f'Merged into <a href="{into}">Harlan feeder H-11</a>' in closed
    # Held: the tickets it had, though none is in it now.
    assert (
        closed.count('data-label="Tickets it held">2<') == 1 and 'data-label="Tickets it held">1<' in closed
    )
    assert "A false alarm" not in page[: page.index('data-testid="restored"')]  # not among the open ones


def test_a_dismissed_proposal_says_who_dismissed_it_and_takes_no_action(client, supervisor, twitter, area):
    proposal = incident(area, tickets(twitter, 1), proposed=True, title="A false alarm")
    incident_dismiss(proposal, user=supervisor)
    client.force_login(supervisor)

    page = client.get(reverse("incident_pages:incident", args=[proposal.pk])).content.decode()

    assert "<strong>Dismissed</strong> by Sam" in page and "Proposed, not confirmed" not in page
    assert reverse("incident_pages:confirm", args=[proposal.pk]) not in page
    answer = client.post(reverse("incident_pages:confirm", args=[proposal.pk]))
    assert answer.status_code == 422
    assert "This incident was dismissed: there is nothing left to confirm." in answer.content.decode()
    with pytest.raises(IncidentRefused, match="was dismissed: there is nothing to dismiss"):
        incident_dismiss(proposal, user=supervisor)


def test_nothing_is_merged_into_a_merged_or_dismissed_incident(supervisor, twitter, area):
    target = incident(area, [], title="Harlan feeder H-11")
    merged = incident(area, [], title="Elm St dark")
    incident_merge(merged, target, user=supervisor)
    late = incident(area, tickets(twitter, 1), title="Maple Ave")

    with pytest.raises(IncidentRefused, match="“Elm St dark” was merged into “Harlan feeder H-11”: merging"):
        incident_merge(late, merged, user=supervisor)
    with pytest.raises(IncidentRefused, match="This incident was merged into “Harlan feeder H-11”"):
        incident_confirm(merged, user=supervisor)
    assert members(late) and Incident.objects.get(pk=late.pk).status == Incident.Status.INVESTIGATING


def test_the_edit_form_offers_no_dismissed_or_merged_status(client, supervisor, area):
    confirmed = incident(area, [])
    client.force_login(supervisor)
    page = client.get(reverse("incident_pages:incident", args=[confirmed.pk])).content.decode()
    assert 'value="restored"' in page and 'value="dismissed"' not in page and 'value="merged"' not in page


def test_a_dismissed_proposal_does_not_block_a_new_one_in_the_same_area(
    twitter, supervisor, service_area, enqueued, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    first = [
        arrive(twitter, "Power's out on Elm St", customer=n, minutes=n, capture=capture) for n in range(3)
    ]
    dismissed = Incident.objects.get()
    incident_dismiss(dismissed, user=supervisor)
    harlan_north = dismissed.area_id
    assert incident_for_report([harlan_north]) is None  # a dismissed one takes no report

    later = arrive(twitter, "no power on Elm St", customer=7, minutes=5, capture=capture)

    proposal = Incident.objects.exclude(pk=dismissed.pk).get()
    assert proposal.proposed and proposal.is_open and proposal.area_id == harlan_north
    # The dismissed proposal's tickets were closed by no person: they count again.
    assert members(proposal) == {ticket.pk for ticket in first} | {later.pk}
    dismissed.refresh_from_db()
    assert dismissed.status == Incident.Status.DISMISSED and not members(dismissed)


def test_a_merged_incident_takes_no_new_report(
    twitter, supervisor, service_area, enqueued, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    for n in range(3):
        arrive(twitter, "Power's out on Elm St", customer=n, minutes=n, capture=capture)
    merged = Incident.objects.get()
    target = Incident.objects.create(
        title="Harlan, all of it", area=merged.area, created_at=merged.created_at
    )
    incident_merge(merged, target, user=supervisor)

    later = arrive(twitter, "Power's out on Elm St, since 10", customer=8, minutes=20, capture=capture)

    assert later.pk in members(target) and later.pk not in members(merged)
    assert Incident.objects.count() == 2


def test_a_merged_incident_is_not_offered_on_the_ticket_page(client, agent, supervisor, twitter, area):
    stays, moves = tickets(twitter, 2)
    target = incident(area, [stays], title="Harlan North out")
    merged = incident(area, [moves], title="Elm St dark")
    incident_merge(merged, target, user=supervisor)
    client.force_login(agent)

    line = ticket_incident(Ticket(pk=stays))
    assert line["incident"] == target and merged not in line["others"]
    assert ticket_incident(Ticket(pk=moves))["incident"] == target
    page = client.get(reverse("inbox:ticket", args=[moves])).content.decode()
    assert "Harlan North out" in page and "Elm St dark" not in page
    answer = client.post(reverse("incident_pages:ticket_move", args=[stays]), {"to": merged.pk}, follow=True)
    assert "That incident is restored, dismissed or merged: choose an open one." in answer.content.decode()
    assert IncidentTicket.objects.get(ticket_id=stays, unlinked_at__isnull=True).incident == target


def test_the_merge_keeps_its_history_when_the_ticket_later_leaves(supervisor, agent, twitter, area):
    [ticket_id] = tickets(twitter, 1)
    target = incident(area, [], title="Harlan North out")
    merged = incident(area, [ticket_id], title="Elm St dark")
    incident_merge(merged, target, user=supervisor, now=merged.created_at + timedelta(minutes=5))

    history = list(
        IncidentTicket.objects.filter(ticket_id=ticket_id)
        .order_by("linked_at")
        .values_list("incident_id", "linked_by", "unlinked_by")
    )
    assert history == [(merged.pk, "detector", None), (target.pk, "supervisor", None)]
