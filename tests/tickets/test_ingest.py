"""tickets.services.ingest: every inbound item stored once, threaded, attributed, never lost."""

from datetime import timedelta

import pytest

from channels.base import Author, InboundAttachment, Unparseable
from oss_inbox.tickets.models import (
    Contact,
    Message,
    Organization,
    OrganizationDomain,
    Ticket,
    UnprocessedItem,
)
from oss_inbox.tickets.services import ingest, ticket_reply, ticket_set_status

from ..factories import account, author, email, inbound

pytestmark = pytest.mark.django_db


def rows():
    return (Ticket.objects.count(), Message.objects.count(), Contact.objects.count())


# Stored once -------------------------------------------------------------------------------------


def test_same_batch_twice_stores_each_item_once(twitter):
    batch = [inbound(external_id="1"), inbound(external_id="2", who=author("222", "bo", "Bo Li"))]
    first = ingest(twitter, batch, {"since_id": "2"})
    before = rows()
    second = ingest(twitter, batch, {"since_id": "2"})
    assert (first.stored, first.tickets_opened) == (2, 2)
    assert (second.stored, second.duplicates) == (0, 2)
    assert rows() == before == (2, 2, 2)


def test_same_external_id_on_two_accounts_is_two_messages(twitter):
    from ..factories import account

    second_account = account("twitter", name="second")
    ingest(twitter, [inbound(external_id="77")])
    ingest(second_account, [inbound(external_id="77")])
    assert Message.objects.filter(external_id="77").count() == 2


# Threading ---------------------------------------------------------------------------------------


def test_reply_to_a_tweet_lands_on_the_ticket_of_what_it_replies_to(twitter):
    ingest(twitter, [inbound(external_id="10", thread_key="x:10:111")])
    reply = inbound(
        external_id="11", thread_key="x:10:111", reply_to_ids=("10",), minutes=5, text="Still out."
    )
    ingest(twitter, [reply])
    assert Ticket.objects.count() == 1
    assert list(Ticket.objects.get().messages.values_list("external_id", flat=True)) == ["10", "11"]


def test_reply_to_our_reply_threads_even_in_the_same_batch_out_of_order(twitter):
    parent = inbound(external_id="20", thread_key="x:20:111")
    child = inbound(external_id="21", thread_key="x:20:111", reply_to_ids=("20",), minutes=3)
    ingest(twitter, [child, parent])
    assert Ticket.objects.count() == 1


def test_dm_messages_thread_by_conversation_id(twitter):
    ingest(twitter, [inbound(kind="dm", thread_key="xdm:111-150", text="Hi, can I set up a payment plan?")])
    ingest(twitter, [inbound(kind="dm", thread_key="xdm:111-150", minutes=4, text="Account ends in 4471")])
    ingest(twitter, [inbound(kind="dm", thread_key="xdm:999-150", who=author("999", "x", "X"))])
    assert Ticket.objects.filter(thread_key="xdm:111-150").get().messages.count() == 2
    assert Ticket.objects.count() == 2


def test_facebook_comment_reply_threads_under_its_top_comment(facebook):
    top = inbound(kind="comment", external_id="post1_c1", thread_key="fb:post1:post1_c1")
    reply = inbound(
        kind="comment",
        external_id="post1_c2",
        thread_key="fb:post1:post1_c1",
        reply_to_ids=("post1_c1",),
        minutes=1,
    )
    ingest(facebook, [top, reply])
    assert Ticket.objects.get().messages.count() == 2


def test_email_reply_threads_by_in_reply_to(mailbox):
    ingest(mailbox, [email(message_id="a@mail.example")])
    ingest(mailbox, [email(message_id="b@mail.example", reply_to_ids=("a@mail.example",), minutes=30)])
    assert Ticket.objects.count() == 1


def test_email_reply_threads_by_references_when_in_reply_to_is_unknown(mailbox):
    ingest(mailbox, [email(message_id="root@mail.example")])
    later = email(
        message_id="c@mail.example", reply_to_ids=("unknown@elsewhere", "root@mail.example"), minutes=60
    )
    ingest(mailbox, [later])
    assert Ticket.objects.count() == 1


def test_email_with_ticket_reference_in_subject_joins_that_ticket(mailbox):
    ingest(mailbox, [email(message_id="first@mail.example")])
    ticket = Ticket.objects.get()
    fresh = email(
        message_id="new@mail.example", subject=f"Re: [#{ticket.pk}] my bill", ticket_ref=ticket.pk, minutes=90
    )
    ingest(mailbox, [fresh])
    assert Ticket.objects.count() == 1
    assert ticket.messages.count() == 2


def test_ticket_reference_from_a_stranger_opens_their_own_ticket(mailbox):
    ingest(mailbox, [email(message_id="first@mail.example")])
    ticket = Ticket.objects.get()
    stranger = email(message_id="s@mail.example", sender="eve@example.net", ticket_ref=ticket.pk, minutes=5)
    ingest(mailbox, [stranger])
    assert ticket.messages.count() == 1
    assert Ticket.objects.count() == 2


# Customers ---------------------------------------------------------------------------------------


def test_the_same_channel_user_is_always_the_same_contact(twitter):
    ingest(twitter, [inbound(thread_key="x:1:111"), inbound(thread_key="x:2:111", minutes=60)])
    assert Contact.objects.count() == 1
    assert Contact.objects.get().tickets.count() == 2


def test_email_addresses_match_whatever_their_case(mailbox):
    ingest(mailbox, [email(sender="Maria@Example.com"), email(sender="maria@example.COM", minutes=5)])
    assert Contact.objects.count() == 1


def test_profile_changes_update_the_identity(twitter):
    ingest(twitter, [inbound(who=author("111", "kjones", "Kim Jones"))])
    ingest(twitter, [inbound(who=author("111", "kim_j", "Kim J."), minutes=1)])
    identity = Contact.objects.get().identities.get()
    assert (identity.handle, identity.display_name) == ("kim_j", "Kim J.")


def test_sender_domain_attaches_the_contact_to_its_organization(mailbox):
    hospital = Organization.objects.create(name="St. Brigid Hospital", is_key_account=True)
    OrganizationDomain.objects.create(organization=hospital, domain="stbrigid.example")
    ingest(mailbox, [email(sender="facilities@StBrigid.example")])
    ticket = Ticket.objects.get()
    assert ticket.contact.organization == hospital
    assert ticket.is_key_account


# Reopen or follow up -----------------------------------------------------------------------------


def _resolved_dm_ticket(twitter, agent):
    ingest(twitter, [inbound(kind="dm", thread_key="xdm:c1")])
    ticket = Ticket.objects.get()
    ticket_set_status(ticket=ticket, status="resolved", actor=agent)
    return ticket


def test_customer_writing_within_the_window_reopens_the_resolved_ticket(twitter, agent):
    ticket = _resolved_dm_ticket(twitter, agent)
    item = inbound(kind="dm", thread_key="xdm:c1")
    ingest(twitter, [item.__class__(**{**item.__dict__, "sent_at": ticket.resolved_at + timedelta(days=6)})])
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.resolved_at is None
    assert ticket.events.filter(kind="reopened").exists()
    assert Ticket.objects.count() == 1


def test_customer_writing_after_the_window_opens_a_new_ticket_linked_to_the_old(twitter, agent):
    ticket = _resolved_dm_ticket(twitter, agent)
    item = inbound(kind="dm", thread_key="xdm:c1")
    ingest(twitter, [item.__class__(**{**item.__dict__, "sent_at": ticket.resolved_at + timedelta(days=8)})])
    follow_up = Ticket.objects.exclude(pk=ticket.pk).get()
    assert follow_up.previous_ticket == ticket and follow_up.status == "new"
    ticket.refresh_from_db()
    assert ticket.status == "resolved"


def test_reopen_window_is_configurable(twitter, agent, settings):
    settings.REOPEN_WINDOW = timedelta(days=1)
    ticket = _resolved_dm_ticket(twitter, agent)
    item = inbound(kind="dm", thread_key="xdm:c1")
    ingest(twitter, [item.__class__(**{**item.__dict__, "sent_at": ticket.resolved_at + timedelta(days=2)})])
    assert Ticket.objects.count() == 2


def test_customer_reply_moves_a_pending_ticket_back_to_open(twitter, agent):
    ingest(twitter, [inbound(kind="dm", thread_key="xdm:p")])
    ticket = Ticket.objects.get()
    ticket_set_status(ticket=ticket, status="pending", actor=agent)
    ingest(twitter, [inbound(kind="dm", thread_key="xdm:p", minutes=10)])
    ticket.refresh_from_db()
    assert ticket.status == "open"


# Our own posts -----------------------------------------------------------------------------------


def us(account):
    return Author(external_id=account.self_external_id, handle="PrairieEGHelp", name="Prairie E&G")


def test_our_reply_made_outside_the_app_is_linked_to_the_conversation(twitter):
    ingest(twitter, [inbound(external_id="30", thread_key="x:30:111")])
    ours = inbound(external_id="31", thread_key="x:30:150", who=us(twitter), reply_to_ids=("30",), minutes=20)
    result = ingest(twitter, [ours])
    ticket = Ticket.objects.get()
    assert result.tickets_opened == 0
    assert ticket.messages.get(external_id="31").direction == "outbound"
    assert ticket.first_response_at == ours.sent_at


def test_our_standalone_post_never_becomes_a_ticket(twitter):
    ingest(twitter, [inbound(external_id="40", who=us(twitter), text="Crews are restoring power in Ward 3.")])
    assert Ticket.objects.count() == 0
    assert UnprocessedItem.objects.get(external_id="40").reason == "own_post"


def test_echo_of_a_reply_whose_send_was_cut_off_marks_it_sent(twitter, agent):
    ingest(twitter, [inbound(external_id="50", thread_key="x:50:111")])
    reply = ticket_reply(ticket=Ticket.objects.get(), author=agent, text="Crews are on the way ^DL")
    Message.objects.filter(pk=reply.pk).update(delivery_state="unknown", external_id="51")
    echo = inbound(external_id="51", who=us(twitter), reply_to_ids=("50",), minutes=1)
    ingest(twitter, [echo])
    reply.refresh_from_db()
    assert reply.delivery_state == "sent"
    assert Message.objects.count() == 2


# Automatic mail ----------------------------------------------------------------------------------


def test_auto_reply_on_a_conversation_is_kept_as_automatic_and_leaves_sla_alone(mailbox, agent):
    ingest(mailbox, [email(message_id="q@mail.example")])
    ticket = Ticket.objects.get()
    ticket_set_status(ticket=ticket, status="pending", actor=agent)
    ticket.refresh_from_db()
    due_before = ticket.first_response_due_at
    auto = email(
        message_id="ooo@mail.example", reply_to_ids=("q@mail.example",), is_automatic=True, minutes=2
    )
    ingest(mailbox, [auto])
    ticket.refresh_from_db()
    assert ticket.messages.get(external_id="ooo@mail.example").is_automatic
    assert ticket.status == "pending" and ticket.first_response_due_at == due_before


def test_bounce_matching_no_ticket_never_opens_one(mailbox):
    bounce = email(message_id="b@mx.example", sender="mailer-daemon@mx.example", is_automatic=True)
    result = ingest(mailbox, [bounce])
    assert Ticket.objects.count() == 0 and result.set_aside == 1
    assert UnprocessedItem.objects.get().reason == "automatic"


# Cursor and bad items ----------------------------------------------------------------------------


def test_cursor_advances_with_the_messages_it_covers(twitter):
    ingest(twitter, [inbound(external_id="60")], {"since_id": "60"})
    twitter.refresh_from_db()
    assert twitter.cursor == {"since_id": "60"}


def test_a_batch_that_fails_to_arrive_stores_nothing_and_keeps_the_cursor(twitter):
    twitter.cursor = {"since_id": "1"}
    twitter.save()

    def page_cut_off():
        yield inbound(external_id="70")
        raise ConnectionError("connection reset mid-page")

    with pytest.raises(ConnectionError):
        ingest(twitter, page_cut_off(), {"since_id": "70"})
    twitter.refresh_from_db()
    assert twitter.cursor == {"since_id": "1"} and Message.objects.count() == 0


def test_malformed_items_are_recorded_and_the_rest_of_the_batch_goes_in(twitter):
    good = inbound(external_id="80")
    no_author = inbound(external_id="81", who=Author(external_id=""))
    garbled = Unparseable(external_id="82", error="tweet has no author_id", raw={"id": "82"})
    result = ingest(twitter, [good, no_author, garbled], {"since_id": "82"})
    twitter.refresh_from_db()
    assert (result.stored, result.failed) == (1, 2)
    assert twitter.cursor == {"since_id": "82"}
    failures = dict(UnprocessedItem.objects.values_list("external_id", "error"))
    assert "no author" in failures["81"] and failures["82"] == "tweet has no author_id"
    ingest(twitter, [good, no_author, garbled], {"since_id": "82"})
    assert UnprocessedItem.objects.count() == 2  # a re-poll records them once


def test_attachments_are_stored_with_the_message(mailbox, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    photo = InboundAttachment(filename="meter.jpg", content_type="image/jpeg", data=b"\xff\xd8jpeg")
    ingest(mailbox, [email(attachments=(photo,))])
    stored = Message.objects.get().attachments.get()
    assert (stored.filename, stored.size) == ("meter.jpg", 6)
    assert stored.file.read() == b"\xff\xd8jpeg"


# SLA ---------------------------------------------------------------------------------------------


def test_new_ticket_gets_a_one_day_first_response_due_time(twitter):
    item = inbound()
    ingest(twitter, [item])
    ticket = Ticket.objects.get()
    assert ticket.first_response_due_at == item.sent_at + timedelta(hours=24)
    assert ticket.sla_due_at == ticket.first_response_due_at


def test_first_reply_stops_the_first_response_clock(twitter, agent):
    ingest(twitter, [inbound()])
    ticket = Ticket.objects.get()
    ticket_reply(ticket=ticket, author=agent, text="Looking into it ^DL")
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None and ticket.sla_due_at is None


def test_a_different_mail_reusing_a_message_id_is_stored_and_the_same_mail_again_is_not():
    mailbox = account("email")
    first = email(message_id="same@sender.example", text="My bill is wrong", context={"digest": "a" * 64})
    ingest(mailbox, [first])
    other = email(
        message_id="same@sender.example", sender="pat@other.example", name="Pat Doe", minutes=3,
        text="My meter is broken", context={"digest": "b" * 64},
    )  # fmt: skip

    ingest(mailbox, [other, first])  # a badly made Message-ID reused, and a poll fetching the first again
    ingest(mailbox, [other])

    texts = sorted(Ticket.objects.values_list("messages__text", flat=True))
    assert texts == ["My bill is wrong", "My meter is broken"]
