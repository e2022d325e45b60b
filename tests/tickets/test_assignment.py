"""Automatic assignment: round-robin and capacity, only to agents on shift, key accounts to their
managers first, safety reports never held, every choice an event with its reason in words."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.utils import timezone

from channels.models import Assignment
from oss_inbox.staff.last_seen import signed_in_user_ids
from oss_inbox.staff.models import Notification, StaffProfile
from oss_inbox.tickets import tasks
from oss_inbox.tickets.models import Ticket, TicketEvent
from oss_inbox.tickets.services import ingest, ticket_set_status
from oss_inbox.tickets.services.assignment import (
    account_set_assignment,
    agent_set_available,
    tickets_assign_waiting,
)

from .. import factories
from .assignment_world import (
    SAFETY_TEXT,
    customer,
    give_open_tickets,
    key_account,
    mention,
    on_shift,
    person,
    sign_in,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_robin(db):
    return factories.account("twitter", assignment=Assignment.ROUND_ROBIN)


@pytest.fixture
def by_capacity(db):
    return factories.account("twitter", assignment=Assignment.CAPACITY)


@pytest.fixture
def team(db):
    """Dana, Lee and Kim, agents; on shift only when a test puts them there."""
    return {name: person(name) for name in ("dana", "lee", "kim")}


def ago(minutes):
    return timezone.now() - timedelta(minutes=minutes)


def assignees(tickets):
    return [ticket.assignee.username if ticket.assignee else None for ticket in tickets]


def opened(account):
    return list(
        Ticket.objects.filter(account=account).select_related("assignee").order_by("created_at", "id")
    )


def assigned_event(ticket):
    return TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.ASSIGNED)


# -- round-robin and capacity -----------------------------------------------------------------------


def test_round_robin_gives_each_new_ticket_to_the_agent_who_waited_longest(round_robin, team):
    on_shift(team["dana"], last_assigned_at=ago(30))
    on_shift(team["lee"], last_assigned_at=ago(10))
    on_shift(team["kim"], last_assigned_at=ago(60))

    ingest(round_robin, [mention(n) for n in range(4)])

    tickets = opened(round_robin)
    assert assignees(tickets) == ["kim", "dana", "lee", "kim"]
    assert assigned_event(tickets[0]).data == {
        "from": None, "to": "kim", "automatic": True, "mode": "round_robin",
        "reason": "Round-robin: Kim waited longest (0 open of 15)",
    }  # fmt: skip
    assert assigned_event(tickets[3]).data["reason"] == "Round-robin: Kim waited longest (1 open of 15)"
    assert all(
        ticket.status == Ticket.Status.NEW for ticket in tickets
    )  # answering opens it, as routing does
    kim = StaffProfile.objects.get(user=team["kim"])
    assert kim.last_assigned_at > StaffProfile.objects.get(user=team["lee"]).last_assigned_at


def test_round_robin_goes_on_from_one_poll_to_the_next(round_robin, team):
    for name in ("dana", "lee", "kim"):
        on_shift(team[name])
    for n in range(3):
        ingest(round_robin, [mention(n)])
    assert sorted(assignees(opened(round_robin))) == ["dana", "kim", "lee"]


def test_capacity_gives_the_ticket_to_the_agent_with_the_most_spare_room(by_capacity, team):
    on_shift(team["dana"], capacity=15)
    give_open_tickets(team["dana"], 10)  # 5 spare
    on_shift(team["lee"], capacity=5)  # 5 spare, never given one
    on_shift(team["kim"], capacity=15)
    give_open_tickets(team["kim"], 3)  # 12 spare

    ingest(by_capacity, [mention(0)])

    (ticket,) = opened(by_capacity)
    assert ticket.assignee == team["kim"]
    assert assigned_event(ticket).data["reason"] == "Most spare capacity: Kim (3 open of 15)"
    assert assigned_event(ticket).data["mode"] == "capacity"


def test_capacity_ties_go_to_the_agent_who_waited_longest(by_capacity, team):
    on_shift(team["dana"], last_assigned_at=ago(5))
    on_shift(team["lee"], last_assigned_at=ago(50))
    ingest(by_capacity, [mention(0)])
    assert assignees(opened(by_capacity)) == ["lee"]


def test_an_agent_at_capacity_is_skipped_and_resolved_tickets_do_not_count(round_robin, team):
    on_shift(team["dana"], capacity=2, last_assigned_at=ago(60))
    give_open_tickets(team["dana"], 2)
    on_shift(team["lee"], capacity=2, last_assigned_at=ago(1))
    give_open_tickets(team["lee"], 1)
    Ticket.objects.filter(assignee=team["dana"]).update(status=Ticket.Status.PENDING)  # pending still counts
    resolved = Ticket.objects.filter(assignee=team["lee"]).first()
    Ticket.objects.filter(pk=resolved.pk).update(status=Ticket.Status.RESOLVED)  # resolved does not

    ingest(round_robin, [mention(n) for n in range(4)])

    assert assignees(opened(round_robin)) == ["lee", "lee", None, None]


# -- only agents on shift -----------------------------------------------------------------------


def test_only_agents_on_shift_get_tickets(round_robin, team):
    away = on_shift(team["dana"], available=False, last_assigned_at=ago(600))
    signed_out = on_shift(team["lee"], signed_in=False, last_assigned_at=ago(600))
    gone_quiet = on_shift(person("gwen"), signed_in=False, last_assigned_at=ago(600))
    sign_in(gone_quiet, seconds_ago=6 * 60)  # the app not open for six minutes: gone home
    left = on_shift(person("liam", is_active=False), last_assigned_at=ago(600))
    no_role = on_shift(person("olive", role=None), last_assigned_at=ago(600))
    on_shift(team["kim"], last_assigned_at=ago(1))

    ingest(round_robin, [mention(n) for n in range(2)])

    assert assignees(opened(round_robin)) == ["kim", "kim"]
    assert signed_in_user_ids(timezone.now()) == {away.pk, left.pk, no_role.pk, team["kim"].pk}
    assert signed_out.pk not in signed_in_user_ids(timezone.now())


def test_with_nobody_on_shift_a_new_ticket_stays_unassigned_in_the_queue(round_robin, team):
    on_shift(team["dana"], available=False)
    ingest(round_robin, [mention(0)])
    (ticket,) = opened(round_robin)
    assert ticket.assignee is None and ticket.status == Ticket.Status.NEW
    assert not TicketEvent.objects.filter(kind=TicketEvent.Kind.ASSIGNED).exists()


def test_an_account_with_assignment_off_is_untouched(twitter, team):
    on_shift(team["dana"])
    ingest(twitter, [mention(0)])
    (ticket,) = opened(twitter)
    assert ticket.assignee is None
    assert not TicketEvent.objects.filter(kind=TicketEvent.Kind.ASSIGNED).exists()
    assert StaffProfile.objects.get(user=team["dana"]).last_assigned_at is None


def test_with_assignment_off_a_key_account_still_goes_to_its_manager_on_shift_or_not(twitter, team):
    brigid = key_account("St. Brigid", manager=team["dana"])
    ingest(twitter, [mention(0, who=customer("701", brigid))])
    (ticket,) = opened(twitter)
    assert ticket.assignee == team["dana"]
    assert assigned_event(ticket).data == {"from": None, "to": "dana", "reason": "key account manager"}


# -- key accounts -------------------------------------------------------------------------------


def test_a_key_accounts_ticket_goes_to_its_manager_on_shift_before_the_pool(round_robin, team):
    brigid = key_account("St. Brigid", manager=team["dana"], backup=team["lee"])
    danas_turn = ago(1)
    on_shift(team["dana"], last_assigned_at=danas_turn)
    on_shift(team["lee"])
    on_shift(team["kim"], last_assigned_at=ago(600))

    ingest(round_robin, [mention(0, who=customer("701", brigid))])

    (ticket,) = opened(round_robin)
    assert ticket.assignee == team["dana"] and ticket.is_key_account
    data = assigned_event(ticket).data
    assert data["reason"] == "Key account manager for St. Brigid" and data["mode"] == "key_account"
    assert Notification.objects.filter(recipient=team["dana"], ticket=ticket).exists()
    # A manager's own account's tickets do not use up their round-robin turn.
    assert StaffProfile.objects.get(user=team["dana"]).last_assigned_at == danas_turn


def test_a_key_accounts_ticket_goes_to_the_backup_when_the_manager_is_not_on_shift(round_robin, team):
    brigid = key_account("St. Brigid", manager=team["dana"], backup=team["lee"])
    on_shift(team["dana"], available=False)
    on_shift(team["lee"], last_assigned_at=ago(1))
    on_shift(team["kim"], last_assigned_at=ago(600))

    ingest(round_robin, [mention(0, who=customer("701", brigid))])

    (ticket,) = opened(round_robin)
    assert ticket.assignee == team["lee"]
    assert (
        assigned_event(ticket).data["reason"]
        == "Backup account manager for St. Brigid (Dana is not on shift)"
    )


def test_a_key_accounts_ticket_goes_to_the_backup_when_the_manager_is_full(round_robin, team):
    brigid = key_account("St. Brigid", manager=team["dana"], backup=team["lee"])
    on_shift(team["dana"], capacity=1)
    give_open_tickets(team["dana"], 1)
    on_shift(team["lee"])
    ingest(round_robin, [mention(0, who=customer("701", brigid))])
    (ticket,) = opened(round_robin)
    assert assigned_event(ticket).data["reason"] == (
        "Backup account manager for St. Brigid (Dana is full: 1 open of 1)"
    )


def test_a_key_accounts_ticket_goes_to_the_pool_when_neither_manager_is_on_shift(round_robin, team):
    brigid = key_account("St. Brigid", manager=team["dana"], backup=team["lee"])
    on_shift(team["kim"])
    ingest(round_robin, [mention(0, who=customer("701", brigid))])
    (ticket,) = opened(round_robin)
    assert ticket.assignee == team["kim"] and ticket.is_key_account
    assert assigned_event(ticket).data["reason"] == (
        "Round-robin: Kim waited longest (0 open of 15); no manager of St. Brigid is on shift with room"
    )
    assert not Notification.objects.filter(recipient=team["dana"]).exists()


# -- safety ---------------------------------------------------------------------------------------


def test_a_safety_report_is_assigned_first_when_room_is_short(round_robin, team):
    on_shift(team["dana"], capacity=1)
    ingest(round_robin, [mention(0), mention(1, text=SAFETY_TEXT)])
    ordinary, report = opened(round_robin)
    assert report.safety and report.assignee == team["dana"]
    assert ordinary.assignee is None


def test_a_safety_report_with_nobody_on_shift_stays_unassigned_and_pinned(round_robin, team):
    ingest(round_robin, [mention(0, text=SAFETY_TEXT)])
    (report,) = opened(round_robin)
    assert report.safety and report.assignee is None and report.is_open
    assert report.priority == Ticket.Priority.URGENT
    assert TicketEvent.objects.filter(ticket=report, kind=TicketEvent.Kind.SAFETY).exists()


# -- tickets waiting ------------------------------------------------------------------------------


def test_an_agent_becoming_available_gets_the_waiting_tickets_most_urgent_first(round_robin, team):
    ingest(round_robin, [mention(0), mention(1), mention(2, text=SAFETY_TEXT)])
    assert assignees(opened(round_robin)) == [None, None, None]
    sign_in(team["dana"])
    StaffProfile.objects.create(user=team["dana"], capacity=2)

    given = agent_set_available(team["dana"], True)

    first, second, report = opened(round_robin)
    assert [done.ticket.pk for done in given] == [report.pk, first.pk]
    assert report.assignee == team["dana"] and first.assignee == team["dana"] and second.assignee is None
    assert assigned_event(report).data["reason"] == "Round-robin: Dana waited longest (0 open of 2)"
    assert StaffProfile.objects.get(user=team["dana"]).available


def test_beat_gives_waiting_tickets_to_an_agent_who_signs_in_or_has_room_again(round_robin, team):
    on_shift(team["dana"], capacity=1, signed_in=False)
    ingest(round_robin, [mention(0), mention(1)])
    tasks.assign_waiting()
    assert assignees(opened(round_robin)) == [None, None]  # available, but not signed in

    sign_in(team["dana"])
    tasks.assign_waiting()
    first, second = opened(round_robin)
    assert (first.assignee, second.assignee) == (team["dana"], None)  # at capacity

    ticket_set_status(ticket=first, status=Ticket.Status.RESOLVED, actor=team["dana"])
    tasks.assign_waiting()
    second.refresh_from_db()
    assert second.assignee == team["dana"]


def test_waiting_tickets_of_accounts_with_assignment_off_stay_unassigned(twitter, round_robin, team):
    ingest(twitter, [mention(0)])
    on_shift(team["dana"])
    assert tickets_assign_waiting() == []
    assert assignees(opened(twitter)) == [None]


def test_switching_an_account_on_gives_out_its_waiting_tickets(twitter, team):
    ingest(twitter, [mention(0)])
    on_shift(team["dana"])
    given = account_set_assignment(twitter, Assignment.CAPACITY)
    assert [done.agent.user for done in given] == [team["dana"]]
    twitter.refresh_from_db()
    assert twitter.assignment == "capacity"


def test_a_reopened_unassigned_ticket_is_assigned_again(round_robin, team):
    ingest(round_robin, [mention(0)])
    (ticket,) = opened(round_robin)
    ticket_set_status(ticket=ticket, status=Ticket.Status.RESOLVED, actor=team["lee"])
    on_shift(team["dana"])
    ingest(
        round_robin,
        [factories.inbound(thread_key=ticket.thread_key, who=factories.author("9000"), minutes=5)],
    )
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN and ticket.assignee == team["dana"]


# -- signed in ------------------------------------------------------------------------------------


def test_signing_in_and_each_request_mark_the_user_as_seen_and_signing_out_ends_it(client, team):
    dana = team["dana"]
    client.force_login(dana)
    assert dana.pk in signed_in_user_ids(timezone.now())  # signing in is being seen
    start = timezone.now()
    with time_machine.travel(start + timedelta(minutes=6)):
        assert dana.pk not in signed_in_user_ids(timezone.now())  # gone quiet
        client.get("/")
        assert dana.pk in signed_in_user_ids(timezone.now())
    with time_machine.travel(start + timedelta(minutes=10)):
        assert dana.pk in signed_in_user_ids(timezone.now())  # the request 4 minutes ago counts
        client.post("/logout/")
        assert dana.pk not in signed_in_user_ids(timezone.now())
    assert User.objects.filter(pk=dana.pk).exists()


# -- two workers at once --------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_assigning_at_once_never_fill_an_agent_past_capacity():
    from .test_ingest_concurrency import run_concurrently

    first = factories.account("twitter", name="first", assignment=Assignment.ROUND_ROBIN)
    second = factories.account("twitter", name="second", assignment=Assignment.CAPACITY)
    dana = on_shift(person("dana"), capacity=3)
    for attempt in range(3):  # the race is real; give it a few chances to bite
        batches = [[mention(attempt * 100 + box * 10 + n) for n in range(3)] for box in range(2)]
        run_concurrently(
            lambda batch=batches[0]: ingest(first, batch),
            lambda batch=batches[1]: ingest(second, batch),
            tickets_assign_waiting,
        )
        assert Ticket.objects.filter(assignee=dana, status__in=["new", "open"]).count() == 3
        assert TicketEvent.objects.filter(kind=TicketEvent.Kind.ASSIGNED).count() == 3 * (attempt + 1)
        Ticket.objects.filter(assignee=dana).update(status=Ticket.Status.RESOLVED)  # room again
