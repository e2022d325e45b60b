"""The ticket page's reads in SQL (oss_inbox/tickets/sql_reads.py) give what the ORM gives: every field
as the ORM converts it (JSON, dates, encrypted credentials), related objects without a query more."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from oss_inbox.inbox.selectors import customer_sidebar
from oss_inbox.tickets.models import Attachment, Message, Organization, Ticket, TicketEvent
from oss_inbox.tickets.selectors import ticket_conversation, ticket_for_user, ticket_tag_names
from oss_inbox.tickets.services.assignment import assignment_origin
from tests.inbox.conftest import open_ticket

pytestmark = pytest.mark.django_db


def _fields(instance):
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_the_ticket_comes_with_everything_the_orm_would_read(agent, twitter, django_assert_num_queries):
    ticket = open_ticket(twitter)
    organization = Organization.objects.create(name="Mercy Hospital", is_key_account=True)
    ticket.contact.organization = organization
    ticket.contact.save()
    ticket.assignee = agent
    ticket.tags.create(name="billing")
    ticket.save()
    expected = Ticket.objects.select_related("contact__organization", "account", "assignee").get(pk=ticket.pk)
    assert agent.has_perm("tickets.work_queue")  # the permissions, read once

    with django_assert_num_queries(1):
        read = ticket_for_user(agent, ticket.pk)
        assert read.contact.organization.name == "Mercy Hospital"
        assert read.account.credentials == expected.account.credentials  # decrypted, as the ORM does
        assert read.assignee.get_username() == agent.get_username()
    assert _fields(read) == _fields(expected)
    assert _fields(read.contact) == _fields(expected.contact)
    assert _fields(read.account) == _fields(expected.account)
    assert ticket_tag_names(read) == ["billing"]


def test_a_ticket_without_organization_or_assignee_reads_none_without_a_query(
    agent, twitter, django_assert_num_queries
):
    ticket = open_ticket(twitter)
    assert agent.has_perm("tickets.work_queue")  # the permissions, read once
    with django_assert_num_queries(1):
        read = ticket_for_user(agent, ticket.pk)
        assert read.contact.organization is None and read.assignee is None
    assert assignment_origin(read) is None


def test_a_missing_ticket_is_a_404_that_names_it(agent):
    from django.http import Http404

    with pytest.raises(Http404, match=r"No ticket #424242\."):
        ticket_for_user(agent, 424242)


def test_the_conversation_is_in_order_with_authors_and_attachments(agent, twitter, django_assert_num_queries):
    ticket = open_ticket(twitter)
    first = ticket.messages.get()
    later = Message.objects.create(
        ticket=ticket,
        account=twitter,
        direction=Message.Direction.OUTBOUND,
        kind=Message.Kind.MENTION,
        text="We are on it.",
        author_user=agent,
        sent_at=first.sent_at + timedelta(minutes=5),
        delivery_state="sent",
        context={"note": "kept"},
    )
    Attachment.objects.create(message=first, filename="meter.jpg", content_type="image/jpeg", size=3)
    Attachment.objects.create(message=first, filename="bill.pdf", file=ContentFile(b"%PDF", name="bill.pdf"))

    with django_assert_num_queries(2):  # the messages with their authors, then every attachment
        conversation = ticket_conversation(ticket)
        assert [message.pk for message in conversation] == [first.pk, later.pk]
        assert conversation[0].author_identity.pk == first.author_identity_id is not None
        assert conversation[1].author_user.get_username() == agent.get_username()
        assert [a.filename for a in conversation[0].attachments.all()] == ["meter.jpg", "bill.pdf"]
        assert list(conversation[1].attachments.all()) == []
        assert conversation[1].context == {"note": "kept"}
    orm = {m.pk: m for m in Message.objects.all()}
    for message in conversation:
        expected = {k: v for k, v in _fields(orm[message.pk]).items() if k != "raw"}
        assert {k: v for k, v in _fields(message).items() if k != "raw"} == expected


def test_the_sidebar_lists_identities_and_earlier_tickets_newest_first(agent, twitter):
    ticket = open_ticket(twitter)
    older = Ticket.objects.create(
        account=twitter,
        contact=ticket.contact,
        thread_key="x:older",
        subject="Older",
        status=Ticket.Status.RESOLVED,
        created_at=timezone.now() - timedelta(days=3),
    )
    sidebar = customer_sidebar(ticket)
    assert [identity.pk for identity in sidebar["identities"]] == list(
        ticket.contact.identities.order_by("kind", "handle").values_list("pk", flat=True)
    )
    [past] = sidebar["past_tickets"]
    assert (past.pk, past.subject, past.get_status_display(), past.account.get_kind_display()) == (
        older.pk,
        "Older",
        "Resolved",
        "X (Twitter)",
    )


def test_assignment_origin_reads_the_latest_event(agent, other_agent, twitter):
    ticket = open_ticket(twitter)
    ticket.assignee = agent
    ticket.save()
    TicketEvent.objects.create(ticket=ticket, kind=TicketEvent.Kind.CLAIMED, actor=agent, data={})
    assert assignment_origin(ticket_for_user(agent, ticket.pk)).claimed
    TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEvent.Kind.ASSIGNED,
        actor=None,
        data={"to": agent.get_username(), "reason": "round-robin"},
    )
    origin = assignment_origin(ticket_for_user(agent, ticket.pk))
    assert not origin.claimed and origin.automatic == {"to": agent.get_username(), "reason": "round-robin"}


def test_the_ticket_page_costs_the_same_queries_however_long_the_conversation(
    client, agent, twitter, django_assert_max_num_queries
):
    ticket = open_ticket(twitter)
    client.force_login(agent)
    client.get(reverse("inbox:ticket", args=[ticket.pk]))  # the kept lists, read once
    for number in range(30):
        message = ingest_reply(twitter, ticket, number)
        Attachment.objects.create(message=message, filename=f"photo-{number}.jpg", content_type="image/jpeg")
    with django_assert_max_num_queries(10):
        response = client.get(reverse("inbox:ticket", args=[ticket.pk]))
    assert response.content.decode().count('class="message inbound') == 31


def ingest_reply(account, ticket, number):
    first = ticket.messages.order_by("id").first()
    return Message.objects.create(
        ticket=ticket,
        account=account,
        direction=Message.Direction.INBOUND,
        kind=first.kind,
        external_id=f"more-{number}",
        text=f"And another thing #{number}",
        author_identity=first.author_identity,
        sent_at=first.sent_at + timedelta(minutes=number + 1),
    )
