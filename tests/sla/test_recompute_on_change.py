"""A schedule or policy change recomputes open tickets, in a background task enqueued after commit."""

from datetime import timedelta

import pytest
from django.urls import reverse

from oss_inbox.sla.drafts import draft_add_window, draft_from_schedule
from oss_inbox.sla.models import SlaPolicy
from oss_inbox.sla.policies import schedule_of
from oss_inbox.sla.schedules import schedule_save
from oss_inbox.sla.services import RECOMPUTE_RUNS_FOR, sla_recompute_ask
from oss_inbox.tickets.services import ticket_set_status
from oss_inbox.tickets.services.sla import tickets_sla_recompute_open
from oss_inbox.tickets.tasks import sla_converge as converge
from oss_inbox.tickets.tasks import sla_recompute_open as recompute_open_tickets

from .conftest import CHICAGO, arriving, hours, local

pytestmark = pytest.mark.django_db

STANDARD_FORM = {
    "name": "Standard",
    "position": "100",
    "first_response_hours": "12",
    "first_response_clock": "calendar",
    "next_response_hours": "24",
    "next_response_clock": "calendar",
    "resolution_hours": "",
    "resolution_clock": "calendar",
    "at_risk_percent": "25",
    "min_priority": "",
    "channel_kind": "",
}


def test_a_policy_change_recomputes_open_tickets_and_leaves_resolved_ones(
    client, admin_user, agent, mailbox, django_capture_on_commit_callbacks
):
    open_ticket = arriving(mailbox, local(2026, 11, 2, 10))
    done = arriving(mailbox, local(2026, 11, 2, 11))
    ticket_set_status(ticket=done, status="resolved", actor=agent)
    client.force_login(admin_user)
    standard = SlaPolicy.objects.get(name="Standard")
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("sla:policy", args=[standard.pk]), STANDARD_FORM)
    assert response.status_code == 302 and callbacks.count(sla_recompute_ask) == 1  # once committed
    assert tickets_sla_recompute_open() == 1
    open_ticket.refresh_from_db()
    assert open_ticket.first_response_due_at == open_ticket.created_at + hours(12)
    done.refresh_from_db()
    assert done.first_response_due_at == done.created_at + hours(24)


def test_a_schedule_change_recomputes_coverage_due_times(
    mailbox, hospital, admin_user, django_capture_on_commit_callbacks
):
    ticket = arriving(mailbox, local(2026, 11, 6, 21, 50), sender="ops@mercy.example")
    assert ticket.sla_due_at.astimezone(CHICAGO) == local(2026, 11, 7, 11, 50)
    schedule = schedule_of(mailbox)
    draft = draft_from_schedule(schedule)
    draft_add_window(draft, 5)  # Saturday: the hour after 21:00
    draft.windows[-1].start, draft.windows[-1].end = "06:00", "08:00"
    with django_capture_on_commit_callbacks() as callbacks:
        assert schedule_save(schedule=schedule, draft=draft, actor=admin_user) == []
    assert callbacks.count(sla_recompute_ask) == 1  # once committed
    recompute_open_tickets()  # what the worker runs
    ticket.refresh_from_db()
    assert ticket.sla_due_at.astimezone(CHICAGO) == local(2026, 11, 7, 9, 50)  # 06:00 + 3h50m


def test_recompute_saves_only_sla_fields(mailbox, agent):
    ticket = arriving(mailbox, local(2026, 11, 2, 10))
    stale = type(ticket).objects.get(pk=ticket.pk)
    ticket_set_status(ticket=ticket, status="pending", actor=agent)  # another request, meanwhile
    SlaPolicy.objects.filter(name="Standard").update(first_response_target=hours(6))
    tickets_sla_recompute_open()
    stale.refresh_from_db()
    assert stale.status == "pending" and stale.sla_state == "paused"
    assert stale.first_response_due_at == stale.created_at + hours(6)


def test_a_policy_change_whose_message_is_lost_is_still_applied_by_beat_within_minutes(
    client, admin_user, mailbox, django_capture_on_commit_callbacks, time_machine
):
    """The broker restarts before the worker takes the recompute: the database still knows it is
    owed, and beat's minute task asks again, once, until a recompute has applied it."""
    time_machine.move_to(local(2026, 11, 2, 12), tick=False)
    ticket = arriving(mailbox, local(2026, 11, 2, 10))
    client.force_login(admin_user)
    standard = SlaPolicy.objects.get(name="Standard")
    with django_capture_on_commit_callbacks():  # the message is sent... and lost with the broker
        client.post(reverse("sla:policy", args=[standard.pk]), STANDARD_FORM)
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == ticket.created_at + hours(24)  # not applied yet

    time_machine.shift(timedelta(minutes=1))
    with django_capture_on_commit_callbacks() as callbacks:
        converge()  # beat, a minute later
    assert callbacks.count(sla_recompute_ask) == 1
    with django_capture_on_commit_callbacks() as again:
        converge()  # the recompute it asked for is under way: not asked twice
    assert not again

    time_machine.shift(RECOMPUTE_RUNS_FOR + timedelta(minutes=1))  # ... and that message was lost too
    with django_capture_on_commit_callbacks() as callbacks:
        converge()
    assert callbacks.count(sla_recompute_ask) == 1
    recompute_open_tickets()  # what the worker runs
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == ticket.created_at + hours(12)

    time_machine.shift(RECOMPUTE_RUNS_FOR * 2)
    with django_capture_on_commit_callbacks() as after:
        converge()  # applied: nothing is owed any more
    assert not after
