"""rows_new builds the same unsaved instance as the model's own constructor, faster."""

import pytest

from oss_inbox.tickets.models import Message, Ticket
from oss_inbox.tickets.services.rows import rows_insert, rows_new

from ..factories import BASE_TIME

pytestmark = pytest.mark.django_db


def field_values(obj):
    return {field.attname: getattr(obj, field.attname) for field in type(obj)._meta.concrete_fields}


def test_an_instance_from_rows_new_equals_one_from_the_constructor(twitter):
    from oss_inbox.tickets.models import Contact

    contact = Contact.objects.create(name="Kim Jones")
    values = {
        "account": twitter,
        "contact": contact,
        "thread_key": "x:1:111",
        "subject": "Power out",
        "created_at": BASE_TIME,
    }
    assert field_values(rows_new(Ticket, **values)) == field_values(Ticket(**values))
    fast, slow = rows_new(Ticket, **values), Ticket(**values)
    assert (
        fast.contact is contact
        and fast._state.adding
        and fast.sla_pauses == []
        and fast.sla_pauses is not slow.sla_pauses
    )


def test_a_message_of_an_unsaved_ticket_gets_its_id_when_both_are_written(twitter):
    from oss_inbox.tickets.models import Contact

    contact = Contact.objects.create(name="Kim Jones")
    ticket = rows_new(Ticket, account=twitter, contact=contact, thread_key="x:2:111", created_at=BASE_TIME)
    message = rows_new(Message, ticket=ticket, account=twitter, external_id="2", direction="inbound",
                       kind="mention", text="Any ETA?", sent_at=BASE_TIME)  # fmt: skip
    assert message.ticket_id is None
    rows_insert([ticket])
    rows_insert([message])
    stored = Message.objects.get(external_id="2")
    assert stored.ticket_id == ticket.pk and stored.ticket.thread_key == "x:2:111" and stored.context == {}
