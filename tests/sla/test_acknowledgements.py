"""Out of coverage, one automatic acknowledgement per conversation per closed period."""

from dataclasses import replace
from datetime import timedelta

import pytest
from django.utils import timezone

from oss_inbox.sla.acknowledgements import back_at_words
from oss_inbox.sla.models import AcknowledgementSetting, CoverageSchedule
from oss_inbox.tickets.models import Message, Ticket, TicketEvent
from oss_inbox.tickets.services import ingest
from oss_inbox.tickets.services.acknowledgements import ticket_acknowledge_if_closed

from ..factories import email, inbound
from .conftest import CHICAGO, local

pytestmark = pytest.mark.django_db

FRIDAY_NIGHT = local(2026, 11, 6, 22, 30)  # closed since 22:00; Saturday opens at 08:00


def customer_writes(account, when, **fields):
    """Ingest one customer message (email unless `kind` says otherwise); returns (ticket, message)."""
    item = replace(
        email(**fields) if fields.get("kind", "email") == "email" else inbound(**fields), sent_at=when
    )
    ingest(account, [item])
    message = Message.objects.select_related("ticket", "account").get(
        account=account, external_id=item.external_id
    )
    return message.ticket, message


def acknowledgements(ticket):
    return list(ticket.messages.filter(direction="outbound", is_automatic=True))


def test_out_of_hours_email_gets_one_acknowledgement_saying_when_we_are_back(mailbox):
    ticket, message = customer_writes(mailbox, FRIDAY_NIGHT, message_id="n1@mail.example")
    due_before = ticket.sla_due_at
    ack = ticket_acknowledge_if_closed(ticket, message, now=FRIDAY_NIGHT + timedelta(minutes=1))
    assert ack.is_automatic and ack.direction == "outbound" and ack.delivery_state == "queued"
    assert "We're back at 8:00 AM CT tomorrow" in ack.text and ack.kind == "email"
    ticket.refresh_from_db()
    assert ticket.first_response_at is None and ticket.sla_due_at == due_before  # no answer, no SLA
    assert TicketEvent.objects.filter(ticket=ticket, kind="auto_ack").count() == 1


def test_a_second_message_in_the_same_closed_period_gets_none_the_next_period_gets_one(mailbox):
    ticket, first = customer_writes(mailbox, FRIDAY_NIGHT, message_id="n1@mail.example")
    assert ticket_acknowledge_if_closed(ticket, first, now=FRIDAY_NIGHT)
    _, second = customer_writes(
        mailbox, local(2026, 11, 7, 1, 0), message_id="n2@mail.example", reply_to_ids=("n1@mail.example",)
    )
    assert ticket_acknowledge_if_closed(ticket, second, now=local(2026, 11, 7, 1, 0)) is None
    _, third = customer_writes(
        mailbox, local(2026, 11, 7, 21, 30), message_id="n3@mail.example", reply_to_ids=("n1@mail.example",)
    )
    assert ticket_acknowledge_if_closed(ticket, third, now=local(2026, 11, 7, 21, 31))
    assert len(acknowledgements(ticket)) == 2


def test_never_in_hours(mailbox):
    ticket, message = customer_writes(mailbox, local(2026, 11, 6, 10, 0))
    assert ticket_acknowledge_if_closed(ticket, message, now=local(2026, 11, 6, 10, 1)) is None


def test_a_message_written_while_we_were_on_duty_gets_none_later(mailbox):
    ticket, message = customer_writes(mailbox, local(2026, 11, 6, 21, 30))
    assert ticket_acknowledge_if_closed(ticket, message, now=local(2026, 11, 7, 2, 0)) is None


def test_never_to_auto_replies_or_bounces(mailbox):
    ticket, _ = customer_writes(mailbox, FRIDAY_NIGHT, message_id="n1@mail.example")
    _, auto = customer_writes(
        mailbox,
        FRIDAY_NIGHT,
        message_id="ooo@mail.example",
        reply_to_ids=("n1@mail.example",),
        is_automatic=True,
    )
    assert auto.is_automatic
    assert ticket_acknowledge_if_closed(ticket, auto, now=FRIDAY_NIGHT) is None
    assert acknowledgements(ticket) == []


def test_direct_messages_are_acknowledged_public_mentions_are_not(twitter):
    dm_ticket, dm = customer_writes(twitter, FRIDAY_NIGHT, kind="dm", thread_key="xdm:111-150")
    mention_ticket, mention = customer_writes(twitter, FRIDAY_NIGHT, kind="mention")
    assert ticket_acknowledge_if_closed(dm_ticket, dm, now=FRIDAY_NIGHT).kind == "dm"
    assert ticket_acknowledge_if_closed(mention_ticket, mention, now=FRIDAY_NIGHT) is None


def test_a_kind_switched_off_is_not_acknowledged(mailbox):
    AcknowledgementSetting.objects.filter(kind="email").update(enabled=False)
    ticket, message = customer_writes(mailbox, FRIDAY_NIGHT)
    assert ticket_acknowledge_if_closed(ticket, message, now=FRIDAY_NIGHT) is None


def test_ingest_acknowledges_a_message_that_arrives_while_closed(mailbox, django_capture_on_commit_callbacks):
    now = timezone.now()
    some_other_day = (now.astimezone(CHICAGO).weekday() + 3) % 7
    closed_now = CoverageSchedule.objects.create(
        name="Closed now", weekly={str(some_other_day): [["10:00", "11:00"]]}
    )
    mailbox.coverage_schedule = closed_now
    mailbox.save()
    with django_capture_on_commit_callbacks() as callbacks:
        ingest(mailbox, [replace(email(), sent_at=now - timedelta(minutes=1))])
    ticket = Ticket.objects.get()
    [ack] = acknowledgements(ticket)
    assert "10:00 AM CT on " in ack.text
    assert len(callbacks) == 2  # once committed: the send, and the moderation rules' look at the new message


def test_back_at_words():
    friday_night = FRIDAY_NIGHT
    assert back_at_words(local(2026, 11, 7, 8), friday_night, CHICAGO) == "8:00 AM CT tomorrow"
    assert back_at_words(local(2026, 11, 6, 23, 15), friday_night, CHICAGO) == "11:15 PM CT"
    assert back_at_words(local(2026, 11, 9, 7), friday_night, CHICAGO) == "7:00 AM CT on Monday"
    assert (
        back_at_words(local(2026, 11, 26, 7), friday_night, CHICAGO) == "7:00 AM CT on Thursday, November 26"
    )
