"""Reports that name no place: storm mode's acknowledgement asks where the customer is, and their answer
("Buffalo Trl, Harlan", "I'm in Fairview", "66012") puts the ticket in the right area's incident, out
of the wrong one with its history kept; never a ticket a person moved."""

from dataclasses import replace
from datetime import timedelta

import pytest
import time_machine

from oss_inbox.incidents.answers import answer_message_ids, place_answers_read, sweep_place_answers
from oss_inbox.incidents.assign import incident_ticket_move, incident_ticket_unlink, outage_reports_read
from oss_inbox.incidents.gazetteer import gazetteer_load
from oss_inbox.incidents.models import Area, Incident, IncidentTicket, OutageReport
from oss_inbox.incidents.tasks import read_outage_reports
from oss_inbox.sla.models import StormPeriod
from oss_inbox.tickets.models import Message
from oss_inbox.tickets.services import ingest

from .. import factories

pytestmark = pytest.mark.django_db

GAZETTEER = """kind,name,aliases,town,areas
town,Harlan,,,Harlan North;Harlan South
town,Fairview,,,Fairview East
zip,66012,,,Harlan South
street,Buffalo Trl,,Harlan,Harlan South
street,Jefferson St,,Harlan,Harlan North
street,Jefferson St,,Fairview,Fairview East
street,Elm St,,Harlan,Harlan North
"""
MAP = "https://outages.utility.example"
ASK = "Which street and town, or ZIP code, are you at? We'll add you to the right outage."
BASE = factories.BASE_TIME


@pytest.fixture(autouse=True)
def _service_area(settings):
    settings.INCIDENT_SPIKE_REPORTS = 3
    settings.INCIDENT_SPIKE_MINUTES = 10
    assert not gazetteer_load(GAZETTEER).errors


def incident_in(area_name):
    """An open, confirmed incident of the area."""
    return Incident.objects.create(
        title=f"Outage in {area_name}", area=Area.objects.get(name=area_name), created_at=BASE,
        confirmed_at=BASE,
    )  # fmt: skip


def post(account, text, *, customer, minutes=0, thread_key=None):
    who = factories.author(
        external_id=str(customer), handle=f"customer{customer}", name=f"Customer {customer}"
    )
    item = replace(
        factories.inbound(text=text, who=who, thread_key=thread_key),
        sent_at=BASE + timedelta(minutes=minutes),
    )
    with time_machine.travel(item.sent_at, tick=False):
        ingest(account, [item])
    return Message.objects.get(account=account, external_id=item.external_id)


def report(account, text, *, customer, minutes=0):
    """A customer's outage report, stored and read by the worker a moment later."""
    message = post(account, text, customer=customer, minutes=minutes)
    with time_machine.travel(message.sent_at + timedelta(seconds=5), tick=False):
        outage_reports_read([message.pk])
    return message


def answer(account, first, text, *, minutes=5):
    """The same customer writes again in the conversation; ingest's hook and the worker read it."""
    customer = first.ticket.contact.identities.first().external_id
    message = post(account, text, customer=customer, minutes=minutes, thread_key=first.ticket.thread_key)
    assert message.ticket_id == first.ticket_id
    with time_machine.travel(message.sent_at + timedelta(seconds=5), tick=False):
        place_answers_read(answer_message_ids([message]))
    return message


def links(ticket_id):
    """The ticket's incident memberships, oldest first: (area, open?, unlinked by a person?)."""
    rows = IncidentTicket.objects.filter(ticket_id=ticket_id).order_by("linked_at", "id")
    return [
        (link.incident.area.name, link.unlinked_at is None, link.unlinked_by_id is not None) for link in rows
    ]


def fill(account, incident, count):
    """Other customers of Elm St (Harlan North) join the incident, half an hour earlier."""
    for customer in range(100, 100 + count):
        message = report(account, "Power's out on Elm St", customer=customer, minutes=-130 + customer)
        assert IncidentTicket.objects.get(ticket_id=message.ticket_id).incident == incident


def test_a_report_naming_no_place_joins_the_incident_its_answer_names(twitter):
    south = incident_in("Harlan South")
    first = report(twitter, "Power outage again... when is it coming back on?", customer=1)
    assert links(first.ticket_id) == []  # nowhere to put it yet

    answer(twitter, first, "Buffalo Trl, Harlan")

    assert links(first.ticket_id) == [("Harlan South", True, False)]
    assert IncidentTicket.objects.get(ticket_id=first.ticket_id).incident == south
    outage = OutageReport.objects.get(message=first)
    assert outage.area.name == "Harlan South" and outage.candidate_areas == [outage.area_id]
    assert [place["written"] for place in outage.places] == ["buffalo trl", "harlan"]
    assert "no place named; answer (message" in outage.why  # the first reading kept, the answer's added


def test_an_ambiguous_street_then_its_town_moves_the_ticket_to_the_right_incident_with_history(twitter):
    north = incident_in("Harlan North")
    fill(twitter, north, 2)  # the bigger of the two: an ambiguous report joins it
    incident_in("Fairview East")
    first = report(twitter, "No lights on Jefferson St", customer=1)
    assert links(first.ticket_id) == [("Harlan North", True, False)]

    answer(twitter, first, "I'm in Fairview")

    assert links(first.ticket_id) == [("Harlan North", False, False), ("Fairview East", True, False)]
    assert OutageReport.objects.get(message=first).area.name == "Fairview East"


def test_a_zip_answer_with_no_incident_yet_counts_towards_the_areas_spike(twitter):
    for customer in (1, 2):
        report(twitter, "Power's out on Buffalo Trl", customer=customer, minutes=customer)
    first = report(twitter, "no power here, is this the storm?", customer=3, minutes=3)

    answer(twitter, first, "66012")

    incident = Incident.objects.get()
    assert incident.area.name == "Harlan South" and incident.proposed
    assert incident.links.filter(ticket_id=first.ticket_id, unlinked_at__isnull=True).exists()


@pytest.mark.parametrize("person", ["moved", "took out"])
def test_a_ticket_a_person_moved_or_took_out_is_never_moved_back(twitter, agent, person):
    north = incident_in("Harlan North")
    fill(twitter, north, 2)
    incident_in("Fairview East")
    first = report(twitter, "No lights on Jefferson St", customer=1)
    if person == "moved":
        incident_ticket_move(north, first.ticket_id, by="agent", user=agent, now=BASE + timedelta(minutes=2))
        incident_ticket_unlink(first.ticket_id, now=BASE + timedelta(minutes=2))  # restored, say
        incident_ticket_move(north, first.ticket_id, by="agent", user=agent, now=BASE + timedelta(minutes=3))
    else:
        incident_ticket_unlink(first.ticket_id, user=agent, now=BASE + timedelta(minutes=2))
    before = links(first.ticket_id)

    answer(twitter, first, "I'm in Fairview")

    assert links(first.ticket_id) == before
    assert not IncidentTicket.objects.filter(ticket_id=first.ticket_id, incident__area__name="Fairview East")


def test_an_answer_that_names_no_place_changes_nothing_and_a_batch_without_such_tickets_costs_one_query(
    twitter, django_assert_num_queries
):
    first = report(twitter, "Power just went out. Any idea when it'll be back?", customer=1)
    answer(twitter, first, "Any news? Still dark here.")
    assert OutageReport.objects.get(message=first).area is None

    placed = report(twitter, "Power's out on Elm St", customer=2)
    other = post(twitter, "Is my bill late?", customer=3)
    with django_assert_num_queries(1):
        assert answer_message_ids([placed, other]) == []


def storm():
    return StormPeriod.objects.create(
        started_at=BASE - timedelta(hours=1), reason="Ice storm", outage_map_url=MAP
    )


def acks(ticket_id):
    return list(
        Message.objects.filter(
            ticket_id=ticket_id, direction=Message.Direction.OUTBOUND, compose_token__startswith="storm-"
        ).values_list("text", flat=True)
    )


def test_in_storm_mode_the_acknowledgement_asks_only_when_the_report_names_no_single_area(twitter):
    storm()
    north = incident_in("Harlan North")
    fill(twitter, north, 2)
    incident_in("Fairview East")

    placed = report(twitter, "Power's out on Buffalo Trl", customer=1)
    nowhere = report(twitter, "Power outage again... when is it coming back on?", customer=2)
    ambiguous = report(twitter, "No lights on Jefferson St", customer=3)

    assert [ASK in text for text in acks(placed.ticket_id)] == [False]
    assert acks(nowhere.ticket_id) == [
        "Thanks for reporting the outage. We're working on it; you can follow restoration on our "
        f"outage map: {MAP}. {ASK}"
    ]
    [asked] = acks(ambiguous.ticket_id)  # in Harlan North's incident, maybe wrongly: asked, not updated
    assert asked.startswith("Thanks for reporting the outage at Jefferson St.") and asked.endswith(ASK)


def test_the_question_is_asked_once_however_often_the_customer_writes(twitter):
    storm()
    first = report(twitter, "Power just went out. Any idea when it'll be back?", customer=1)
    with time_machine.travel(first.sent_at + timedelta(seconds=9), tick=False):
        outage_reports_read([first.pk])  # the task again
    again = post(twitter, "Still no power!! ETA?", customer=1, minutes=3, thread_key=first.ticket.thread_key)
    with time_machine.travel(again.sent_at + timedelta(seconds=5), tick=False):
        outage_reports_read([again.pk])

    assert len(acks(first.ticket_id)) == 1 and ASK in acks(first.ticket_id)[0]


def test_a_customer_who_wrote_in_spanish_is_asked_in_spanish(twitter):
    storm()
    first = report(twitter, "Se fue la luz. ¿Cuándo regresa?", customer=1)

    [asked] = acks(first.ticket_id)
    assert asked == (
        "Gracias por avisarnos del apagón. Estamos trabajando en ello; puede seguir la restauración en "
        f"nuestro mapa de apagones: {MAP}. ¿En qué calle y ciudad, o código postal, se encuentra? Lo "
        "añadiremos al apagón correcto."
    )
    answer(twitter, first, "Estamos en la calle Buffalo, Harlan")
    assert OutageReport.objects.get(message=first).area.name == "Harlan South"


def test_an_answer_that_came_before_its_report_was_read_is_read_with_the_report(twitter):
    incident_in("Harlan South")
    first = post(twitter, "Lost power 20 min ago. ETA?", customer=1)
    later = post(twitter, "66012", customer=1, minutes=2, thread_key=first.ticket.thread_key)
    assert answer_message_ids([later]) == []  # the worker is behind: no report to answer yet

    with time_machine.travel(later.sent_at + timedelta(minutes=1), tick=False):
        read_outage_reports([first.pk])

    assert links(first.ticket_id) == [("Harlan South", True, False)]


def test_an_answer_whose_task_was_lost_is_read_by_beats_sweep(twitter):
    incident_in("Harlan South")
    first = report(twitter, "Lost power 20 min ago. ETA?", customer=1)
    post(twitter, "I'm on Buffalo Trl in Harlan", customer=1, minutes=3, thread_key=first.ticket.thread_key)
    assert links(first.ticket_id) == []  # its task never ran

    with time_machine.travel(BASE + timedelta(minutes=4), tick=False):
        sweep_place_answers()

    assert links(first.ticket_id) == [("Harlan South", True, False)]


def test_an_x_profiles_town_places_a_street_several_towns_have_and_nothing_else(twitter):
    incident_in("Fairview East")
    incident_in("Harlan North")

    def x_report(text, customer, location):
        who = factories.author(external_id=str(customer), handle=f"customer{customer}", name="Customer")
        item = replace(
            factories.inbound(text=text, who=who, raw={"author": {"location": location}}), sent_at=BASE
        )
        with time_machine.travel(BASE, tick=False):
            ingest(twitter, [item])
        message = Message.objects.get(account=twitter, external_id=item.external_id)
        with time_machine.travel(BASE + timedelta(seconds=5), tick=False):
            read_outage_reports([message.pk])
        return OutageReport.objects.get(message=message)

    street = x_report("No lights on Jefferson St", 1, "Fairview, KS")
    no_street = x_report("Power outage again... when is it coming back on?", 2, "Fairview, KS")

    assert street.area.name == "Fairview East" and 'profile location "Fairview, KS"' in street.why
    *moved_out, now_in = links(street.ticket_id)  # it may have joined Harlan North's first, and left it
    assert now_in == ("Fairview East", True, False) and all(not is_open for _, is_open, _ in moved_out)
    assert no_street.area is None and links(no_street.ticket_id) == []
