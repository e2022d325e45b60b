"""The quarterly update reminder, with the clock set by hand across the end of a quarter: the manager
on duty hears once when the update becomes due and once when it is overdue, never again."""

from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core import mail as outbox
from django.urls import reverse

from oss_inbox.keyaccounts.models import AccountEvent, ProgressUpdate, UpdateReminder
from oss_inbox.keyaccounts.reminders import updates_remind
from oss_inbox.keyaccounts.tasks import remind_updates
from oss_inbox.staff.models import Notification
from oss_inbox.tickets.models import Contact, Ticket

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")


def local(*args):
    return datetime(*args, tzinfo=CHICAGO)


def sent_update(organization, year, quarter):
    return ProgressUpdate.objects.create(
        organization=organization, year=year, quarter=quarter, subject="Update", body="...", status="sent",
        sent_at=local(year, 3 * quarter, 28),
    )  # fmt: skip


@pytest.fixture
def accounts(hospital, plant, agent):
    agent.email = "dana@utility.example"
    agent.save()
    for organization in (hospital, plant):
        sent_update(organization, 2026, 2)
    sent_update(plant, 2026, 3)  # the plant's manager sent Q3's early: nothing to remind
    return hospital, plant


def remind(now, capture):
    with capture(execute=True):
        return updates_remind(now=now)


def test_the_manager_is_reminded_once_when_the_update_becomes_due_and_once_when_overdue(
    accounts, agent, django_capture_on_commit_callbacks, team_mails_sent_at_once
):
    hospital, _plant = accounts
    capture = django_capture_on_commit_callbacks

    assert remind(local(2026, 9, 30, 23, 30), capture) == 0  # Q3 still running
    assert remind(local(2026, 10, 1, 0, 30), capture) == 1
    assert remind(local(2026, 10, 1, 1, 30), capture) == 0  # the next hourly run
    assert remind(local(2026, 10, 15, 23, 30), capture) == 0  # last day it is due, not overdue

    notification = Notification.objects.get(recipient=agent)
    assert notification.text == "The Q3 2026 update for St. Mary's Hospital is due by 15 October 2026"
    assert (notification.ticket, notification.organization) == (None, hospital)
    assert notification.link == reverse("keyaccounts:organization", args=[hospital.pk])
    assert [message.to for message in outbox.outbox] == [["dana@utility.example"]]
    assert "Write it from the prefilled draft" in outbox.outbox[0].body

    assert remind(local(2026, 10, 16, 0, 30), capture) == 1
    assert remind(local(2026, 10, 20, 9, 0), capture) == 0
    assert Notification.objects.filter(recipient=agent).first().text == (
        "The Q3 2026 update for St. Mary's Hospital is overdue (it was due by 15 October 2026)"
    )
    reminders = UpdateReminder.objects.order_by("pk").values_list(
        "organization__name", "year", "quarter", "kind"
    )
    assert list(reminders) == [
        ("St. Mary's Hospital", 2026, 3, "due"),
        ("St. Mary's Hospital", 2026, 3, "overdue"),
    ]
    assert AccountEvent.objects.filter(organization=hospital, kind="reminder").count() == 2
    assert len(outbox.outbox) == 2


def test_no_reminder_once_the_update_is_sent(accounts, django_capture_on_commit_callbacks):
    hospital, _plant = accounts
    sent_update(hospital, 2026, 3)

    assert remind(local(2026, 10, 2, 9, 0), django_capture_on_commit_callbacks) == 0
    assert remind(local(2026, 10, 20, 9, 0), django_capture_on_commit_callbacks) == 0
    assert not UpdateReminder.objects.exists()


def test_the_backup_is_reminded_when_the_manager_has_left(
    accounts, agent, other_agent, django_capture_on_commit_callbacks
):
    agent.is_active = False
    agent.save()

    remind(local(2026, 10, 2, 9, 0), django_capture_on_commit_callbacks)

    assert list(Notification.objects.values_list("recipient__username", flat=True)) == [other_agent.username]


def test_the_beat_task_reads_the_clock_and_reminds_across_the_new_year(
    hospital, agent, django_capture_on_commit_callbacks
):
    sent_update(hospital, 2026, 3)
    for now, expected in (
        (local(2026, 12, 31, 23, 0), 0),
        (local(2027, 1, 1, 8, 0), 1),
        (local(2027, 1, 16, 8, 0), 2),
    ):
        with (
            mock.patch("django.utils.timezone.now", return_value=now),
            django_capture_on_commit_callbacks(execute=True),
        ):
            remind_updates()
        assert UpdateReminder.objects.filter(year=2026, quarter=4).count() == expected


def test_the_notifications_page_links_a_reminder_to_its_account_beside_ticket_notifications(
    client, accounts, agent, mailbox, django_capture_on_commit_callbacks
):
    hospital, _plant = accounts
    remind(local(2026, 10, 2, 9, 0), django_capture_on_commit_callbacks)
    escalated = Ticket.objects.create(
        account=mailbox,
        contact=Contact.objects.get(name="Jo Engineer"),
        thread_key="email:x",
        created_at=local(2026, 10, 2),
    )
    Notification.objects.create(
        recipient=agent, ticket=escalated, text="Ticket breached its first-response target"
    )

    client.force_login(agent)
    page = client.get(reverse("staff:notifications")).content.decode()

    assert f'<a href="{reverse("keyaccounts:organization", args=[hospital.pk])}">The Q3 2026 update' in page
    assert f'<a href="{reverse("inbox:ticket", args=[escalated.pk])}">Ticket breached' in page
