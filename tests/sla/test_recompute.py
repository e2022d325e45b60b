"""ticket_sla_recompute: due times from the ticket's policy, on the calendar or the coverage clock."""

from datetime import timedelta

import pytest

from oss_inbox.sla.drafts import draft_add_override, draft_from_schedule
from oss_inbox.sla.models import SlaPolicy
from oss_inbox.sla.policies import policy_for_ticket, schedule_of
from oss_inbox.sla.schedules import schedule_save
from oss_inbox.sla.services import ticket_sla_recompute
from oss_inbox.tickets.models import Ticket
from oss_inbox.tickets.services import ticket_reply, ticket_set_priority, ticket_set_status

from .conftest import CHICAGO, arriving, hours, local

pytestmark = pytest.mark.django_db


def test_key_account_ticket_arriving_friday_2150_is_due_saturday_1150(mailbox, hospital):
    ticket = arriving(mailbox, local(2026, 11, 6, 21, 50), sender="ops@mercy.example")
    assert ticket.is_key_account and policy_for_ticket(ticket).name == "Key account"
    # 10 minutes on Friday night, then 3h50m from Saturday's 08:00 opening.
    assert ticket.first_response_due_at.astimezone(CHICAGO) == local(2026, 11, 7, 11, 50)
    assert ticket.sla_due_at == ticket.first_response_due_at


def test_standard_ticket_is_due_one_calendar_day_later_even_overnight(mailbox):
    ticket = arriving(mailbox, local(2026, 11, 6, 21, 50))
    assert policy_for_ticket(ticket).name == "Standard"
    assert ticket.first_response_due_at.astimezone(CHICAGO) == local(2026, 11, 7, 21, 50)


def test_coverage_clock_counts_real_hours_across_the_fall_back_night(mailbox, hospital):
    # Saturday 2026-10-31 20:00 CDT: one hour left that evening, three on Sunday (CST) from 08:00.
    ticket = arriving(mailbox, local(2026, 10, 31, 20, 0), sender="ops@mercy.example")
    assert ticket.first_response_due_at.astimezone(CHICAGO) == local(2026, 11, 1, 11, 0)


def test_a_holiday_override_pushes_a_coverage_due_time_to_the_next_open_day(mailbox, hospital):
    schedule = schedule_of(mailbox)  # no schedule of its own: the default one
    draft = draft_from_schedule(schedule)
    draft_add_override(draft, "2026-11-11", "Veterans Day")
    assert schedule_save(schedule=schedule, draft=draft, actor=None) == []
    ticket = arriving(mailbox, local(2026, 11, 10, 21, 0), sender="ops@mercy.example")
    # One hour on Tuesday night; Wednesday closed; three hours from Thursday 07:00.
    assert ticket.first_response_due_at.astimezone(CHICAGO) == local(2026, 11, 12, 10, 0)


def test_raising_a_ticket_to_urgent_moves_its_due_time_to_the_urgent_policy(mailbox, agent, time_machine):
    time_machine.move_to(local(2026, 11, 4, 10, 30), tick=False)
    SlaPolicy.objects.create(
        name="Urgent", min_priority=Ticket.Priority.URGENT, first_response_target=hours(1)
    )
    ticket = arriving(mailbox, local(2026, 11, 4, 10))
    assert ticket.first_response_due_at.astimezone(CHICAGO) == local(2026, 11, 5, 10)  # Standard: a day
    ticket_set_priority(ticket=ticket, priority=Ticket.Priority.URGENT, actor=agent)
    ticket.refresh_from_db()
    assert policy_for_ticket(ticket).name == "Urgent"
    assert ticket.first_response_due_at.astimezone(CHICAGO) == local(2026, 11, 4, 11)
    assert ticket.sla_due_at == ticket.first_response_due_at
    assert ticket.events.filter(kind="priority", data__to=Ticket.Priority.URGENT).exists()


def test_policies_match_key_account_first_then_priority_then_channel(mailbox, hospital):
    SlaPolicy.objects.create(
        name="Urgent", min_priority=Ticket.Priority.URGENT, first_response_target=hours(1)
    )
    SlaPolicy.objects.create(name="Email", channel_kind="email", first_response_target=hours(12))
    ticket = arriving(mailbox, local(2026, 11, 2, 10), sender="ops@mercy.example")
    ticket.priority = Ticket.Priority.URGENT
    assert policy_for_ticket(ticket).name == "Key account"
    ticket.is_key_account = False
    assert policy_for_ticket(ticket).name == "Urgent"
    ticket.priority = Ticket.Priority.NORMAL
    assert policy_for_ticket(ticket).name == "Email"


def test_with_no_policy_at_all_the_one_day_promise_still_holds(mailbox):
    SlaPolicy.objects.all().delete()
    ticket = arriving(mailbox, local(2026, 11, 2, 10))
    assert ticket.first_response_due_at == ticket.created_at + timedelta(hours=24)


def test_first_reply_stops_the_clock_and_a_customer_reply_restarts_it(mailbox, agent):
    ticket = arriving(mailbox, local(2026, 11, 2, 10), message_id="q1@mail.example")
    ticket_reply(ticket=ticket, author=agent, text="We're on it.", sent_at=local(2026, 11, 2, 11))
    ticket.refresh_from_db()
    assert ticket.sla_due_at is None and ticket.sla_state == "met"
    again = arriving(
        mailbox, local(2026, 11, 2, 15), message_id="q2@mail.example", reply_to_ids=("q1@mail.example",)
    )
    assert again.pk == ticket.pk
    assert again.next_response_due_at == local(2026, 11, 3, 15) == again.sla_due_at
    later = arriving(
        mailbox, local(2026, 11, 2, 16), message_id="q3@mail.example", reply_to_ids=("q1@mail.example",)
    )
    assert later.next_response_due_at == local(2026, 11, 3, 16)


def test_key_account_next_response_counts_eight_coverage_hours(mailbox, hospital, agent):
    ticket = arriving(
        mailbox, local(2026, 11, 2, 10), message_id="k1@mail.example", sender="ops@mercy.example"
    )
    ticket_reply(ticket=ticket, author=agent, text="Looking now.", sent_at=local(2026, 11, 2, 10, 30))
    again = arriving(
        mailbox,
        local(2026, 11, 2, 20),
        message_id="k2@mail.example",
        sender="ops@mercy.example",
        reply_to_ids=("k1@mail.example",),
    )
    # Two hours on Monday night, six from Tuesday 07:00.
    assert again.next_response_due_at.astimezone(CHICAGO) == local(2026, 11, 3, 13)


def test_pending_pauses_every_timer_and_a_customer_reply_resumes_them(mailbox, agent):
    ticket = arriving(mailbox, local(2026, 11, 2, 10), message_id="p1@mail.example")
    ticket_set_status(ticket=ticket, status="pending", actor=agent)
    ticket.refresh_from_db()
    assert (ticket.sla_state, ticket.sla_due_at, ticket.sla_escalate_at) == ("paused", None, None)
    resumed = arriving(
        mailbox, local(2026, 11, 2, 12), message_id="p2@mail.example", reply_to_ids=("p1@mail.example",)
    )
    assert resumed.status == "open" and resumed.sla_state != "paused"
    assert resumed.sla_paused_at is None and len(resumed.sla_pauses) == 1


def test_pending_time_does_not_count_towards_the_resolution_target(mailbox):
    SlaPolicy.objects.filter(name="Standard").update(resolution_target=hours(48))
    ticket = arriving(mailbox, local(2026, 11, 2, 10))
    start = ticket.created_at
    assert ticket.resolution_due_at == start + hours(48)
    ticket.status = "pending"
    ticket_sla_recompute(ticket, now=start + hours(10))
    assert ticket.resolution_due_at is None and ticket.sla_state == "paused"
    ticket.status = "open"
    ticket_sla_recompute(ticket, now=start + hours(30))
    assert ticket.resolution_due_at == start + hours(48 + 20)  # the 20 paused hours are added back


def test_pending_time_is_skipped_on_the_coverage_clock_too(mailbox):
    SlaPolicy.objects.filter(name="Standard").update(resolution_target=hours(10), resolution_clock="coverage")
    ticket = arriving(mailbox, local(2026, 11, 2, 12))  # Monday noon; the email schedule opens 07-22
    ticket.status = "pending"
    ticket_sla_recompute(ticket, now=local(2026, 11, 2, 14))  # 2 covered hours used
    ticket.status = "open"
    ticket_sla_recompute(ticket, now=local(2026, 11, 3, 9))  # paused across the night until 09:00
    assert ticket.resolution_due_at.astimezone(CHICAGO) == local(2026, 11, 3, 17)  # 8 more covered hours


def test_at_risk_when_a_quarter_of_the_target_is_left(mailbox):
    ticket = arriving(mailbox, local(2026, 11, 2, 10))
    assert ticket.sla_at_risk_at == ticket.created_at + hours(18)
    ticket_sla_recompute(ticket, now=ticket.created_at + hours(17))
    assert ticket.sla_state == "ok"
    ticket_sla_recompute(ticket, now=ticket.created_at + hours(19))
    assert ticket.sla_state == "at_risk"
    ticket_sla_recompute(ticket, now=ticket.created_at + hours(25))
    assert ticket.sla_state == "breached"


def test_resolved_ticket_runs_no_timer(mailbox, agent):
    ticket = arriving(mailbox, local(2026, 11, 2, 10))
    ticket_set_status(ticket=ticket, status="resolved", actor=agent)
    ticket.refresh_from_db()
    assert (ticket.sla_due_at, ticket.sla_state, ticket.sla_escalate_at) == (None, "met", None)
