"""A safety report in ingest: the ticket is Urgent and pinned, escalates at once, the customer gets
the safety advice once per conversation, at any hour."""

from dataclasses import replace
from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from oss_inbox.safety.models import OnCall, SafetyReply
from oss_inbox.sla.models import CoverageSchedule
from oss_inbox.staff.models import Notification
from oss_inbox.tickets.models import Contact, Message, Organization, Ticket, TicketEvent
from oss_inbox.tickets.services import ingest, ticket_set_safety, ticket_set_status

from .. import factories
from ..sla.conftest import local

pytestmark = pytest.mark.django_db

TWO_AM = local(2026, 11, 4, 2, 0)  # a Wednesday: coverage opens at 07:00
NOON = local(2026, 11, 4, 12, 0)
DOWNED = "power line down and sparking on Elm St, right by the school"


def arrive(account, when, **fields):
    item = replace(factories.inbound(**fields), sent_at=when)
    with time_machine.travel(when, tick=False):
        ingest(account, [item])
    return Ticket.objects.get(messages__external_id=item.external_id)


def safety_replies(ticket):
    return list(ticket.messages.filter(direction="outbound", context__safety_advice__isnull=False))


def test_a_downed_line_at_2am_is_urgent_escalates_to_on_call_and_gets_advice_once(
    twitter, agent, supervisor, django_capture_on_commit_callbacks, team_mails_sent_at_once
):
    on_call = OnCall.objects.create(user=agent, sms_email="3125550123@sms.example")
    agent.email = "dana@utility.example"
    agent.save()

    with django_capture_on_commit_callbacks(execute=True):
        ticket = arrive(twitter, TWO_AM, text=DOWNED)

    assert ticket.safety == "downed_line"
    assert ticket.priority == Ticket.Priority.URGENT
    assert ticket.first_response_due_at == TWO_AM + timedelta(minutes=15)
    report = ticket.messages.get(direction="inbound")
    assert report.context["safety"]["matched"] == "power line down"
    assert TicketEvent.objects.filter(ticket=ticket, kind="safety").count() == 2  # the report and the advice
    told = Notification.objects.filter(ticket=ticket)
    assert [n.recipient for n in told] == [on_call.user]
    assert "Safety: downed line" in told[0].text
    assert {tuple(m.to) for m in mail.outbox} >= {("dana@utility.example",), ("3125550123@sms.example",)}
    [advice] = safety_replies(ticket)
    assert advice.is_automatic and advice.delivery_state == "queued"
    assert "30 feet" in advice.text
    assert not Message.objects.filter(ticket=ticket, context__has_key="back_at").exists()
    # A second report in the same conversation: no second advice, no second escalation.
    again = arrive(twitter, TWO_AM, text="the wires are still sparking!!", thread_key=ticket.thread_key)
    assert again == ticket
    assert len(safety_replies(ticket)) == 1
    assert Notification.objects.filter(ticket=ticket).count() == 1


def test_in_hours_the_supervisors_are_told_not_the_on_call(twitter, agent, supervisor):
    OnCall.objects.create(user=agent)
    ticket = arrive(twitter, NOON, text="I smell gas outside my meter, huele a gas")
    assert ticket.safety == "gas"
    assert [n.recipient for n in Notification.objects.filter(ticket=ticket)] == [supervisor]
    [advice] = safety_replies(ticket)
    assert "smell gas" in advice.text


def test_nobody_on_call_at_night_tells_the_supervisors(twitter, supervisor):
    ticket = arrive(twitter, TWO_AM, text=DOWNED)
    [told] = Notification.objects.filter(ticket=ticket)
    assert told.recipient == supervisor and "nobody is on call" in told.text


def test_an_on_call_rota_outside_its_hours_is_not_called(twitter, agent, other_agent, supervisor):
    days = CoverageSchedule.objects.create(
        name="Day rota", weekly={str(d): [["09:00", "17:00"]] for d in range(7)}
    )
    OnCall.objects.create(user=agent, schedule=days)
    OnCall.objects.create(user=other_agent)
    ticket = arrive(twitter, TWO_AM, text=DOWNED)
    assert [n.recipient for n in Notification.objects.filter(ticket=ticket)] == [other_agent]


def test_spanish_reports_get_the_spanish_advice(facebook):
    ticket = arrive(
        facebook, NOON, kind="comment", text="Hay un cable caído en la calle Roble y echa chispas"
    )
    [advice] = safety_replies(ticket)
    assert "cable caído" in advice.text and advice.kind == "comment"


def test_switched_off_channel_gets_no_advice_but_still_escalates(twitter, supervisor):
    SafetyReply.objects.filter(kind="mention").update(enabled=False)
    ticket = arrive(twitter, NOON, text=DOWNED)
    assert ticket.safety and not safety_replies(ticket)
    assert Notification.objects.filter(ticket=ticket).exists()


def test_ordinary_and_lookalike_messages_are_not_safety(twitter):
    for text in ("my bill is a gas", "the website is down again", "Power out on Elm St since 6am"):
        ticket = arrive(twitter, NOON, text=text)
        assert ticket.safety == "" and ticket.priority == Ticket.Priority.NORMAL, text
    assert not Message.objects.filter(direction="outbound").exists()


def test_auto_replies_are_never_read_or_answered(mailbox):
    first = replace(factories.email(text="There is a gas leak at the back of our building"), sent_at=NOON)
    with time_machine.travel(NOON, tick=False):
        ingest(mailbox, [first])
    ticket = Ticket.objects.get()
    bounce = factories.email(
        text="Delivery failed: stay at least 30 feet away from downed lines",
        reply_to_ids=(first.external_id,),
        is_automatic=True,
    )
    with time_machine.travel(NOON, tick=False):
        ingest(mailbox, [replace(bounce, sent_at=NOON)])
    assert len(safety_replies(ticket)) == 1


def test_critical_care_customers_outage_is_a_safety_ticket_and_their_tickets_are_high(twitter):
    ticket = arrive(twitter, NOON, text="what is my balance?", who=factories.author("777", "oxygenmom"))
    Contact.objects.filter(pk=ticket.contact_id).update(critical_care=True)
    billing = arrive(twitter, NOON, text="and when is my bill due?", who=factories.author("777", "oxygenmom"))
    assert billing.priority == Ticket.Priority.HIGH and not billing.safety
    outage = arrive(
        twitter, NOON, text="our power is out since 1am", who=factories.author("777", "oxygenmom")
    )
    assert outage.safety == "outage" and outage.priority == Ticket.Priority.URGENT
    [advice] = safety_replies(outage)
    assert "911" in advice.text
    # The same words from anyone else are an outage report, not a safety one.
    other = arrive(twitter, NOON, text="our power is out since 1am", who=factories.author("888", "neighbour"))
    assert not other.safety


def test_a_critical_care_organization_counts_for_its_people(mailbox):
    hospital = Organization.objects.create(name="Mercy Hospital", critical_care=True)
    from oss_inbox.tickets.models import OrganizationDomain

    OrganizationDomain.objects.create(organization=hospital, domain="mercy.example")
    item = replace(
        factories.email(sender="ops@mercy.example", text="We have no power in the east wing"), sent_at=NOON
    )
    with time_machine.travel(NOON, tick=False):
        ingest(mailbox, [item])
    ticket = Ticket.objects.get()
    assert ticket.safety == "outage" and ticket.priority == Ticket.Priority.URGENT


def test_a_report_fetched_two_days_late_is_flagged_but_pages_nobody_and_gets_no_advice(twitter, supervisor):
    item = replace(factories.inbound(text=DOWNED), sent_at=NOON - timedelta(days=2))
    with time_machine.travel(NOON, tick=False):
        ingest(twitter, [item])
    ticket = Ticket.objects.get()
    assert ticket.safety == "downed_line" and ticket.priority == Ticket.Priority.URGENT
    assert not Notification.objects.exists() and not safety_replies(ticket)


def test_many_reports_in_one_batch_each_get_their_advice_and_escalation(twitter, supervisor):
    reports = [
        replace(factories.inbound(who=factories.author(str(n), f"n{n}"), text=text), sent_at=NOON)
        for n, text in enumerate(["wires down on Oak St", "I smell gas in the alley", "huele a gas aquí"])
    ]
    with time_machine.travel(NOON, tick=False):
        ingest(twitter, reports)
    tickets = Ticket.objects.order_by("pk")
    assert [t.safety for t in tickets] == ["downed_line", "gas", "gas"]
    assert [len(safety_replies(t)) for t in tickets] == [1, 1, 1]
    assert "Si huele a gas" in safety_replies(tickets[2])[0].text
    assert Notification.objects.filter(recipient=supervisor).count() == 3


def test_a_backlog_old_report_then_a_fresh_one_in_the_same_conversation_pages_once(twitter, supervisor):
    old = replace(factories.inbound(text="wires down on Pine"), sent_at=NOON - timedelta(days=2))
    now = replace(
        factories.inbound(text="down and sparking again right now!", thread_key=old.thread_key), sent_at=NOON
    )
    with time_machine.travel(NOON, tick=False):
        ingest(twitter, [old, now])
    ticket = Ticket.objects.get()
    assert Notification.objects.filter(ticket=ticket).count() == 1
    assert len(safety_replies(ticket)) == 1


def test_a_new_hazard_or_a_reopened_ticket_pages_again_and_gets_its_own_advice(twitter, agent, supervisor):
    ticket = arrive(twitter, NOON, text=DOWNED)
    later = NOON + timedelta(minutes=30)
    arrive(twitter, later, text="and now I smell gas by the meter too", thread_key=ticket.thread_key)
    assert [advice.context["safety_advice"] for advice in safety_replies(ticket)] == ["electric", "gas"]
    assert Notification.objects.filter(ticket=ticket, recipient=supervisor).count() == 2
    with time_machine.travel(later, tick=False):
        ticket_set_status(ticket=ticket, status="resolved", actor=agent)
    reopened = arrive(
        twitter, later + timedelta(hours=1), text="the wires are down again!", thread_key=ticket.thread_key
    )
    assert reopened == ticket and Ticket.objects.get(pk=ticket.pk).status == "open"
    assert Notification.objects.filter(ticket=ticket, recipient=supervisor).count() == 3
    assert len(safety_replies(ticket)) == 2  # the electric advice was given on this ticket already


def test_a_dm_thread_that_lasts_for_years_gets_advice_on_each_new_ticket(twitter, agent):
    first = arrive(twitter, NOON, kind="dm", thread_key="xdm:1-2", text="there's a line down in my yard")
    with time_machine.travel(NOON + timedelta(hours=1), tick=False):
        ticket_set_status(ticket=first, status="resolved", actor=agent)
    month_later = NOON + timedelta(days=37)
    second = arrive(
        twitter, month_later, kind="dm", thread_key="xdm:1-2", text="a wire is down in the alley now"
    )
    assert second != first
    assert len(safety_replies(first)) == 1 and len(safety_replies(second)) == 1


def test_a_cleared_false_alarm_stays_cleared_when_the_customer_replies_under_the_same_subject(
    mailbox, agent, supervisor
):
    first = replace(
        factories.email(subject="Gas leak repair warranty question", text="Is the repair covered?"),
        sent_at=NOON,
    )
    with time_machine.travel(NOON, tick=False):
        ingest(mailbox, [first])
    ticket = Ticket.objects.get()
    assert ticket.safety == "gas"  # the subject alone reads as a report: an agent decides
    ticket_set_safety(ticket=ticket, category="", actor=agent)
    ticket.refresh_from_db()
    assert (ticket.safety, ticket.priority) == ("", Ticket.Priority.NORMAL)  # the priority it had
    reply = factories.email(
        subject="Re: Gas leak repair warranty question",
        text="What does the plan cost?",
        reply_to_ids=(first.external_id,),
    )
    with time_machine.travel(NOON, tick=False):
        ingest(mailbox, [replace(reply, sent_at=NOON)])
    ticket.refresh_from_db()
    assert ticket.safety == "" and Notification.objects.filter(ticket=ticket).count() == 1
