"""The bulk first fill (first_fill.py) gives exactly the facts and rollup rows of the per-ticket
refresh, on a varied history; a crash leaves nothing behind; beat's refresh carries on from it."""

import random
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from oss_inbox.dashboards import first_fill as bulk
from oss_inbox.dashboards.models import DailyRollup, RollupState, TicketFact
from oss_inbox.dashboards.rollup import rollup_rebuild, rollup_refresh
from oss_inbox.sla import clock
from oss_inbox.sla.models import CoverageOverride, CoverageSchedule, SlaPolicy
from oss_inbox.tickets.models import Ticket
from oss_inbox.tickets.services import ticket_reply, ticket_set_status

from .. import factories
from .history import at, build, ticket

pytestmark = pytest.mark.django_db

START = at("2026-10-01 00:00")  # two months: the DST change (Nov 1) and Thanksgiving (Nov 26)
DAYS = 60


def varied_history(rng, *, count, accounts, agents):
    """`count` tickets at random: several channels, key accounts, agents or none, replies and
    follow-ups, pauses (pending and back), reopenings after resolving, automatic acknowledgements."""
    for _ in range(count):
        created = START + timedelta(minutes=rng.randrange(DAYS * 24 * 60))
        moment, messages, changes, status = created, [(created, "inbound")], [], "new"
        answered = resolved = None
        for _ in range(rng.randrange(0, 7)):
            moment += timedelta(minutes=rng.choice([1, 20, 90, 300, 900, 2000]) + rng.randrange(60))
            step = rng.choice(["in", "out", "out", "note", "auto", "pend", "resolve", "reopen"])
            if step == "in":
                messages.append((moment, "inbound"))
                if status == "pending":
                    changes.append((moment, status, "open"))
                    status = "open"
            elif step == "out":
                messages.append((moment, "outbound"))
                answered = answered or moment
                if status == "new":
                    changes.append((moment, status, "open"))
                    status = "open"
            elif step == "note":
                messages.append((moment, "note"))
            elif step == "auto":
                messages.append((moment, "outbound", True))
            elif step == "pend" and status == "open":
                changes.append((moment, status, "pending"))
                status = "pending"
            elif step == "resolve" and status != "resolved":
                changes.append((moment, status, "resolved"))
                status, resolved = "resolved", moment
            elif step == "reopen" and status == "resolved":
                changes.append((moment, status, "open"))
                status, resolved = "open", None
        ticket(
            rng.choice(accounts),
            created,
            status=status,
            assignee=rng.choice([None, *agents]),
            key=rng.random() < 0.25,
            answered=answered,
            due=created + timedelta(hours=rng.choice([1, 4, 24])),
            resolved=resolved,
            messages=messages,
            changes=changes,
        )


def more_rules(mailbox):
    """Email on its own schedule (London, weekdays, Christmas-like closures and special hours),
    a key-account policy on calendar hours, and Facebook without a follow-up target."""
    london = CoverageSchedule.objects.create(
        name="Email desk",
        timezone="Europe/London",
        weekly={str(day): [["09:00", "17:30"]] for day in range(5)} | {"5": [["22:00", "02:00"]]},
    )
    CoverageOverride.objects.create(schedule=london, date=date(2026, 10, 26), label="Closed", windows=[])
    CoverageOverride.objects.create(
        schedule=london, date=date(2026, 11, 14), label="Storm", windows=[["06:00", "23:00"]]
    )
    london.save()
    mailbox.coverage_schedule = london
    mailbox.save()
    SlaPolicy.objects.create(
        name="Key accounts",
        key_accounts_only=True,
        first_response_target=timedelta(hours=1),
        next_response_target=timedelta(minutes=45),
        next_response_clock="calendar",
    )
    SlaPolicy.objects.create(
        name="Facebook", channel_kind="facebook", first_response_target=timedelta(hours=8)
    )


@pytest.fixture
def history(twitter, facebook, mailbox, agent, other_agent):
    made = build(twitter=twitter, facebook=facebook, mailbox=mailbox, dana=agent, lee=other_agent)
    more_rules(mailbox)  # after build(): its set_rules() replaces every policy
    varied_history(
        random.Random(18), count=150, accounts=[twitter, facebook, mailbox], agents=[agent, other_agent]
    )
    return made


def facts_and_rollups():
    """Every fact and non-empty rollup row, as comparable tuples."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {TicketFact._meta.db_table} ORDER BY ticket_id")
        facts = cursor.fetchall()
    rollups = [
        tuple(value for name, value in row.items() if name != "id")
        for row in DailyRollup.objects.order_by("day", "channel", "assignee_id", "is_key_account").values()
    ]
    return facts, rollups


@pytest.mark.postgres
def test_the_bulk_fill_gives_the_facts_and_rollups_of_the_per_ticket_refresh(history):
    result = bulk.first_fill(workers=1, range_size=40)
    assert result.refreshed == Ticket.objects.count() == 159
    fast = facts_and_rollups()
    rollup_rebuild()
    assert facts_and_rollups() == fast
    facts = TicketFact.objects.all()
    # The history exercises what could differ: pauses, coverage hours, key accounts, follow-ups.
    assert facts.exclude(resolution_seconds=None).count() > 20
    paused = [f for f in facts if f.resolution_seconds and f.resolution_seconds < _calendar(f)]
    assert paused
    assert facts.filter(is_key_account=True).count() > 10
    assert facts.exclude(open_turn_at=None).exists()
    assert sum(DailyRollup.objects.values_list("messages_in_uncovered", flat=True)) > 0
    assert sum(DailyRollup.objects.values_list("next_response_late", flat=True)) > 0
    assert {row[1] for row in fast[1]} == {"twitter", "facebook", "email"}


def _calendar(fact):
    return int((fact.resolved_at - fact.created_at).total_seconds())


@pytest.mark.postgres
def test_a_crash_midway_leaves_the_facts_as_they_were_and_a_second_run_completes(history, monkeypatch):
    rollup_refresh()
    before = facts_and_rollups()
    real, calls = bulk._fill_range, []

    def crashing(bounds):
        calls.append(bounds)
        if len(calls) == 3:
            raise RuntimeError("worker killed")
        return real(bounds)

    monkeypatch.setattr(bulk, "_fill_range", crashing)
    with pytest.raises(RuntimeError):
        bulk.first_fill(workers=1, range_size=40)
    assert facts_and_rollups() == before  # nothing half-written, nothing counted twice
    monkeypatch.setattr(bulk, "_fill_range", real)
    bulk.first_fill(workers=1, range_size=40)
    assert facts_and_rollups() == before


@pytest.mark.postgres
def test_beat_carries_on_from_a_bulk_fill_and_stays_exact(history, agent):
    bulk.first_fill(workers=1, range_size=40)
    assert rollup_refresh().refreshed == 0  # the fill counts as a complete pass
    ticket_reply(ticket=history["T4"], author=agent, text="Crews are on the way.", delivered_as="x-reply-1")
    ticket_set_status(ticket=Ticket.objects.get(pk=history["T8"].pk), status="resolved", actor=agent)
    assert rollup_refresh().refreshed == 2
    moved = facts_and_rollups()[1]
    rollup_rebuild()
    assert facts_and_rollups()[1] == moved


@pytest.mark.postgres
def test_the_command_fills_in_bulk_when_many_tickets_are_unseen(history, monkeypatch):
    monkeypatch.setattr(bulk, "FIRST_FILL_FROM", 100)
    calls = []
    monkeypatch.setattr(
        bulk, "_fill_range", lambda bounds, real=bulk._fill_range: calls.append(1) or real(bounds)
    )
    call_command("dashboards_rollup", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert calls and TicketFact.objects.count() == 159
    assert RollupState.objects.get(pk=1).backfilled_through == Ticket.objects.order_by("pk").last().pk
    calls.clear()
    call_command("dashboards_rollup", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not calls  # caught up: beat's path


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_worker_processes_give_the_same_as_one(history):
    bulk.first_fill(workers=2, range_size=30)
    two = facts_and_rollups()
    bulk.first_fill(workers=1, range_size=1000)
    assert facts_and_rollups() == two
    assert len(two[0]) == 159


def test_is_covered_at_agrees_with_coverage_between_around_dst_overrides_and_overnight():
    schedule = clock.Schedule(
        "America/Chicago",
        {0: [(time(7), time(22))], 4: [(time(20), time(2))], 6: [(time(0), time(0))]},
        {date(2026, 11, 2): [(time(1), time(3))], date(2026, 11, 6): []},  # DST ends Sun Nov 1
    )
    rng = random.Random(5)
    first = datetime(2026, 10, 25, tzinfo=UTC)
    for _ in range(3000):
        moment = first + timedelta(seconds=rng.randrange(21 * 86400), microseconds=rng.choice([0, 1, 999999]))
        expected = clock.coverage_between(moment, moment + timedelta(microseconds=1), schedule) > timedelta(0)
        assert clock.is_covered_at(moment, schedule) == expected, moment


@pytest.mark.postgres
def test_a_ticket_of_an_account_added_during_the_fill_is_still_computed(history, monkeypatch):
    monkeypatch.setattr(bulk, "_context", bulk._Context())  # read before the account exists
    newcomer = factories.account("email")
    made = ticket(newcomer, at("2026-11-30 09:00"), messages=[(at("2026-11-30 09:00"), "inbound")])
    count, text, totals = bulk._fill_range((made.pk, made.pk))
    assert count == 1 and text.startswith(f"{made.pk}\t")
    assert totals[("2026-11-30", "email", 0, False)][bulk._COUNT_INDEX["messages_in"]] == 1
