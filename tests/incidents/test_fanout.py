"""One update to all: placeholders filled per customer, the reach shown before sending, Messenger's
windows (through the outbox to the Graph sandbox), pacing of the replies, exactly once per ticket
whatever dies halfway, and the progress counts."""

import itertools
from datetime import timedelta

import pytest
import time_machine

from channels.models import ChannelAccount
from channels.sandbox.graph_api import GraphApiSandbox
from oss_inbox.incidents import fanout, tasks
from oss_inbox.incidents.fanout import (
    BroadcastRefused,
    broadcast_progress,
    broadcast_send,
    broadcast_text,
    fanout_run,
    reach_preview,
)
from oss_inbox.incidents.models import Area, Incident, IncidentDelivery, IncidentTicket, IncidentUpdate
from oss_inbox.incidents.services import IncidentRefused, incident_edit
from oss_inbox.tickets.models import Message, Ticket
from oss_inbox.tickets.services import ingest
from oss_inbox.tickets.services.outbox import outbox_claim, outbox_deliver

from .. import factories
from ..channels.sandbox_accounts import facebook_page, poll

pytestmark = pytest.mark.django_db

NOW = factories.BASE_TIME + timedelta(days=10)  # 2026-11-12 15:00 UTC, 9:00 AM in Chicago
_people = itertools.count(500)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def incident(db):
    return outage()


def outage():
    """Crews working on Harlan North since two hours ago, power expected back at 6:40 PM."""
    area = Area.objects.create(name="Harlan North", key="harlan north")
    return Incident.objects.create(
        title="Harlan North feeder 12",
        area=area,
        status=Incident.Status.CREWS_WORKING,
        etr=NOW + timedelta(hours=9, minutes=40),  # 6:40 PM in Chicago
        created_at=NOW - timedelta(hours=2),
        confirmed_at=NOW - timedelta(hours=2),
    )


def customer(account, incident, *, kind="mention", ago=timedelta(hours=1), name=None, text="Power's out"):
    """A customer who wrote `ago` (their ticket stored by ingest), linked to the incident."""
    number = next(_people)
    who = factories.author(external_id=str(number), handle=f"c{number}", name=name or "Pat Quinn")
    thread = {"mention": None, "messenger": f"fbm:conv{number}", "email": f"email:{number}@mail.example"}
    item = factories.inbound(kind=kind, who=who, thread_key=thread[kind], text=text)
    item = type(item)(**{**item.__dict__, "sent_at": NOW - ago})
    with time_machine.travel(NOW - ago, tick=False):
        ingest(account, [item])
    ticket = Message.objects.get(account=account, external_id=item.external_id).ticket
    IncidentTicket.objects.create(incident=incident, ticket=ticket, linked_by="detector", linked_at=NOW - ago)
    return ticket


def replies(ticket):
    return list(ticket.messages.filter(direction=Message.Direction.OUTBOUND))


def send(
    incident, author, text="Hi {{first_name}}, crews expect power back in {{area}} by {{etr}}.", **kwargs
):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fanout, "_ask_worker", lambda update_id: None)  # the test runs the worker itself
        return broadcast_send(incident=incident, text=text, author=author, **kwargs)


# ---- placeholders -------------------------------------------------------------------------------


def test_placeholders_are_filled_for_each_customer_in_local_time(twitter, incident):
    ticket = customer(twitter, incident, name="Kim Jones")

    text = broadcast_text(
        "Hi {{first_name}}: {{area}} is {{status}}, power back by {{etr}}.", incident, ticket
    )

    assert text == "Hi Kim: Harlan North is crews working, power back by 6:40 PM."


def test_a_customer_known_by_a_handle_only_is_greeted_neutrally_and_an_unknown_etr_said_so(twitter, incident):
    ticket = customer(twitter, incident, name="@kjones")
    incident.etr = None

    assert broadcast_text("Hi {{first_name}}, ETR {{etr}}", incident, ticket) == "Hi there, ETR not yet known"


def test_an_unknown_placeholder_is_refused_in_words_and_nothing_is_sent(twitter, incident, supervisor):
    ticket = customer(twitter, incident)

    with pytest.raises(BroadcastRefused) as refused:
        send(incident, supervisor, text="Crews expect power back by {{eta}}.")

    assert str(refused.value) == (
        "{{eta}} is not a placeholder; use {{area}}, {{etr}}, {{status}} or {{first_name}}."
    )
    assert not incident.updates.exists() and replies(ticket) == []


# ---- reach preview ------------------------------------------------------------------------------


def test_the_preview_counts_customers_per_channel_and_says_who_cannot_be_reached_and_why(
    twitter, facebook, mailbox, incident
):
    customer(twitter, incident)
    customer(twitter, incident)
    customer(facebook, incident, kind="messenger", ago=timedelta(hours=23))
    customer(facebook, incident, kind="messenger", ago=timedelta(days=3))
    late = customer(facebook, incident, kind="messenger", ago=timedelta(days=8), name="Lee Park")
    customer(mailbox, incident, kind="email")
    off = ChannelAccount.objects.create(kind="twitter", name="Old X", self_external_id="9", enabled=False)
    gone = customer(off, incident, name="Ann Cole")

    reach = reach_preview(incident, "Hi {{first_name}}, power back in {{area}} by {{etr}}.")

    assert reach.total == 7 and reach.reachable == 5
    assert dict(reach.by_channel) == {"X reply": 2, "Messenger": 2, "Email": 1}
    reasons = {item.ticket_id: (item.customer, item.channel, item.reason) for item in reach.unreachable}
    assert reasons[late.pk][:2] == ("Lee Park", "Messenger")
    assert reasons[late.pk][2].startswith("It has been more than 7 days since this customer last wrote")
    assert reasons[gone.pk] == ("Ann Cole", "X reply", "The X (Twitter) account “Old X” is turned off.")
    assert reach.example.endswith(" Hi Pat, power back in Harlan North by 6:40 PM.")


def test_a_text_too_long_for_x_once_filled_is_unreachable_there_only(twitter, mailbox, incident):
    customer(twitter, incident)
    customer(mailbox, incident, kind="email")
    text = "{{area}} " + "x" * 270  # 279 characters as written, 283 with the area's name

    reach = reach_preview(incident, text)

    assert dict(reach.by_channel) == {"Email": 1}
    [too_long] = reach.unreachable
    # The reply starts with the customer's handle ("@c512 "): 289 characters.
    assert too_long.reason == "X allows 280 characters; this reply is 9 too long."


def test_the_preview_asks_a_few_queries_however_many_tickets(
    twitter, incident, django_assert_max_num_queries
):
    for _ in range(30):
        customer(twitter, incident)

    with django_assert_max_num_queries(6):
        reach = reach_preview(incident, "Update for {{area}}")

    assert reach.reachable == 30


# ---- sending: pacing, exactly once, progress ----------------------------------------------------


def test_each_customer_gets_one_reply_on_their_own_channel_held_until_its_paced_slot(
    twitter, mailbox, incident, supervisor
):
    tickets = [customer(twitter, incident) for _ in range(3)] + [customer(mailbox, incident, kind="email")]

    update = send(incident, supervisor)
    fanout_run(update.pk)

    by_ticket = {d.ticket_id: d for d in IncidentDelivery.objects.filter(update=update)}
    for ticket in tickets:
        [reply] = replies(ticket)
        assert reply.kind == ticket.messages.first().kind and reply.delivery_state == "queued"
        assert reply.next_attempt_at == by_ticket[ticket.pk].send_at
        assert reply.text.endswith("Hi Pat, crews expect power back in Harlan North by 6:40 PM.")
    x_slots = sorted(by_ticket[ticket.pk].send_at for ticket in tickets[:3])
    assert [slot - NOW for slot in x_slots] == [timedelta(0), timedelta(seconds=10), timedelta(seconds=20)]
    assert by_ticket[tickets[3].pk].send_at == NOW  # email is another lane: it goes at once
    assert update.finishes_at == NOW + timedelta(seconds=20)
    waiting = replies(tickets[2])[0]
    assert outbox_claim("reply", waiting.pk) is None  # not before its slot
    update.refresh_from_db()
    assert update.fanned_out_at == NOW and update.planned == 4


def test_running_the_fan_out_twice_sends_once(twitter, incident, supervisor):
    tickets = [customer(twitter, incident) for _ in range(3)]
    update = send(incident, supervisor)

    fanout_run(update.pk)
    assert fanout_run(update.pk) == 0

    assert [len(replies(ticket)) for ticket in tickets] == [1, 1, 1]


def test_a_worker_killed_mid_chunk_then_run_again_leaves_exactly_one_reply_per_ticket(
    twitter, incident, supervisor, monkeypatch
):
    tickets = [customer(twitter, incident) for _ in range(5)]
    update = send(incident, supervisor)
    real_reply, calls = fanout.ticket_reply, []

    def dies_on_the_third(**kwargs):
        message = real_reply(**kwargs)  # written inside the delivery's transaction...
        calls.append(message.pk)
        if len(calls) == 3:
            raise SystemExit("worker killed")  # ...which dies before it commits
        return message

    monkeypatch.setattr(fanout, "ticket_reply", dies_on_the_third)
    with pytest.raises(SystemExit):
        fanout_run(update.pk)
    assert sum(len(replies(ticket)) for ticket in tickets) == 2
    assert broadcast_progress(update).queued == 5

    monkeypatch.setattr(fanout, "ticket_reply", real_reply)
    fanout_run(update.pk)

    assert [len(replies(ticket)) for ticket in tickets] == [1, 1, 1, 1, 1]
    states = list(IncidentDelivery.objects.filter(update=update).values_list("state", flat=True))
    assert states == ["queued"] * 5


def test_a_reply_written_by_a_run_whose_delivery_was_not_recorded_is_found_not_sent_again(
    twitter, incident, supervisor
):
    ticket = customer(twitter, incident)
    update = send(incident, supervisor)
    # Another worker got as far as the reply (same composer token) and no further.
    earlier = fanout._reply(update, ticket, None)

    fanout_run(update.pk)

    [reply] = replies(ticket)
    assert reply.pk == earlier.pk
    assert IncidentDelivery.objects.get(update=update).message_id == earlier.pk


def test_progress_counts_sent_queued_skipped_and_failed(twitter, facebook, incident, supervisor):
    tickets = [customer(twitter, incident) for _ in range(4)]
    customer(facebook, incident, kind="messenger", ago=timedelta(days=8))  # skipped: window closed
    update = send(incident, supervisor)
    assert broadcast_progress(update).queued == 5  # nothing queued yet: all waiting

    fanout_run(update.pk)
    sent, failed, unknown, _ = (replies(ticket)[0] for ticket in tickets)
    Message.objects.filter(pk=sent.pk).update(delivery_state="sent")
    Message.objects.filter(pk=failed.pk).update(delivery_state="failed")
    Message.objects.filter(pk=unknown.pk).update(delivery_state="unknown")
    update.refresh_from_db()

    progress = broadcast_progress(update)

    assert (progress.sent, progress.queued, progress.skipped, progress.failed, progress.total) == (
        1,
        2,
        1,
        1,
        5,
    )
    assert not progress.done and progress.percent == 60
    skipped = IncidentDelivery.objects.get(update=update, state="skipped")
    assert skipped.reason.startswith("It has been more than 7 days")


def test_a_broadcast_on_a_proposed_incident_is_refused(twitter, incident, supervisor):
    incident.proposed = True
    incident.save()

    with pytest.raises(BroadcastRefused, match="Confirm this proposed incident"):
        send(incident, supervisor)


def test_an_etr_change_sends_an_automatic_update_only_when_asked(
    twitter, incident, supervisor, django_capture_on_commit_callbacks
):
    ticket = customer(twitter, incident)
    old = incident.etr
    incident.etr = old + timedelta(hours=1)
    incident.save()  # as the status/ETR form or the outage feed saves it, before telling us
    assert fanout.etr_changed(incident, old, supervisor) is None

    fanout.incident_set_notify(incident, on=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fanout, "_ask_worker", fanout_run)
        with django_capture_on_commit_callbacks(execute=True):
            update = fanout.etr_changed(incident, old, supervisor)

    assert update.automatic and update.broadcast
    [reply] = replies(ticket)
    assert reply.text.endswith(" Update for Harlan North: crews now expect power back by 7:40 PM.")
    assert reply.is_automatic


# ---- Messenger's windows, through the outbox to the Graph sandbox ---------------------------------


@pytest.fixture
def graph():
    server = GraphApiSandbox()
    server.start()
    yield server
    server.stop()


def test_messenger_23_hours_goes_plainly_3_days_with_the_human_agent_tag_8_days_is_skipped(
    graph, incident, supervisor
):
    page = facebook_page(graph, timeout_seconds=2)
    for number, ago in (
        ("7701", timedelta(hours=23)),
        ("7702", timedelta(days=3)),
        ("7703", timedelta(days=8)),
    ):
        graph.add_messenger_message(number, f"Pat {number}", "Still no power", at=NOW - ago)
    poll(page)
    fresh, older, stale = Ticket.objects.filter(account=page).order_by("-last_inbound_at")
    for ticket in (fresh, older, stale):
        IncidentTicket.objects.create(incident=incident, ticket=ticket, linked_by="detector", linked_at=NOW)
    update = send(incident, supervisor)
    fanout_run(update.pk)

    for ticket in (fresh, older):
        [reply] = replies(ticket)
        assert outbox_deliver("reply", reply.pk, now=reply.next_attempt_at) == "sent"

    sent = [request["json"] for request in graph.requests if request["method"] == "POST"]
    by_recipient = {body["recipient"]["id"]: body for body in sent}
    fresh_id, older_id = (ticket.messages.first().author_identity.external_id for ticket in (fresh, older))
    assert by_recipient[fresh_id]["messaging_type"] == "RESPONSE" and "tag" not in by_recipient[fresh_id]
    assert (by_recipient[older_id]["messaging_type"], by_recipient[older_id]["tag"]) == (
        "MESSAGE_TAG",
        "HUMAN_AGENT",
    )
    assert replies(stale) == []
    skipped = IncidentDelivery.objects.get(update=update, ticket=stale)
    assert skipped.state == "skipped"
    assert skipped.reason.startswith("It has been more than 7 days since this customer last wrote")
    assert Ticket.objects.get(pk=stale.pk).status != "resolved"


def test_a_broadcast_whose_task_was_lost_is_fanned_out_by_the_sweep(twitter, incident, supervisor):
    ticket = customer(twitter, incident)
    update = send(incident, supervisor)  # the worker never heard of it

    with time_machine.travel(NOW + timedelta(seconds=10), tick=False):
        tasks.sweep_broadcasts()  # too soon: its task may still come
    assert replies(ticket) == []
    with time_machine.travel(NOW + timedelta(seconds=30), tick=False):
        tasks.sweep_broadcasts()

    [reply] = replies(ticket)
    update.refresh_from_db()
    assert update.fanned_out_at is not None


def test_x_replies_start_with_the_customers_handle_so_that_x_takes_none_for_a_duplicate(
    twitter, mailbox, incident, supervisor
):
    first, second = customer(twitter, incident), customer(twitter, incident)
    by_mail = customer(mailbox, incident, kind="email")
    update = send(incident, supervisor, text="Crews are on site in {{area}}.")

    fanout_run(update.pk)

    texts = [replies(ticket)[0].text for ticket in (first, second, by_mail)]
    handles = [ticket.messages.first().author_identity.handle for ticket in (first, second)]
    assert texts == [
        f"@{handles[0]} Crews are on site in Harlan North.",
        f"@{handles[1]} Crews are on site in Harlan North.",
        "Crews are on site in Harlan North.",
    ]


# ---- the status/ETR form: a moved ETR tells the customers when asked; no dismissed/merged there ---


def edit(incident, supervisor, **changes):
    incident.refresh_from_db()  # the form shows what was saved last
    fields = {"status": incident.status, "etr": incident.etr, "customers_out": incident.customers_out}
    return incident_edit(incident, **{**fields, **changes}, user=supervisor)


@pytest.fixture
def worker_runs_it(monkeypatch):
    monkeypatch.setattr(fanout, "_ask_worker", fanout_run)


def test_a_moved_etr_updates_the_customers_only_when_the_incident_asks_for_it(
    twitter, incident, supervisor, worker_runs_it, django_capture_on_commit_callbacks
):
    ticket = customer(twitter, incident)
    with django_capture_on_commit_callbacks(execute=True):
        edit(incident, supervisor, etr=incident.etr + timedelta(hours=1))
    assert replies(ticket) == []

    fanout.incident_set_notify(incident, on=True)
    with django_capture_on_commit_callbacks(execute=True):
        edit(incident, supervisor, customers_out=300)  # the ETR stays: nothing to tell
        assert replies(ticket) == []
        edit(incident, supervisor, etr=incident.etr + timedelta(hours=1))  # 7:40 PM -> 8:40 PM

    [reply] = replies(ticket)
    assert reply.is_automatic and reply.text.endswith("crews now expect power back by 8:40 PM.")
    assert IncidentUpdate.objects.filter(incident=incident, broadcast=True, automatic=True).count() == 1


@pytest.mark.parametrize("status", ["dismissed", "merged"])
def test_the_form_cannot_set_a_status_that_has_its_own_action(incident, supervisor, status):
    with pytest.raises(IncidentRefused, match="Choose a status"):
        edit(incident, supervisor, status=status)
    incident.refresh_from_db()
    assert incident.status == "crews_working"


def test_a_customer_with_two_tickets_in_the_incident_gets_the_update_once_where_they_wrote_last(
    twitter, incident, supervisor
):
    who = factories.author(external_id="777", handle="twice", name="Tess Twice")
    tickets = []
    for ago in (timedelta(hours=2), timedelta(hours=1)):  # two posts, two conversations
        item = factories.inbound(kind="mention", who=who, text="Power's out on Elm St")
        item = type(item)(**{**item.__dict__, "sent_at": NOW - ago})
        with time_machine.travel(NOW - ago, tick=False):
            ingest(twitter, [item])
        ticket = Message.objects.get(account=twitter, external_id=item.external_id).ticket
        IncidentTicket.objects.create(
            incident=incident, ticket=ticket, linked_by="detector", linked_at=NOW - ago
        )
        tickets.append(ticket)
    older, newer = tickets
    assert older.pk != newer.pk and older.contact_id == newer.contact_id

    preview = reach_preview(incident, "Crews are on it in {{area}}.")
    assert dict(preview.by_channel) == {"X reply": 1}
    assert [
        (gone.ticket_id, f"once, on ticket #{newer.pk}" in gone.reason) for gone in preview.unreachable
    ] == [(older.pk, True)]

    update = send(incident, supervisor, text="Crews are on it in {{area}}.")
    fanout_run(update.pk)
    assert len(replies(newer)) == 1 and replies(older) == []
    skipped = IncidentDelivery.objects.get(update=update, ticket=older)
    assert skipped.state == IncidentDelivery.State.SKIPPED and f"#{newer.pk}" in skipped.reason

    final = fanout.incident_restore(incident=incident, by=supervisor)  # once, and it resolves both
    fanout_run(final.pk)
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.RESOLVED
    assert len(replies(newer)) == 2 and replies(older) == []
