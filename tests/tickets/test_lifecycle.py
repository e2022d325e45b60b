"""Every change of a ticket goes through tickets.services: its event is recorded and SLA recomputed.

The acceptance test of "one owner of ticket state". The world: Maria's email arrived on a Friday night
at 22:30, when the team was away; Dana (an agent), Lee (another agent) and Sam (a supervisor) act on it
later, in working hours (the session clock). The Standard policy promises a first response in 24 hours.

To prove that a service recomputed SLA (and not only that the due times happen to be right), the
policies are changed behind the services' back first (a queryset update: no recompute is owed or
run), so the stored due times are stale; after the service they follow the new targets.
"""

import importlib
import pkgutil
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import reverse

from oss_inbox.sla.models import SlaPolicy
from oss_inbox.staff.models import Notification
from oss_inbox.tickets import services
from oss_inbox.tickets.models import Message, Organization, OrganizationDomain, Ticket, TicketEvent
from oss_inbox.tickets.services import (
    InvalidChange,
    ReplyRefused,
    contact_merge,
    ingest,
    lifecycle,
    ticket_add_note,
    ticket_add_tags,
    ticket_assign,
    ticket_claim,
    ticket_remove_tag,
    ticket_reply,
    ticket_retry_reply,
    ticket_set_priority,
    ticket_set_safety,
    ticket_set_status,
)
from oss_inbox.tickets.services.acknowledgements import ticket_acknowledge_if_closed
from oss_inbox.tickets.services.escalation import sla_scan
from oss_inbox.tickets.services.organizations import organization_attach_contacts
from oss_inbox.tickets.services.outbox import outbox_deliver
from oss_inbox.tickets.services.survey import ticket_survey_rated, ticket_survey_send

from .. import factories
from ..sla.conftest import arriving, hours, local

pytestmark = pytest.mark.django_db

FRIDAY_NIGHT = local(2026, 11, 6, 22, 30)  # the team went home at 22:00; back on Saturday at 08:00
MARIA = "maria@example.com"
MARIAS_ADDRESS = Q(kind="email", external_id=MARIA)


@dataclass
class World:
    ticket: Ticket
    agent: User
    other_agent: User
    supervisor: User


@pytest.fixture
def world(mailbox, agent, other_agent, supervisor):
    ticket = arriving(mailbox, FRIDAY_NIGHT, sender=MARIA, message_id="maria-1@mail.example")
    assert ticket.first_response_due_at == ticket.created_at + hours(24)  # the Standard policy, stored
    return World(ticket, agent, other_agent, supervisor)


def policies_tightened():
    """Every policy now promises a first response in 6 hours and a resolution in 48, on the calendar.
    Written straight to the table: the stored due times are stale until a service recomputes them."""
    SlaPolicy.objects.update(
        first_response_target=hours(6),
        first_response_clock=SlaPolicy.Clock.CALENDAR,
        resolution_target=hours(48),
        resolution_clock=SlaPolicy.Clock.CALENDAR,
    )


def last_event_id(ticket):
    newest = TicketEvent.objects.filter(ticket_id=ticket.pk).order_by("-pk").first()
    return newest.pk if newest else 0


def events_since(ticket, event_id):
    """[(kind, actor id, data)] recorded on the ticket's timeline after `event_id`, in order."""
    events = TicketEvent.objects.filter(ticket_id=ticket.pk, pk__gt=event_id).order_by("pk")
    return list(events.values_list("kind", "actor_id", "data"))


def expected(*entries):
    return [(kind, getattr(actor, "pk", None), data) for kind, actor, data in entries]


def state_of(ticket):
    """Everything a change of the ticket could touch: its row, tags, messages and timeline."""
    return (
        Ticket.objects.filter(pk=ticket.pk).values().get(),
        list(Ticket.objects.get(pk=ticket.pk).tags.order_by("name").values_list("name", flat=True)),
        list(Message.objects.filter(ticket_id=ticket.pk).order_by("pk").values()),
        list(TicketEvent.objects.filter(ticket_id=ticket.pk).order_by("pk").values()),
    )


def reloaded(ticket):
    return Ticket.objects.get(pk=ticket.pk)


# 1. The table: one case per public ticket_* service -------------------------------------------------
#
# A case is (prepare, act). `prepare(world)` brings the ticket to where the service applies and returns
# what `act` needs; `act(world, actor, prepared)` calls the service as `actor` and returns the timeline
# entries it must have recorded, as (kind, actor, data).

CASES = {}


def case(name, prepare=lambda world: None):
    def register(act):
        CASES[name] = (prepare, act)
        return act

    return register


@case("ticket_claim")
def claim(world, actor, _):
    ticket_claim(ticket=world.ticket, user=actor)
    assert reloaded(world.ticket).assignee_id == actor.pk
    return [("claimed", actor, {}), ("status", actor, {"from": "new", "to": "open"})]


def claimed_by_dana(world):
    ticket_claim(ticket=world.ticket, user=world.agent)


@case("ticket_assign", prepare=claimed_by_dana)
def assign(world, actor, _):
    ticket_assign(ticket=world.ticket, assignee=world.other_agent, actor=actor)
    assert reloaded(world.ticket).assignee == world.other_agent
    return [("assigned", actor, {"from": "dana", "to": "lee"})]


@case("ticket_set_status")
def set_status(world, actor, _):
    ticket_set_status(ticket=world.ticket, status="pending", actor=actor)
    assert reloaded(world.ticket).sla_state == "paused"
    return [("status", actor, {"from": "new", "to": "pending"})]


@case("ticket_set_priority")
def set_priority(world, actor, _):
    ticket_set_priority(ticket=world.ticket, priority=Ticket.Priority.HIGH, actor=actor)
    return [("priority", actor, {"from": Ticket.Priority.NORMAL, "to": Ticket.Priority.HIGH})]


@case("ticket_set_safety")
def set_safety(world, actor, _):
    ticket_set_safety(ticket=world.ticket, category="gas", actor=actor)
    ticket = reloaded(world.ticket)
    assert (ticket.safety, ticket.priority) == ("gas", Ticket.Priority.URGENT)
    marked = {"category": "gas", "label": "gas smell or leak", "matched": "", "why": "marked by hand"}
    return [("safety", actor, marked), ("priority", actor, {"from": 1, "to": 3, "reason": "safety"})]


@case("ticket_add_tags")
def add_tags(world, actor, _):
    added = ticket_add_tags(ticket=world.ticket, names=["outage", "elm-st", "outage"], actor=actor)
    assert added == ["elm-st", "outage"]
    return [("tagged", actor, {"added": ["elm-st", "outage"]})]


def tagged_outage_and_billing(world):
    ticket_add_tags(ticket=world.ticket, names=["outage", "billing"], actor=world.agent)


@case("ticket_remove_tag", prepare=tagged_outage_and_billing)
def remove_tag(world, actor, _):
    assert ticket_remove_tag(ticket=world.ticket, name="outage", actor=actor) is True
    assert list(reloaded(world.ticket).tags.values_list("name", flat=True)) == ["billing"]
    return [("tagged", actor, {"removed": ["outage"]})]


@case("ticket_add_note")
def add_note(world, actor, _):
    note = ticket_add_note(ticket=world.ticket, author=actor, text="Crew 14 is already on Elm St.")
    assert (note.direction, note.author_user_id) == ("note", actor.pk)
    return [("note", actor, {"message": note.pk})]


@case("ticket_reply")
def reply(world, actor, _):
    answer = ticket_reply(ticket=world.ticket, author=actor, text="A crew is on the way to Elm St.")
    assert (answer.direction, answer.delivery_state) == ("outbound", "queued")
    assert reloaded(world.ticket).first_response_at == answer.sent_at
    # Answering a new ticket opens it.
    return [("replied", actor, {"message": answer.pk}), ("status", actor, {"from": "new", "to": "open"})]


def failed_reply(world):
    """Dana's reply could not leave: the mailbox has no SMTP host yet (a permanent failure)."""
    answer = ticket_reply(ticket=world.ticket, author=world.agent, text="A crew is on the way to Elm St.")
    assert outbox_deliver("reply", answer.pk) == Message.Delivery.FAILED
    assert reloaded(world.ticket).first_response_at is None  # Maria got nothing: the clock runs again
    return answer


@case("ticket_retry_reply", prepare=failed_reply)
def retry_reply(world, actor, answer):
    assert ticket_retry_reply(ticket=world.ticket, message=answer, actor=actor) is True
    answer.refresh_from_db()
    assert (answer.delivery_state, answer.delivery_error) == ("queued", "")
    assert reloaded(world.ticket).first_response_at == answer.sent_at  # it counts as the answer again
    return [("delivery", actor, {"message": answer.pk, "state": "queued", "retry": True})]


def key_account(*, manager, backup=None):
    return Organization.objects.create(
        name="Mercy Hospital", is_key_account=True, account_manager=manager, backup_manager=backup
    )


def mercy_hospital(world):
    """A key account managed by Lee, which Maria's contact does not belong to yet."""
    return key_account(manager=world.other_agent)


@case("ticket_route_to_account", prepare=mercy_hospital)
def route_to_account(world, actor, hospital):
    # Its caller: the contacts a rule of the organization matches join it (keyaccounts' form saves).
    assert organization_attach_contacts(hospital, identities=MARIAS_ADDRESS, actor=actor) == 1
    ticket = reloaded(world.ticket)
    assert (ticket.is_key_account, ticket.priority) == (True, Ticket.Priority.HIGH)
    assert ticket.assignee == world.other_agent
    return [
        ("key_account", actor, {"key_account": True, "organization": hospital.pk}),
        ("assigned", actor, {"from": None, "to": "lee", "reason": "key account manager"}),
    ]


@case("ticket_acknowledge_if_closed")
def acknowledge_if_closed(world, actor, _):
    # The system acknowledges (ingest calls it as the message arrives): nobody acts, whoever `actor` is.
    message = world.ticket.messages.get(direction="inbound")
    ack = ticket_acknowledge_if_closed(world.ticket, message, now=FRIDAY_NIGHT + timedelta(minutes=1))
    assert "We're back at 8:00 AM CT tomorrow" in ack.text and ack.is_automatic
    return [("auto_ack", None, {"message": ack.pk})]


@case("ticket_survey_send")
def survey_send(world, actor, _):
    # The surveys app sends it (nobody acts); automatic, so it is no answer: no first response.
    survey = ticket_survey_send(ticket=world.ticket, text="How did we do?", context={"survey": "token"})
    assert survey.is_automatic and reloaded(world.ticket).first_response_at is None
    return [("survey", None, {"message": survey.pk})]


@case("ticket_survey_rated")
def survey_rated(world, actor, _):
    # The customer rates on a public page: nobody on the team acts.
    ticket_survey_rated(ticket=world.ticket, data={"rating": 5, "comment": "thanks!"})
    return [("survey", None, {"rating": 5, "comment": "thanks!"})]


# Public ticket_* services that do not go through _change, each tested by the test named here.
ELSEWHERE = {
    # The scan's claim is a conditional UPDATE on the due time it saw, not a recompute (escalation.py).
    "ticket_sla_escalate": "test_the_sla_scan_records_one_sla_event_per_escalation",
}


def public_ticket_services():
    """Every public ticket_* function the services package exports or any of its modules defines."""
    names = {name for name in services.__all__ if name.startswith("ticket_")}
    for module_info in pkgutil.iter_modules(services.__path__):
        module = importlib.import_module(f"{services.__name__}.{module_info.name}")
        names |= {
            name
            for name, value in vars(module).items()
            if name.startswith("ticket_") and callable(value) and value.__module__ == module.__name__
        }
    return names


def test_every_public_ticket_service_has_a_case_in_the_table():
    found = public_ticket_services()
    assert {"ticket_claim", "ticket_reply", "ticket_route_to_account"} <= found  # the search finds them
    missing = sorted(found - CASES.keys() - ELSEWHERE.keys())
    assert missing == [], f"Add a case to CASES for each new ticket_* service: {missing}"
    assert sorted((CASES.keys() | ELSEWHERE.keys()) - found) == []  # no case for a service that is gone
    assert all(test_name in globals() for test_name in ELSEWHERE.values())


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_service_records_its_event_and_recomputes_sla(world, name):
    prepare, act = CASES[name]
    prepared = prepare(world)
    seen = last_event_id(world.ticket)
    policies_tightened()
    assert reloaded(world.ticket).first_response_due_at == world.ticket.created_at + hours(24)  # stale now

    entries = act(world, world.agent, prepared)

    assert events_since(world.ticket, seen) == expected(*entries)
    ticket = reloaded(world.ticket)
    assert ticket.first_response_due_at == ticket.created_at + hours(6)
    paused = ticket.status == Ticket.Status.PENDING  # pending stops the resolution clock
    assert ticket.resolution_due_at == (None if paused else ticket.created_at + hours(48))


# 2. Urgent ----------------------------------------------------------------------------------------


def test_raising_priority_to_urgent_moves_the_due_times_to_the_urgent_policy(world):
    SlaPolicy.objects.create(
        name="Urgent",
        position=50,
        min_priority=Ticket.Priority.URGENT,
        first_response_target=hours(1),
        next_response_target=hours(1),
    )
    ticket, dana = world.ticket, world.agent
    seen = last_event_id(ticket)
    ticket_set_priority(ticket=ticket, priority=Ticket.Priority.HIGH, actor=dana)
    assert reloaded(ticket).sla_due_at == ticket.created_at + hours(24)  # High is not Urgent: still Standard

    ticket_set_priority(ticket=ticket, priority=Ticket.Priority.URGENT, actor=dana)
    urgent = reloaded(ticket)
    assert urgent.first_response_due_at == urgent.sla_due_at == urgent.created_at + hours(1)
    assert urgent.sla_state == "breached"  # it was written weeks ago

    ticket_set_priority(ticket=ticket, priority=Ticket.Priority.NORMAL, actor=dana)
    assert reloaded(ticket).sla_due_at == ticket.created_at + hours(24)  # and back
    assert events_since(ticket, seen) == expected(
        ("priority", dana, {"from": 1, "to": 2}),
        ("priority", dana, {"from": 2, "to": 3}),
        ("priority", dana, {"from": 3, "to": 1}),
    )


# 3. No-op changes -----------------------------------------------------------------------------------


def twice(change):
    """The same change made again: the second time there is nothing to change."""
    return change, change


def once(change):
    """A change to what a new ticket already is."""
    return lambda world: None, change


NO_OPS = {
    "same status": twice(lambda w: ticket_set_status(ticket=w.ticket, status="open", actor=w.agent)),
    "same priority": once(lambda w: ticket_set_priority(ticket=w.ticket, priority=1, actor=w.agent)),
    "tag already there": twice(
        lambda w: ticket_add_tags(ticket=w.ticket, names=["outage", ""], actor=w.agent)
    ),
    "tag not there": once(lambda w: ticket_remove_tag(ticket=w.ticket, name="outage", actor=w.agent)),
    "same assignee": twice(lambda w: ticket_assign(ticket=w.ticket, assignee=w.agent, actor=w.supervisor)),
    "nobody to nobody": once(lambda w: ticket_assign(ticket=w.ticket, assignee=None, actor=w.agent)),
    "claimed by the claimer": twice(lambda w: ticket_claim(ticket=w.ticket, user=w.agent)),
}


@pytest.mark.parametrize("name", sorted(NO_OPS))
def test_a_change_to_what_the_ticket_already_is_records_nothing_and_saves_nothing(world, name):
    prepare, change = NO_OPS[name]
    prepare(world)
    policies_tightened()  # a save would recompute the due times, and touch updated_at
    before = state_of(world.ticket)
    change(world)
    assert state_of(world.ticket) == before


# 4. Who may change a ticket -------------------------------------------------------------------------

# Every service of lifecycle.py is queue work (the table test makes sure each has a case); routing is
# an organization editor's doing (keyaccounts checks who may), the acknowledgement the system's.
QUEUE_WORK = sorted(name for name in CASES if hasattr(lifecycle, name))


@pytest.mark.parametrize("name", QUEUE_WORK)
def test_someone_who_does_not_work_the_queue_is_refused_and_changes_nothing(world, outsider, name):
    prepare, act = CASES[name]
    prepared = prepare(world)
    before = state_of(world.ticket)
    with pytest.raises(PermissionDenied):
        act(world, outsider, prepared)
    assert state_of(world.ticket) == before


def deactivated(user):
    user.is_active = False
    user.save()
    return user


@pytest.mark.parametrize(
    "assignee",
    [
        pytest.param(lambda world, outsider: outsider, id="no role"),
        pytest.param(lambda world, outsider: deactivated(world.other_agent), id="an agent who left"),
    ],
)
def test_a_ticket_cannot_be_given_to_someone_who_does_not_work_the_queue(world, outsider, assignee):
    claimed_by_dana(world)
    before = state_of(world.ticket)
    with pytest.raises(InvalidChange, match="That person does not work the queue."):
        ticket_assign(ticket=world.ticket, assignee=assignee(world, outsider), actor=world.supervisor)
    assert state_of(world.ticket) == before


# 5. Send & resolve, and replies the channel would refuse --------------------------------------------


def test_send_and_resolve_queues_the_reply_and_resolves_in_one_change(
    world, django_capture_on_commit_callbacks
):
    dana = world.agent
    claimed_by_dana(world)
    seen = last_event_id(world.ticket)
    with django_capture_on_commit_callbacks() as callbacks:
        answer = ticket_reply(ticket=world.ticket, author=dana, text="Power is back on Elm St.", resolve=True)
        assert callbacks == []  # nothing leaves before the change is committed
    assert len(callbacks) == 1  # then the send is asked for, once
    assert events_since(world.ticket, seen) == expected(
        ("replied", dana, {"message": answer.pk}),
        ("status", dana, {"from": "open", "to": "resolved"}),
    )
    answer.refresh_from_db()
    assert (answer.direction, answer.kind, answer.delivery_state) == ("outbound", "email", "queued")
    ticket = reloaded(world.ticket)
    assert (ticket.status, ticket.first_response_at, ticket.sla_due_at) == ("resolved", answer.sent_at, None)
    assert ticket.resolved_at is not None and ticket.sla_state == "met"


def x_mention_ticket(twitter):
    ingest(twitter, [factories.inbound(text="@PrairieEG power out on Elm St since 6am, any ETA?")])
    return Ticket.objects.get(account=twitter)


@pytest.mark.parametrize(
    "refused",
    [
        pytest.param(
            dict(
                channel="twitter",
                text="Crews are on Elm St. " * 13 + "Thanks!!",
                private=False,
                words="X allows 280 characters; this reply is 1 too long.",
            ),
            id="too long for X",
        ),
        pytest.param(
            dict(
                channel="mailbox",
                text="We are on it.",
                private=True,
                words="Only an X mention or a Facebook comment or post can be answered privately.",
            ),
            id="private on email",
        ),
    ],
)
def test_a_reply_the_channel_would_refuse_stores_nothing(
    request, agent, refused, django_capture_on_commit_callbacks
):
    account = request.getfixturevalue(refused["channel"])
    ticket = x_mention_ticket(account) if account.kind == "twitter" else arriving(account, FRIDAY_NIGHT)
    before = state_of(ticket)
    text, private = refused["text"], refused["private"]
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(ReplyRefused) as error:
            ticket_reply(ticket=ticket, author=agent, text=text, private=private, resolve=True)
    assert str(error.value) == refused["words"]
    assert state_of(ticket) == before and callbacks == []  # not resolved either: one change or none


# 6. Key-account routing, from the organization's form ------------------------------------------------


def organization_form(manager, key_account=True):
    return {
        "name": "Mercy Hospital",
        "is_key_account": "on" if key_account else "",
        "tier": "strategic",
        "account_manager": manager.pk,
        "backup_manager": "",
        "service_addresses": "",
        "notes": "",
        "domains": "mercy.example",
        "identities": "",
    }


def test_a_new_key_account_routes_its_open_tickets_and_puts_them_on_its_sla(
    client, mailbox, admin_user, other_agent
):
    ticket = arriving(mailbox, local(2026, 11, 2, 10), sender="ops@mercy.example")  # Monday, in hours
    assert (ticket.is_key_account, ticket.sla_due_at) == (False, ticket.created_at + hours(24))
    seen = last_event_id(ticket)
    client.force_login(admin_user)

    response = client.post(reverse("keyaccounts:organization_new"), organization_form(other_agent))

    assert response.status_code == 302
    hospital = Organization.objects.get(name="Mercy Hospital")
    assert events_since(ticket, seen) == expected(
        ("key_account", admin_user, {"key_account": True, "organization": hospital.pk}),
        ("assigned", admin_user, {"from": None, "to": "lee", "reason": "key account manager"}),
    )
    routed = reloaded(ticket)
    assert (routed.priority, routed.assignee) == (Ticket.Priority.HIGH, other_agent)
    # The Key account policy: 4 hours of the email team's coverage (07:00-22:00), from 10:00.
    assert routed.first_response_due_at == routed.sla_due_at == local(2026, 11, 2, 14)
    assert Notification.objects.filter(recipient=other_agent, ticket=ticket).count() == 1

    seen = last_event_id(ticket)
    edit = reverse("keyaccounts:organization_edit", args=[hospital.pk])
    assert client.post(edit, organization_form(other_agent, key_account=False)).status_code == 302
    assert events_since(ticket, seen) == expected(
        ("key_account", admin_user, {"key_account": False, "organization": hospital.pk}),
    )
    assert reloaded(ticket).sla_due_at == ticket.created_at + hours(24)  # back on the Standard policy


# 7. The SLA scan ------------------------------------------------------------------------------------


def sla_events(ticket):
    events = TicketEvent.objects.filter(ticket=ticket, kind="sla").order_by("pk")
    return list(events.values_list("actor_id", "data"))


def escalation(ticket, state):
    """The SLA event of the scan (nobody acts) for the ticket's first response."""
    due_at = ticket.first_response_due_at.isoformat()
    return (None, {"state": state, "target": "first response", "due_at": due_at})


def test_the_sla_scan_records_one_sla_event_per_escalation(mailbox):
    early = arriving(mailbox, local(2026, 11, 2, 10), message_id="early@mail.example")
    later = arriving(mailbox, local(2026, 11, 2, 14), message_id="later@mail.example", sender="lou@x.example")
    tuesday = local(2026, 11, 3, 11)  # early is an hour late; later has 3 of its 24 hours left
    assert sla_scan(now=tuesday) == 2
    assert sla_scan(now=tuesday) == 0  # the same run again records nothing more
    assert sla_events(early) == [escalation(early, "breached")]
    assert sla_events(later) == [escalation(later, "at_risk")]

    assert sla_scan(now=local(2026, 11, 3, 15)) == 1
    assert sla_events(early) == [escalation(early, "breached")]
    assert sla_events(later) == [escalation(later, "at_risk"), escalation(later, "breached")]
    assert [reloaded(ticket).sla_state for ticket in (early, later)] == ["breached", "breached"]


# Bugs found on the way, fixed ------------------------------------------------------------------------


def test_reopening_a_ticket_whose_conversation_has_an_open_follow_up_is_refused_in_words(
    mailbox, agent, time_machine
):
    time_machine.move_to(local(2026, 11, 2, 11), tick=False)
    first = arriving(mailbox, local(2026, 11, 2, 10), message_id="m1@mail.example")
    ticket_set_status(ticket=first, status="resolved", actor=agent)
    time_machine.move_to(local(2026, 11, 12, 11), tick=False)  # past the reopen window: a follow-up opens
    follow_up = arriving(
        mailbox, local(2026, 11, 12, 10), message_id="m2@mail.example", reply_to_ids=("m1@mail.example",)
    )
    assert (follow_up.previous_ticket_id, follow_up.status) == (first.pk, "new")
    before = state_of(first)
    with pytest.raises(InvalidChange):
        ticket_set_status(ticket=first, status="open", actor=agent)
    assert state_of(first) == before


def test_a_key_accounts_ticket_goes_to_the_backup_when_the_manager_no_longer_works_the_queue(world):
    dana, lee = world.agent, world.other_agent
    hospital = key_account(manager=dana, backup=lee)
    dana.groups.clear()  # Dana left the support team; she is still named on the account
    organization_attach_contacts(hospital, identities=MARIAS_ADDRESS, actor=world.supervisor)
    ticket = reloaded(world.ticket)
    assert ticket.is_key_account
    assert ticket.assignee == lee


def test_a_contact_merged_into_a_key_accounts_contact_brings_its_open_tickets_in_line(
    mailbox, agent, other_agent
):
    hospital = key_account(manager=other_agent)
    OrganizationDomain.objects.create(organization=hospital, domain="mercy.example")
    at_work = arriving(mailbox, local(2026, 11, 2, 10), sender="jo@mercy.example", message_id="w1@x.example")
    at_home = arriving(mailbox, local(2026, 11, 2, 11), sender="jo@home.example", message_id="h1@x.example")
    assert (at_work.is_key_account, at_home.is_key_account) == (True, False)
    contact_merge(source=at_work.contact, target=at_home.contact, actor=agent)
    ticket = reloaded(at_home)
    assert ticket.contact.organization == hospital  # what the merge does today
    assert (ticket.is_key_account, ticket.priority) == (True, Ticket.Priority.HIGH)
    assert ticket.assignee == other_agent
    assert ticket.sla_due_at == local(2026, 11, 2, 15)  # the Key account policy: 4 coverage hours from 11:00
