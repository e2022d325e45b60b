"""Storm mode on the incidents side: with `auto_confirm` a spike's proposal confirms itself (and a waiting
one when a report joins it), and with `auto_acknowledge` each outage report's ticket gets one automatic
reply per storm: its incident's latest update filled for the customer (recorded as that update's
delivery, so the fan-out does not send it again), or the plain acknowledgement with the outage map.
None outside storm mode, before it began, on a safety ticket, or on top of an out-of-hours one."""

from dataclasses import replace
from datetime import timedelta

import pytest
import time_machine

from oss_inbox.incidents.assign import outage_reports_read
from oss_inbox.incidents.fanout import broadcast_send, fanout_run
from oss_inbox.incidents.gazetteer import gazetteer_load
from oss_inbox.incidents.models import Area, Incident, IncidentDelivery, IncidentTicket, OutageReport
from oss_inbox.incidents.storm_acks import storm_acks_send
from oss_inbox.sla.models import Acknowledgement, StormPeriod
from oss_inbox.tickets.models import Message
from oss_inbox.tickets.services import ingest, ticket_reply

from .. import factories

pytestmark = pytest.mark.django_db

GAZETTEER = """kind,name,aliases,town,areas
street,Elm St,,Harlan,Harlan North
street,Maple Ave,,Harlan,Harlan South
"""
MAP = "https://outages.utility.example"
PLAIN = (
    "Thanks for reporting the outage at Elm St. We're working on it; you can follow restoration on our "
    f"outage map: {MAP}"
)
BASE = factories.BASE_TIME  # 9:00 AM in Chicago, a Monday


@pytest.fixture(autouse=True)
def _service_area(settings):
    settings.INCIDENT_SPIKE_REPORTS = 3
    settings.INCIDENT_SPIKE_MINUTES = 10
    assert not gazetteer_load(GAZETTEER).errors


def storm(*, started_at=BASE - timedelta(hours=1), **fields):
    fields = {"reason": "Ice storm", "outage_map_url": MAP, **fields}
    return StormPeriod.objects.create(started_at=started_at, **fields)


def post(account, text, *, customer, minutes=0, thread_key=None):
    """A customer's post stored by ingest (the worker's reading is `read`)."""
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


def read(*messages, after=timedelta(seconds=5)):
    """The worker reads the messages as outage reports, a moment after the last was written."""
    with time_machine.travel(max(message.sent_at for message in messages) + after, tick=False):
        return outage_reports_read([message.pk for message in messages])


def arrive(account, text, *, customer, minutes=0):
    message = post(account, text, customer=customer, minutes=minutes)
    read(message)
    return message


def acks(ticket_id):
    """The storm acknowledgements sent on the ticket."""
    return list(
        Message.objects.filter(
            ticket_id=ticket_id, direction=Message.Direction.OUTBOUND, compose_token__startswith="storm-"
        )
    )


def outbound(ticket_id):
    return Message.objects.filter(ticket_id=ticket_id, direction=Message.Direction.OUTBOUND).count()


@pytest.mark.parametrize("storm_mode", [None, {"auto_confirm": False}])
def test_without_auto_confirm_a_spike_is_only_proposed(twitter, storm_mode):
    if storm_mode is not None:
        storm(**storm_mode)
    for customer in range(3):
        arrive(twitter, "Power's out on Elm St", customer=customer, minutes=customer)

    incident = Incident.objects.get()
    assert incident.proposed and incident.confirmed_at is None
    assert "Confirmed automatically" not in " ".join(incident.updates.values_list("text", flat=True))


def test_in_storm_mode_with_auto_confirm_a_spike_is_confirmed_at_once(twitter):
    storm(auto_confirm=True)
    for customer in range(3):
        arrive(twitter, "Power's out on Elm St", customer=customer, minutes=customer)

    incident = Incident.objects.get()
    assert not incident.proposed and incident.is_open
    assert incident.confirmed_by is None and incident.confirmed_at == BASE + timedelta(minutes=2)
    texts = list(incident.updates.values_list("text", flat=True))
    assert texts[0].startswith("Proposed by the outage detector: 3 customers")
    assert texts[1:] == ["Confirmed automatically: storm mode."]
    assert incident.links.filter(unlinked_at__isnull=True).count() == 3


def test_a_proposal_waiting_when_storm_mode_began_confirms_itself_when_a_report_joins_it(twitter):
    for customer in range(3):
        arrive(twitter, "Power's out on Elm St", customer=customer, minutes=customer)
    assert Incident.objects.get().proposed
    storm(started_at=BASE + timedelta(minutes=5), auto_confirm=True)

    later = arrive(twitter, "no power on Elm St", customer=9, minutes=10)

    incident = Incident.objects.get()
    assert not incident.proposed and incident.confirmed_by is None
    assert incident.updates.last().text == "Confirmed automatically: storm mode."
    assert incident.links.filter(ticket_id=later.ticket_id, unlinked_at__isnull=True).exists()


def test_an_outage_report_gets_one_acknowledgement_per_storm_however_often_it_is_read(twitter):
    storm()
    first = post(twitter, "Power's out on Elm St", customer=1)

    read(first)
    read(first)  # the task again
    with time_machine.travel(first.sent_at + timedelta(seconds=9), tick=False):
        assert storm_acks_send([first.pk]) == 0
    again = post(
        twitter, "Still no power on Elm St!!", customer=1, minutes=3, thread_key=first.ticket.thread_key
    )
    read(again)  # the same customer again, in the same conversation

    assert again.ticket_id == first.ticket_id
    [ack] = acks(first.ticket_id)
    assert ack.text == PLAIN
    assert ack.is_automatic and ack.author_user is None and ack.delivery_state == Message.Delivery.QUEUED
    assert outbound(first.ticket_id) == 1
    assert ack.context["storm_ack"]["incident"] is None


def test_the_acknowledgement_is_the_incidents_latest_update_filled_and_the_fan_out_skips_it(
    twitter, supervisor
):
    area = Area.objects.get(name="Harlan North")
    incident = Incident.objects.create(
        title="Harlan North out", area=area, status=Incident.Status.CREWS_WORKING, created_at=BASE,
        confirmed_at=BASE, etr=BASE + timedelta(hours=4, minutes=30),
    )  # fmt: skip
    earlier = arrive(twitter, "Power's out on Elm St", customer=1)  # before storm mode: no acknowledgement
    IncidentTicket.objects.filter(ticket_id=earlier.ticket_id).update(incident=incident)  # it is in it
    with time_machine.travel(BASE + timedelta(minutes=1), tick=False):
        broadcast_send(incident=incident, text="Crews are on their way to {{area}}.", author=supervisor)
    with time_machine.travel(BASE + timedelta(minutes=2), tick=False):
        latest = broadcast_send(
            incident=incident,
            text="Hi {{first_name}}, {{area}}: {{status}}, power back by {{etr}}.",
            author=supervisor,
        )
    storm(started_at=BASE + timedelta(minutes=3))

    joined = arrive(twitter, "no power on Elm St since 8", customer=2, minutes=4)
    with time_machine.travel(BASE + timedelta(minutes=5), tick=False):
        fanout_run(latest.pk)  # the update's fan-out, planned before the customer wrote

    [ack] = acks(joined.ticket_id)
    assert ack.text == "Hi Customer, Harlan North: crews working, power back by 1:30 PM."
    delivery = IncidentDelivery.objects.get(update=latest, ticket_id=joined.ticket_id)
    assert delivery.state == IncidentDelivery.State.QUEUED and delivery.message == ack
    assert delivery.channel == ack.kind
    assert outbound(joined.ticket_id) == 1  # the fan-out did not send it again
    assert outbound(earlier.ticket_id) == 1  # the latest broadcast, no acknowledgement
    assert not IncidentDelivery.objects.filter(ticket_id=joined.ticket_id).exclude(update=latest).exists()


def test_when_the_fan_out_holds_the_ticket_already_the_plain_acknowledgement_goes(twitter, supervisor):
    area = Area.objects.get(name="Harlan North")
    incident = Incident.objects.create(
        title="Harlan North out", area=area, created_at=BASE, confirmed_at=BASE
    )
    storm()
    message = post(twitter, "Power's out on Elm St", customer=1, minutes=1)
    IncidentTicket.objects.create(
        incident=incident, ticket_id=message.ticket_id, linked_by="agent", linked_at=BASE
    )
    with time_machine.travel(BASE + timedelta(minutes=2), tick=False):
        update = broadcast_send(incident=incident, text="Crews are in {{area}}.", author=supervisor)

    read(message, after=timedelta(minutes=2))

    assert (
        IncidentDelivery.objects.get(update=update).state == IncidentDelivery.State.PENDING
    )  # the fan-out's
    [ack] = acks(message.ticket_id)
    assert ack.text == PLAIN


def test_a_delivery_the_fan_out_skipped_is_taken_over_by_the_acknowledgement(twitter, supervisor):
    area = Area.objects.get(name="Harlan North")
    incident = Incident.objects.create(
        title="Harlan North out", area=area, created_at=BASE, confirmed_at=BASE
    )
    storm()
    message = post(twitter, "Power's out on Elm St", customer=1, minutes=1)
    IncidentTicket.objects.create(
        incident=incident, ticket_id=message.ticket_id, linked_by="agent", linked_at=BASE
    )
    with time_machine.travel(BASE + timedelta(minutes=2), tick=False):
        update = broadcast_send(incident=incident, text="Crews are in {{area}}.", author=supervisor)
    IncidentDelivery.objects.filter(update=update).update(
        state=IncidentDelivery.State.SKIPPED, reason="The channel could not take it then."
    )

    read(message, after=timedelta(minutes=2))

    [ack] = acks(message.ticket_id)
    assert ack.text == "Crews are in Harlan North."
    delivery = IncidentDelivery.objects.get(update=update)
    assert delivery.state == IncidentDelivery.State.QUEUED and delivery.message == ack and not delivery.reason


@pytest.mark.parametrize(
    "storm_mode",
    [None, {"auto_acknowledge": False}, {"started_at": BASE + timedelta(minutes=1)}],
    ids=["no storm", "auto-acknowledge off", "written before the storm began"],
)
def test_no_acknowledgement_outside_storm_mode_or_when_it_does_not_ask(twitter, storm_mode):
    if storm_mode is not None:
        storm(**storm_mode)

    message = post(twitter, "Power's out on Elm St", customer=1)
    read(message, after=timedelta(minutes=2))

    assert message.ticket.contact and acks(message.ticket_id) == []
    assert outbound(message.ticket_id) == 0


def test_a_safety_ticket_gets_its_safety_advice_and_no_storm_acknowledgement(twitter):
    storm()
    message = post(twitter, "A power line is down and sparking on Elm St, and our power's out", customer=1)
    read(message)

    message.ticket.refresh_from_db()
    assert message.ticket.safety  # what makes the case: a safety report that is also an outage report
    assert OutageReport.objects.filter(message=message).exists()
    assert acks(message.ticket_id) == []
    advice = Message.objects.filter(ticket_id=message.ticket_id, direction=Message.Direction.OUTBOUND)
    assert [reply.context.get("safety_advice") is not None for reply in advice] == [True]


def test_no_storm_acknowledgement_on_top_of_an_out_of_hours_one_in_this_storm(twitter):
    storm(extend_coverage=False)
    message = post(twitter, "Power's out on Elm St", customer=1)
    ticket = message.ticket
    with time_machine.travel(message.sent_at, tick=False):
        out_of_hours = ticket_reply(ticket=ticket, author=None, text="We're back at 8 AM.", automatic=True)
    Acknowledgement.objects.create(
        account=twitter,
        thread_key=ticket.thread_key,
        reopens_at=BASE + timedelta(hours=23),
        message=out_of_hours,
    )

    read(message)

    assert acks(ticket.pk) == [] and outbound(ticket.pk) == 1
