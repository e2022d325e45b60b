"""`manage.py demo_setup`: a demo team that can log in, and a month of tickets the real code built.

Every test here reads one demo, built once for the module (rebuilding it for each test cost ~80 s of
the suite); tests that make their own demo are in test_demo_logins.py, outside its transaction."""

import io
import re

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings

from oss_inbox.demo.world import ACCOUNTS
from oss_inbox.keyaccounts.models import AccountEvent, AccountMail, JointPlan, PlanItem, ProgressUpdate
from oss_inbox.tickets.models import Message, Organization, Ticket, TicketEvent

from .passwords import TEAM_ROLES, printed_passwords

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture(scope="module")
def first_run(django_db_setup, django_db_blocker, tmp_path_factory):
    """The output of one `demo_setup --tickets 60`, its rows kept until the module's last test and
    then rolled back. Each test runs in a savepoint inside this transaction (pytest-django's own),
    so what a test writes is undone before the next."""
    settings = override_settings(
        MEDIA_ROOT=tmp_path_factory.mktemp("demo-media"),  # one demo email carries a photo
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    with django_db_blocker.unblock(), settings, transaction.atomic():
        out = io.StringIO()
        call_command("demo_setup", "--tickets", "60", stdout=out)
        try:
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)


def test_first_run_prints_passwords_that_log_in(first_run):
    passwords = printed_passwords(first_run)
    assert set(passwords) == set(TEAM_ROLES)
    assert "changepassword" in first_run and "only this once" in first_run
    for username, role in TEAM_ROLES.items():
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.get_full_name().strip() != ""
        assert Client().login(username=username, password=passwords[username])
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser


def test_second_run_creates_nothing_and_says_so(first_run):
    before = (User.objects.count(), Ticket.objects.count(), Message.objects.count())
    out = io.StringIO()
    call_command("demo_setup", stdout=out)
    assert out.getvalue().strip() == "Demo data is already there; nothing was created."
    assert (User.objects.count(), Ticket.objects.count(), Message.objects.count()) == before
    assert before[1] == 60


def test_every_channel_has_tickets_in_every_state(first_run):
    for details in ACCOUNTS.values():
        assert Ticket.objects.filter(account__name=details["name"]).exists(), details["name"]
    assert set(Ticket.objects.values_list("status", flat=True)) == {"new", "open", "pending", "resolved"}
    assert Ticket.objects.filter(status="new", assignee=None).exists()
    assert Ticket.objects.filter(status="open").exclude(assignee=None).exists()
    states = set(Ticket.objects.values_list("sla_state", flat=True))
    assert {"breached", "at_risk", "paused", "met"} <= states


def test_follow_up_ticket_links_to_the_resolved_one_it_follows(first_run):
    follow_up = Ticket.objects.exclude(previous_ticket=None).select_related("previous_ticket").first()
    previous = follow_up.previous_ticket
    assert previous.status == "resolved"
    assert (follow_up.account_id, follow_up.thread_key, follow_up.contact_id) == (
        previous.account_id,
        previous.thread_key,
        previous.contact_id,
    )
    assert follow_up.created_at - previous.resolved_at > django_settings.REOPEN_WINDOW


def test_reopened_ticket_came_back_within_the_window(first_run):
    reopened = TicketEvent.objects.filter(kind="reopened").select_related("ticket").first()
    assert reopened is not None and reopened.ticket.status == "open"
    assert not Ticket.objects.filter(previous_ticket=reopened.ticket).exists()


def test_auto_replies_stay_on_the_ticket_they_answer(first_run):
    automatic = Message.objects.filter(is_automatic=True, direction="inbound").select_related("ticket")
    assert automatic.count() >= 2
    for message in automatic:
        first = message.ticket.messages.order_by("sent_at", "id").first()
        assert not first.is_automatic and first.sent_at < message.sent_at
    # No ticket begins with an automatic message: auto-replies never open one of their own.
    for ticket in Ticket.objects.prefetch_related("messages"):
        assert not min(ticket.messages.all(), key=lambda m: (m.sent_at, m.id)).is_automatic


def test_replies_are_delivered_and_customers_answer_them(first_run):
    replies = Message.objects.filter(direction="outbound")
    assert replies.exists() and not replies.exclude(delivery_state="sent").exists()
    assert not replies.filter(external_id=None).exists()
    our_ids = set(replies.values_list("external_id", flat=True))
    answers = Message.objects.filter(direction="inbound", in_reply_to__in=our_ids)
    assert answers.filter(kind="mention").exists() or answers.filter(kind="email").exists()
    assert Message.objects.filter(direction="note").exists()
    assert Message.objects.filter(attachments__isnull=False).exists()


def test_key_accounts_have_managers_plans_and_history(first_run):
    key_accounts = Organization.objects.filter(is_key_account=True)
    assert {
        "St. Brigid Regional Hospital",
        "Prairie State University",
        "Cedar Mill Packaging",
        "Northgate Data Centre",
    } <= set(key_accounts.values_list("name", flat=True))
    assert not key_accounts.filter(account_manager=None).exists()
    assert JointPlan.objects.filter(organization__in=key_accounts).count() == key_accounts.count()
    assert {"planned", "in_progress", "at_risk", "done", "dropped"} <= set(
        PlanItem.objects.values_list("status", flat=True)
    )
    assert ProgressUpdate.objects.filter(status="sent").exists()
    assert not AccountMail.objects.exclude(delivery_state="sent").exists()
    assert {"plan", "update", "notice"} <= set(AccountEvent.objects.values_list("kind", flat=True))
    # The organizations' own requests come in flagged, high priority, for their account managers.
    theirs = Ticket.objects.filter(contact__organization__in=key_accounts)
    assert theirs.count() >= 3
    assert not theirs.filter(is_key_account=False).exists()


def test_the_demo_has_canned_responses_to_try_and_tickets_tagged_by_topic(first_run):
    from oss_inbox.inbox.models import CannedResponse
    from oss_inbox.tickets.models import Ticket

    names = set(CannedResponse.objects.values_list("name", flat=True))
    assert {"Outage: crews on site", "Billing: meter photo", "Move to DM"} <= names
    assert all(
        "{{customer.first_name}}" in text for text in CannedResponse.objects.values_list("text", flat=True)
    )
    tagged = Ticket.objects.filter(tags__name__in=["outage", "billing"]).distinct()
    assert tagged.count() >= Ticket.objects.count() // 4
    outage = Ticket.objects.filter(tags__name="outage").first()
    assert any(
        word in outage.messages.filter(direction="inbound").first().text.lower()
        for word in ("outage", "power", "lights", "restor", "storm")
    )


def test_a_key_account_manager_signs_in_and_manages_the_hospital_and_the_data_centre(first_run):
    assert re.search(r"^\s+grace\s+Agent \(key accounts\)\s+Grace Whitman\s", first_run, re.MULTILINE)
    grace = User.objects.get(username="grace")
    assert Client().login(username="grace", password=printed_passwords(first_run)["grace"])
    managed = Organization.objects.filter(account_manager=grace).values_list("name", flat=True)
    assert set(managed) == {"St. Brigid Regional Hospital", "Northgate Data Centre"}
    # She answers her accounts' tickets, not the everyday queue.
    theirs = Ticket.objects.filter(assignee=grace)
    assert set(theirs.values_list("contact__organization__account_manager", flat=True)) <= {grace.pk}
