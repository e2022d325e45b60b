"""Ingest under the failures a worker meets: running out of time, stale copies, odd profiles."""

from dataclasses import replace
from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded

from channels.base import Author
from oss_inbox.tickets.models import Message, Ticket
from oss_inbox.tickets.services import ingest, ticket_set_status

from ..factories import author, email, inbound

pytestmark = pytest.mark.django_db


class OutOfTime(Author):
    """An author whose details are read just as Celery's soft time limit fires."""

    @property
    def name(self):
        raise SoftTimeLimitExceeded()

    @name.setter
    def name(self, value):
        pass  # the dataclass's __init__ sets it; reading it is what runs out of time


def test_running_out_of_time_stores_nothing_and_keeps_the_cursor_so_the_next_poll_redoes_it(twitter):
    twitter.cursor = {"since_id": "1"}
    twitter.save()
    batch = [
        inbound(external_id="101"),
        inbound(external_id="102", who=OutOfTime("222")),
        inbound(external_id="103"),
    ]
    with pytest.raises(SoftTimeLimitExceeded):
        ingest(twitter, batch, {"since_id": "103"})
    twitter.refresh_from_db()
    assert twitter.cursor == {"since_id": "1"} and not Message.objects.exists()


def test_an_agent_saving_a_copy_read_before_a_poll_does_not_undo_the_poll(twitter, agent):
    ingest(twitter, [inbound(kind="dm", thread_key="xdm:c", minutes=0)])
    agents_copy = Ticket.objects.get()  # the agent's page loaded this
    ingest(twitter, [inbound(kind="dm", thread_key="xdm:c", minutes=30, text="Still no power")])
    ticket_set_status(ticket=agents_copy, status="pending", actor=agent)
    ticket = Ticket.objects.get()
    assert ticket.status == "pending"
    assert ticket.last_inbound_at == ticket.messages.order_by("-sent_at").first().sent_at


def test_a_ticket_reference_lands_on_the_newest_ticket_of_that_conversation(mailbox, agent):
    ingest(mailbox, [email(message_id="root@mail.example")])
    first = Ticket.objects.get()
    ticket_set_status(ticket=first, status="resolved", actor=agent)
    late = email(message_id="late@mail.example", reply_to_ids=("root@mail.example",))
    ingest(mailbox, [replace(late, sent_at=first.resolved_at + timedelta(days=10))])
    follow_up = Ticket.objects.exclude(pk=first.pk).get()
    quoting_first = email(message_id="ref@mail.example", ticket_ref=first.pk, subject=f"[#{first.pk}] again")
    ingest(mailbox, [replace(quoting_first, sent_at=first.resolved_at + timedelta(days=10, hours=1))])
    assert Ticket.objects.count() == 2
    assert follow_up.messages.filter(external_id="ref@mail.example").exists()


def test_a_display_name_longer_than_a_column_does_not_block_the_senders_later_messages(twitter):
    long_name = "Prairie Township Volunteer Fire Department " * 8  # 344 characters
    ingest(twitter, [inbound(who=author("777", "ptvfd", long_name))])
    ingest(twitter, [inbound(who=author("777", "ptvfd", long_name), minutes=5)])
    assert Message.objects.count() == 2
