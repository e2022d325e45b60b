"""Close all at restoration: the final message resolves every ticket of the incident with its reply;
a customer who writes back reopens only their own ticket, flagged "still out after restoration", and
the incident page's still-out list shows them (also when, past the reopen window, ingest opens a new
ticket that follows the old one)."""

from datetime import timedelta

import pytest
import time_machine

from oss_inbox.incidents import fanout, tasks
from oss_inbox.incidents.fanout import BroadcastRefused, fanout_run, incident_restore
from oss_inbox.incidents.models import IncidentDelivery
from oss_inbox.incidents.services import incident_edit
from oss_inbox.incidents.still_out import (
    STILL_OUT_TAG,
    still_out_flag,
    still_out_message_ids,
    still_out_tickets,
)
from oss_inbox.tickets.models import Message, Ticket
from oss_inbox.tickets.services import ingest

from .. import factories
from .test_fanout import NOW, customer, outage

pytestmark = pytest.mark.django_db

FINAL = "Power was restored at 9:00 AM; if you are still out, reply here and we will look into it."


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def incident(db):
    return outage()


@pytest.fixture
def asked(monkeypatch):
    """The tasks the ingest listener asks for, run by the test as a worker would."""
    asked = {"flag_still_out": [], "read_outage_reports": []}
    monkeypatch.setattr(tasks.flag_still_out, "delay", asked["flag_still_out"].append)
    monkeypatch.setattr(tasks.read_outage_reports, "delay", asked["read_outage_reports"].append)
    monkeypatch.setattr(fanout, "_ask_worker", lambda update_id: None)
    return asked


def restore(incident, by, **kwargs):
    update = incident_restore(incident=incident, by=by, **kwargs)
    fanout_run(update.pk)
    return update


def writes_back(ticket, text, *, after, capture):
    """The ticket's customer writes again, `after` the restoration, stored by ingest."""
    first = ticket.messages.filter(direction=Message.Direction.INBOUND).first()
    item = factories.inbound(
        kind=first.kind,
        who=factories.author(external_id=first.author_identity.external_id, name="Pat Quinn"),
        thread_key=ticket.thread_key,
        text=text,
        reply_to_ids=(first.external_id,),
    )
    item = type(item)(**{**item.__dict__, "sent_at": NOW + after})
    with time_machine.travel(NOW + after, tick=False), capture(execute=True):
        ingest(ticket.account, [item])
    return Message.objects.get(account=ticket.account, external_id=item.external_id)


def test_restoring_resolves_every_ticket_with_the_final_message(
    twitter, mailbox, incident, supervisor, asked
):
    tickets = [
        customer(twitter, incident),
        customer(twitter, incident),
        customer(mailbox, incident, kind="email"),
    ]

    update = restore(incident, supervisor)

    incident.refresh_from_db()
    assert (incident.status, incident.restored_at) == ("restored", NOW)
    assert update.resolves and update.text == FINAL
    for ticket in Ticket.objects.filter(pk__in=[t.pk for t in tickets]):
        assert ticket.status == "resolved"
        [reply] = ticket.messages.filter(direction=Message.Direction.OUTBOUND)
        assert reply.text.endswith(FINAL) and reply.author_user == supervisor
    assert incident.updates.filter(text__startswith="Restored (by Sam)").exists()


def test_the_final_message_may_be_edited(twitter, incident, supervisor, asked):
    ticket = customer(twitter, incident)

    restore(
        incident, supervisor, final_text="Power is back in {{area}}, {{first_name}}. Still out? Reply here."
    )

    reply = ticket.messages.get(direction="outbound")
    assert reply.text.endswith(" Power is back in Harlan North, Pat. Still out? Reply here.")


def test_restoring_from_the_status_form_sends_the_final_message_too(twitter, incident, supervisor, asked):
    ticket = customer(twitter, incident)

    incident_edit(incident, status="restored", etr=incident.etr, customers_out=0, user=supervisor)
    fanout_run(incident.updates.get(broadcast=True).pk)

    ticket.refresh_from_db()
    assert ticket.status == "resolved" and ticket.messages.get(direction="outbound").text.endswith(FINAL)


def test_a_restored_incident_is_not_restored_twice(twitter, incident, supervisor, asked):
    customer(twitter, incident)
    restore(incident, supervisor)

    with pytest.raises(BroadcastRefused, match="restored already"):
        incident_restore(incident=incident, by=supervisor)

    assert IncidentDelivery.objects.count() == 1


def test_a_customer_still_out_reopens_only_their_ticket_flagged(
    twitter, incident, supervisor, asked, django_capture_on_commit_callbacks
):
    still_out, fine = customer(twitter, incident), customer(twitter, incident)
    restore(incident, supervisor)

    message = writes_back(
        still_out,
        "Still no power here",
        after=timedelta(minutes=20),
        capture=django_capture_on_commit_callbacks,
    )
    [message_ids] = asked["flag_still_out"]
    still_out_flag(message_ids)  # the worker
    still_out_flag(message_ids)  # run twice: tagged once

    assert message.ticket_id == still_out.pk
    still_out.refresh_from_db()
    fine.refresh_from_db()
    assert still_out.status == "open" and fine.status == "resolved"
    assert list(still_out.tags.values_list("name", flat=True)) == [STILL_OUT_TAG]
    assert not fine.tags.exists()
    assert list(still_out_tickets(incident)) == [still_out]
    assert still_out.events.filter(kind="tagged").count() == 1


def test_past_the_reopen_window_the_new_ticket_is_flagged_and_listed(
    twitter, incident, supervisor, asked, settings, django_capture_on_commit_callbacks
):
    settings.REOPEN_WINDOW = timedelta(days=1)
    old = customer(twitter, incident)
    restore(incident, supervisor)

    message = writes_back(
        old, "Still out", after=timedelta(days=2), capture=django_capture_on_commit_callbacks
    )
    still_out_flag(asked["flag_still_out"][0])

    new = message.ticket
    old.refresh_from_db()
    assert new.pk != old.pk and new.previous_ticket_id == old.pk and old.status == "resolved"
    assert list(still_out_tickets(incident)) == [new]


def test_a_customer_who_wrote_before_the_final_message_is_not_flagged(twitter, incident, supervisor, asked):
    ticket = customer(twitter, incident, ago=timedelta(minutes=5))
    restore(incident, supervisor)

    still_out_flag(list(ticket.messages.filter(direction="inbound").values_list("pk", flat=True)))

    assert not ticket.tags.exists() and list(still_out_tickets(incident)) == []


def test_a_batch_with_no_restored_ticket_costs_the_listener_one_query_and_no_task(
    twitter, incident, asked, django_assert_num_queries
):
    ticket = customer(twitter, incident)  # in an open incident: nothing was restored
    messages = list(ticket.messages.all())

    with django_assert_num_queries(1):
        assert still_out_message_ids(messages) == []
