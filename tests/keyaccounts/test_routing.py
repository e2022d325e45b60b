"""A key account's customers, on every channel: flagged, high priority, key-account SLA, their manager."""

from datetime import timedelta

import pytest

from channels.email.parse import parse_email
from channels.facebook.parse import parse_comments, parse_messages
from channels.twitter.parse import parse_mentions
from oss_inbox.keyaccounts.matching import organization_attach_matching
from oss_inbox.keyaccounts.models import AccountEvent, AccountMail, KnownIdentity
from oss_inbox.sla.models import CoverageSchedule, SlaPolicy
from oss_inbox.staff.models import Notification
from oss_inbox.tickets.models import Contact, Organization, OrganizationDomain, Ticket, TicketEvent
from oss_inbox.tickets.services import ingest, ticket_reply

from ..factories import email

pytestmark = pytest.mark.django_db

WRITTEN = "2026-11-02T15:00:00+00:00"  # a Monday, 9:00 in Chicago


@pytest.fixture
def hospital(agent, other_agent):
    hospital = Organization.objects.create(
        name="St. Mary's Hospital",
        is_key_account=True,
        tier="strategic",
        account_manager=agent,
        backup_manager=other_agent,
    )
    OrganizationDomain.objects.create(organization=hospital, domain="stmarys.example")
    KnownIdentity.objects.create(organization=hospital, kind="twitter", value="@StMarysFacilities")
    KnownIdentity.objects.create(organization=hospital, kind="facebook", value="900100200")
    return hospital


@pytest.fixture
def key_policy():
    # Tighter than the default one-day promise: 2 hours on the clock.
    return SlaPolicy.objects.create(
        name="Key accounts 2h", position=1, key_accounts_only=True, first_response_target=timedelta(hours=2)
    )


def x_mention(tweet_id, username, user_id="4401"):
    return parse_mentions({
        "data": [{"id": tweet_id, "text": "@Utility our east wing lost power", "author_id": user_id,
                  "conversation_id": tweet_id, "created_at": WRITTEN.replace("+00:00", ".000Z")}],
        "includes": {"users": [{"id": user_id, "name": "Facilities", "username": username}]},
    })  # fmt: skip


def fb_comment(comment_id, user_id):
    return parse_comments(
        {"data": [{"id": f"104_555_{comment_id}", "message": "Generator test tonight?",
                   "created_time": WRITTEN, "from": {"id": user_id, "name": "Pat Facilities"}}]},
        post={"id": "104_555", "message": "Planned maintenance on Elm St.",
              "permalink_url": "https://facebook.com/104/posts/555"},
    )  # fmt: skip


def messenger(message_id, user_id):
    return parse_messages(
        {"data": [{"id": message_id, "message": "Can we talk about the feeder upgrade?",
                   "created_time": WRITTEN, "from": {"id": user_id, "name": "Pat Facilities"}}]},
        conversation_id="t_1001",
    )  # fmt: skip


def mail(sender, message_id="a1@stmarys.example", in_reply_to=""):
    headers = f"In-Reply-To: <{in_reply_to}>\nReferences: <{in_reply_to}>\n" if in_reply_to else ""
    raw = (
        f"From: Jo Engineer <{sender}>\nTo: help@utility.example\nSubject: Feeder 12 outage\n"
        f"Message-ID: <{message_id}>\nDate: Mon, 02 Nov 2026 15:00:00 +0000\n{headers}\n"
        "Our MRI suite is on feeder 12. When will it be back?\n"
    )
    return [parse_email(raw.encode())]


def assert_routed_to_manager(ticket, manager):
    assert ticket.is_key_account
    assert ticket.priority == Ticket.Priority.HIGH
    assert ticket.assignee == manager
    assert ticket.first_response_due_at == ticket.created_at + timedelta(hours=2)  # the key-account policy
    assigned = ticket.events.get(kind=TicketEvent.Kind.ASSIGNED)
    assert assigned.data["to"] == manager.username and assigned.data["reason"] == "key account manager"
    assert Notification.objects.filter(recipient=manager, ticket=ticket).count() == 1


@pytest.mark.parametrize("channel, items", [
    ("mailbox", lambda: mail("jo.engineer@StMarys.example")),
    ("twitter", lambda: x_mention("1860000000000000001", "stmarysfacilities")),
    ("facebook", lambda: fb_comment("1", "900100200")),
    ("facebook", lambda: messenger("m_abc", "900100200")),
])  # fmt: skip
def test_a_key_accounts_customer_gets_a_flagged_high_priority_ticket_with_their_manager(
    request, channel, items, hospital, key_policy, agent
):
    account = request.getfixturevalue(channel)
    result = ingest(account, items())
    assert result.tickets_opened == 1
    ticket = Ticket.objects.get()
    assert ticket.contact.organization == hospital
    assert_routed_to_manager(ticket, agent)


def test_the_manager_answering_a_routed_ticket_opens_it(mailbox, hospital, key_policy, agent):
    ingest(mailbox, mail("jo@stmarys.example"))
    ticket = Ticket.objects.get()
    assert ticket.status == Ticket.Status.NEW  # routed, not claimed
    ticket_reply(ticket=ticket, author=agent, text="Crews are on feeder 12; power back by 2 pm.")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN and ticket.first_response_at is not None
    assert ticket.events.filter(kind=TicketEvent.Kind.STATUS, data__to="open").exists()


def test_someone_outside_the_key_account_gets_an_ordinary_ticket(mailbox, twitter, hospital, key_policy):
    ingest(mailbox, mail("maria@example.com"))
    ingest(twitter, x_mention("1860000000000000002", "somebodyelse", user_id="77"))
    for ticket in Ticket.objects.all():
        assert (
            not ticket.is_key_account
            and ticket.assignee is None
            and ticket.priority == Ticket.Priority.NORMAL
        )
        assert ticket.contact.organization is None
    assert not Notification.objects.exists()


def test_the_backup_gets_the_tickets_while_the_manager_is_inactive(
    mailbox, hospital, key_policy, agent, other_agent
):
    agent.is_active = False
    agent.save()
    ingest(mailbox, mail("jo@stmarys.example"))
    assert_routed_to_manager(Ticket.objects.get(), other_agent)


def test_a_rule_added_later_attaches_known_contacts_and_flags_their_open_tickets(mailbox, key_policy, agent):
    ingest(mailbox, mail("jo@plant.example"))
    ticket = Ticket.objects.get()
    assert not ticket.is_key_account
    plant = Organization.objects.create(name="Riverside Steel", is_key_account=True, account_manager=agent)
    OrganizationDomain.objects.create(organization=plant, domain="plant.example")

    assert organization_attach_matching(plant) == 1
    ticket.refresh_from_db()
    assert ticket.contact.organization == plant
    assert_routed_to_manager(ticket, agent)


def test_a_contact_placed_by_hand_is_not_moved_by_a_rule(mailbox, hospital):
    ingest(mailbox, mail("jo@elsewhere.example"))
    contact = Contact.objects.get()
    other = Organization.objects.create(name="Elsewhere Inc")
    contact.organization = other
    contact.save()
    OrganizationDomain.objects.create(organization=hospital, domain="elsewhere.example")
    assert organization_attach_matching(hospital) == 0
    contact.refresh_from_db()
    assert contact.organization == other


def test_a_key_account_policy_can_count_around_the_clock_on_its_own_schedule(mailbox, hospital, agent):
    around_the_clock = CoverageSchedule.objects.create(
        name="24x7", timezone="America/Chicago",
        weekly={str(day): [["00:00", "00:00"]] for day in range(7)},  # 00:00 as an end is midnight
    )  # fmt: skip
    SlaPolicy.objects.create(
        name="Key accounts 4 coverage hours", position=1, key_accounts_only=True,
        first_response_target=timedelta(hours=4), first_response_clock="coverage",
        coverage_schedule=around_the_clock,
    )  # fmt: skip
    raw = mail("jo@stmarys.example")[0]
    # 23:00 Sunday in Chicago.
    late = raw.__class__(**{**raw.__dict__, "sent_at": raw.sent_at.replace(hour=5)})
    ingest(mailbox, [late])
    ticket = Ticket.objects.get()
    # The team's hours would start counting at 08:00; the key account's 24x7 schedule counts at once.
    assert ticket.first_response_due_at == ticket.created_at + timedelta(hours=4)


def test_a_reply_to_a_notice_becomes_a_ticket_on_that_account(mailbox, hospital, key_policy, agent):
    sent = AccountMail.objects.create(
        organization=hospital, address="jo@stmarys.example", account=mailbox,
        subject="Planned outage on feeder 12", text="...", message_id="notice-1.abc@utility.example",
        delivery_state="sent",
    )  # fmt: skip
    # Jo answers from a personal address that no rule knows.
    ingest(mailbox, mail("jo.home@gmail.example", message_id="r1@gmail.example", in_reply_to=sent.message_id))
    ticket = Ticket.objects.get()
    assert ticket.contact.organization == hospital
    assert_routed_to_manager(ticket, agent)
    assert ticket.events.filter(kind=TicketEvent.Kind.CREATED, data__account_mail=sent.pk).exists()
    event = AccountEvent.objects.get(organization=hospital, kind=AccountEvent.Kind.NOTICE_REPLY)
    assert event.data["ticket"] == ticket.pk and "Planned outage on feeder 12" in event.summary


def test_email_from_the_domain_of_an_ordinary_organization_is_not_flagged(mailbox, agent):
    city = Organization.objects.create(
        name="City of Springfield", is_key_account=False, account_manager=agent
    )
    OrganizationDomain.objects.create(organization=city, domain="springfield.example")
    ingest(mailbox, [email(sender="clerk@springfield.example")])
    ticket = Ticket.objects.get()
    assert ticket.contact.organization == city
    assert not ticket.is_key_account and ticket.assignee is None
