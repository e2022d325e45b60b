"""The facts and daily rollups follow the tickets: incrementally, exactly, idempotently."""

from datetime import date, timedelta

import pytest
from django.conf import settings

from oss_inbox.dashboards.models import COUNT_FIELDS, DailyRollup, TicketFact
from oss_inbox.dashboards.rollup import rollup_rebuild, rollup_refresh
from oss_inbox.dashboards.tasks import refresh_rollup
from oss_inbox.tickets.models import Message, Ticket
from oss_inbox.tickets.services import ticket_assign, ticket_reply, ticket_set_status

from .history import at, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(twitter, facebook, mailbox, agent, other_agent):
    return build(twitter=twitter, facebook=facebook, mailbox=mailbox, dana=agent, lee=other_agent)


def rollup_rows():
    """Non-empty rollup rows as comparable tuples (a refresh may leave a row at zero)."""
    rows = DailyRollup.objects.order_by("day", "channel", "assignee_id", "is_key_account")
    return [
        (
            row.day,
            row.channel,
            row.assignee_id,
            row.is_key_account,
            *[getattr(row, name) for name in COUNT_FIELDS],
        )
        for row in rows
        if any(getattr(row, name) for name in COUNT_FIELDS)
    ]


def test_a_second_refresh_finds_nothing_to_do(world):
    assert rollup_refresh().refreshed == 9
    assert rollup_refresh().refreshed == 0
    assert TicketFact.objects.count() == 9


def test_changes_through_the_services_move_the_counts_as_a_rebuild_would(world, agent, other_agent):
    rollup_refresh()
    ticket_assign(ticket=world["T5"], assignee=other_agent, actor=agent)
    ticket_reply(ticket=world["T4"], author=agent, text="Crews are on the way.", delivered_as="x-reply-1")
    ticket_set_status(ticket=Ticket.objects.get(pk=world["T8"].pk), status="resolved", actor=other_agent)
    assert rollup_refresh().refreshed == 3
    moved = rollup_rows()
    rollup_rebuild()
    assert rollup_rows() == moved
    lee_days = DailyRollup.objects.filter(assignee_id=other_agent.pk, channel="email", day=date(2026, 11, 28))
    assert (
        sum(row.first_response_late for row in lee_days) == 1
    )  # T5's late first response (due Nov 28) moved to Lee


def test_a_due_time_changed_without_an_update_is_picked_up(world):
    """The SLA bulk recompute saves due times without touching updated_at."""
    rollup_refresh()
    Ticket.objects.filter(pk=world["T3"].pk).update(first_response_due_at=at("2026-12-01 10:00"))
    assert rollup_refresh().refreshed == 1
    assert TicketFact.objects.get(pk=world["T3"].pk).first_response_due_at == at("2026-12-01 10:00")


def test_history_written_with_past_timestamps_is_found_by_the_id_walk(world, twitter):
    rollup_refresh()
    old = world["T7"]
    copy = Ticket.objects.create(
        account=twitter,
        contact=old.contact,
        thread_key="imported",
        created_at=old.created_at,
        status="resolved",
        resolved_at=old.resolved_at,
    )
    Ticket.objects.filter(pk=copy.pk).update(updated_at=old.created_at)  # as bench/generate.py writes
    assert rollup_refresh().refreshed == 1
    assert TicketFact.objects.filter(pk=copy.pk).exists()


def test_a_budget_stops_early_and_the_next_run_finishes(world):
    first = rollup_refresh(budget=4)
    assert (first.refreshed, first.caught_up) == (4, False)
    second = rollup_refresh()
    assert (second.refreshed, second.caught_up) == (5, True)
    assert TicketFact.objects.count() == 9


def test_new_messages_count_once_the_ticket_changes(world, agent):
    rollup_refresh()
    before = sum(DailyRollup.objects.values_list("messages_out", flat=True))
    ticket_reply(ticket=world["T3"], author=agent, text="We're on it.", delivered_as="fb-reply-1")
    refresh_rollup()
    assert sum(DailyRollup.objects.values_list("messages_out", flat=True)) == before + 1
    assert Message.objects.filter(ticket=world["T3"], direction="outbound", is_automatic=False).count() == 1


def test_beat_refreshes_every_minute():
    entry = next(
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "oss_inbox.dashboards.tasks.refresh_rollup"
    )
    assert timedelta(seconds=entry["schedule"]) <= timedelta(minutes=1)
