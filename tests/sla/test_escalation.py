"""The SLA scan: at risk, then breached, each recorded and notified once per due time."""

import pytest
from django.core import mail

from oss_inbox.staff.models import Notification
from oss_inbox.tickets.models import TicketEvent
from oss_inbox.tickets.services import ticket_claim, ticket_reply, ticket_set_status
from oss_inbox.tickets.services.escalation import sla_scan

from .conftest import arriving, hours, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def claimed(mailbox, agent, supervisor):
    ticket = arriving(mailbox, local(2026, 11, 2, 10), message_id="e1@mail.example")
    agent.email = "dana@utility.example"
    agent.save()
    return ticket_claim(ticket=ticket, user=agent)


def sla_events(ticket):
    return list(TicketEvent.objects.filter(ticket=ticket, kind="sla").values_list("data__state", flat=True))


def test_at_risk_then_breached_each_once_with_notifications(
    claimed, agent, supervisor, django_capture_on_commit_callbacks, team_mails_sent_at_once
):
    start = claimed.created_at
    assert sla_scan(now=start + hours(17)) == 0  # 7h left of 24: not yet at risk
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_scan(now=start + hours(19)) == 1
    assert sla_scan(now=start + hours(19)) == 0  # the same run again changes nothing
    assert sla_events(claimed) == ["at_risk"]
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_scan(now=start + hours(25)) == 1
    assert sla_scan(now=start + hours(26)) == 0
    assert sla_events(claimed) == ["at_risk", "breached"]
    for user in (agent, supervisor):
        texts = list(Notification.objects.filter(recipient=user).values_list("text", flat=True))
        assert len(texts) == 2 and "breached its first response target" in texts[0], texts
    assert [message.to for message in mail.outbox] == [["dana@utility.example"]] * 2  # sam has no address
    claimed.refresh_from_db()
    assert (claimed.sla_state, claimed.sla_escalate_at) == ("breached", None)


def test_a_ticket_found_already_breached_is_escalated_once_as_breached(claimed):
    assert sla_scan(now=claimed.created_at + hours(30)) == 1
    assert sla_scan(now=claimed.created_at + hours(31)) == 0
    assert sla_events(claimed) == ["breached"]
    assert Notification.objects.filter(ticket=claimed).count() == 2  # the assignee and the supervisor


def test_a_new_due_time_is_escalated_again(claimed, mailbox, agent):
    sla_scan(now=claimed.created_at + hours(30))
    ticket_reply(ticket=claimed, author=agent, text="Sorry for the wait.", sent_at=local(2026, 11, 3, 17))
    again = arriving(
        mailbox, local(2026, 11, 3, 18), message_id="e2@mail.example", reply_to_ids=("e1@mail.example",)
    )
    assert again.sla_escalate_at == again.next_response_due_at - hours(6)
    sla_scan(now=again.next_response_due_at + hours(1))
    assert sla_events(claimed) == ["breached", "breached"]
    assert TicketEvent.objects.filter(ticket=claimed, kind="sla").last().data["target"] == "next response"


def test_pending_and_resolved_tickets_are_never_escalated(claimed, agent):
    ticket_set_status(ticket=claimed, status="pending", actor=agent)
    assert sla_scan(now=claimed.created_at + hours(30)) == 0
    ticket_set_status(ticket=claimed, status="resolved", actor=agent)
    assert sla_scan(now=claimed.created_at + hours(30)) == 0
    assert sla_events(claimed) == []


def test_the_scan_reads_only_tickets_due_now(claimed, django_assert_num_queries):
    with django_assert_num_queries(1):  # one indexed look-up when nothing is due
        assert sla_scan(now=claimed.created_at + hours(1)) == 0


def test_an_unassigned_ticket_notifies_the_supervisors(mailbox, supervisor, admin_user):
    ticket = arriving(mailbox, local(2026, 11, 2, 10))
    sla_scan(now=ticket.created_at + hours(30))
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["sam"]


def test_beat_runs_the_scan_every_minute(settings):
    from oss_inbox.celery import app
    from oss_inbox.tickets import tasks  # noqa: F401 - registers the tasks

    entry = settings.CELERY_BEAT_SCHEDULE["sla-scan"]
    assert entry["schedule"] == 60.0 and entry["task"] in app.tasks
