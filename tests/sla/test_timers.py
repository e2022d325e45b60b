"""Timers in the queue and on the ticket page: due in, at risk, breached ago, paused."""

from datetime import UTC, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from oss_inbox.sla.policies import builtin_schedule
from oss_inbox.sla.schedules import coverage_line
from oss_inbox.sla.timers import coverage_words, span_words, ticket_timer
from oss_inbox.tickets.models import Ticket
from oss_inbox.tickets.services import ticket_set_status

from .conftest import arriving, hours, local

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "delta, words",
    [
        (timedelta(hours=3, minutes=12, seconds=40), "3h 12m"),
        (timedelta(minutes=25), "25m"),
        (timedelta(seconds=20), "<1m"),
        (timedelta(days=2, hours=4), "2d 4h"),
        (timedelta(hours=5), "5h"),
    ],
)
def test_span_words(delta, words):
    assert span_words(delta) == words


def test_timer_words_and_states(mailbox):
    ticket = arriving(mailbox, local(2026, 11, 2, 10))
    start = ticket.created_at
    assert ticket_timer(ticket, start + hours(20) + timedelta(minutes=48)).text == "due in 3h 12m"
    assert ticket_timer(ticket, start + hours(20)).state == "at_risk"
    assert ticket_timer(ticket, start + hours(2)).state == "ok"
    late = ticket_timer(ticket, start + hours(24) + timedelta(minutes=25))
    assert (late.state, late.text) == ("breached", "breached 25m ago")
    assert late.title.startswith("Due Tue, Nov 3, 2026, 10:00 AM CST")


def test_queue_shows_timers_and_filters_breached_and_at_risk(client, agent, mailbox, time_machine):
    # The clock stands still two days after the old ticket's due time, whatever today's date is.
    time_machine.move_to(local(2026, 11, 5, 12), tick=False)
    old = arriving(mailbox, local(2026, 11, 2, 10))  # due Nov 3 10:00: breached 2d 2h ago
    fresh = arriving(mailbox, timezone.now() - hours(20))  # 4h left of 24: at risk
    paused = arriving(mailbox, timezone.now() - hours(1))
    ticket_set_status(ticket=paused, status="pending", actor=agent)
    client.force_login(agent)
    html = client.get(reverse("inbox:queue")).content.decode()
    assert 'class="sla sla-breached"' in html and "breached 2" in html
    assert 'class="sla sla-at_risk"' in html and "due in 4h<" in html
    assert ">paused<" in html
    breached = client.get(reverse("inbox:queue") + "?status=open&sla=breached").content.decode()
    assert f'href="/tickets/{old.pk}/"' in breached and f'href="/tickets/{fresh.pk}/"' not in breached
    at_risk = client.get(reverse("inbox:queue") + "?status=open&sla=at_risk").content.decode()
    assert f'href="/tickets/{fresh.pk}/"' in at_risk and f'href="/tickets/{old.pk}/"' not in at_risk


def test_ticket_page_shows_the_policy_and_due_time_in_the_viewers_zone(client, agent, mailbox, hospital):
    ticket = arriving(mailbox, local(2026, 11, 6, 21, 50), sender="ops@mercy.example")
    client.force_login(agent)
    html = client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert "Key account" in html and 'title="Sat, Nov 7, 2026, 11:50 AM CST"' in html


def test_coverage_words():
    schedule = builtin_schedule()
    open_line = coverage_line(schedule, local(2026, 11, 6, 15))
    assert coverage_words(open_line, local(2026, 11, 6, 15)) == "Team hours covered until 10:00 PM"
    closed = coverage_line(schedule, local(2026, 11, 6, 23))
    assert coverage_words(closed, local(2026, 11, 6, 23)) == "Team hours: next coverage Sat 8:00 AM"
    early = coverage_line(schedule, local(2026, 11, 9, 5))
    assert coverage_words(early, local(2026, 11, 9, 5)) == "Team hours: next coverage 7:00 AM"


def test_pending_ticket_timer_is_paused(mailbox, agent):
    ticket = arriving(mailbox, local(2026, 11, 2, 10))
    ticket_set_status(ticket=ticket, status=Ticket.Status.PENDING, actor=agent)
    assert ticket_timer(ticket).text == "paused"


def test_the_due_time_in_words_is_the_apps_full_date_style():
    from datetime import datetime

    from oss_inbox.sla.timers import due_words

    assert due_words(datetime(2026, 3, 3, 19, 7, tzinfo=UTC)) == "Tue, Mar 3, 2026, 1:07 PM CST"
    assert due_words(datetime(2026, 7, 3, 4, 7, tzinfo=UTC)) == "Thu, Jul 2, 2026, 11:07 PM CDT"
