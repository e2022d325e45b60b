"""Threading follows people: a reply joins a ticket only when its author is that ticket's customer
(by email also a colleague of the same organization); anyone else answering in the conversation
gets a ticket of their own, linked to the one they wrote in, and the agent sees the link."""

import pytest
from django.urls import reverse

from channels.base import Author
from oss_inbox.tickets.models import Organization, OrganizationDomain, Ticket
from oss_inbox.tickets.services import ingest, ticket_reply

from .. import factories

pytestmark = pytest.mark.django_db

CODY = factories.author("201", "codyr", "Cody Rodriguez")
STRANGER = factories.author("202", "sam_k", "Sam Kowalski")


def our_reply(ticket, agent, external_id):
    """Our answer, as it reached the channel (its id known, as after a send)."""
    return ticket_reply(ticket=ticket, author=agent, text="Crews are on the way.", delivered_as=external_id)


def test_a_strangers_reply_under_our_answer_on_x_opens_their_own_ticket_linked_to_it(agent, client):
    x = factories.account("twitter")
    ingest(x, [factories.inbound(external_id="t1", thread_key="x:t1:201", who=CODY)])
    codys = Ticket.objects.get()
    our_reply(codys, agent, "t2")

    # Sam answers our public reply to Cody: X puts it in the same conversation, replying to our tweet.
    sams_reply = factories.inbound(
        external_id="t3", thread_key="x:t1:202", who=STRANGER, reply_to_ids=("t2", "t1"),
        text="Same on Oak St, no power", minutes=5,
    )  # fmt: skip
    ingest(x, [sams_reply])

    codys.refresh_from_db()
    assert [m.external_id for m in codys.messages.filter(direction="inbound")] == ["t1"]  # nothing of Sam's
    sams = Ticket.objects.exclude(pk=codys.pk).get()
    assert (sams.contact.name, sams.answers_ticket_id) == ("Sam Kowalski", codys.pk)
    assert [m.text for m in sams.messages.all()] == ["Same on Oak St, no power"]
    assert sams.events.filter(kind="created", data__answers_ticket=codys.pk).exists()

    client.force_login(agent)
    page = client.get(reverse("inbox:ticket", args=[sams.pk])).content.decode()
    assert f'href="{reverse("inbox:ticket", args=[codys.pk])}"' in page and "another customer" in page


def test_a_stranger_answering_twice_stays_on_their_own_ticket_and_cody_still_joins_his(agent):
    x = factories.account("twitter")
    ingest(x, [factories.inbound(external_id="t1", thread_key="x:t1:201", who=CODY)])
    codys = Ticket.objects.get()
    our_reply(codys, agent, "t2")
    under_our_answer = [("t3", STRANGER, 5), ("t4", STRANGER, 6), ("t5", CODY, 7)]
    ingest(x, [
        factories.inbound(external_id=tweet, thread_key=f"x:t1:{who.external_id}", who=who,
                          reply_to_ids=("t2",), minutes=minutes)
        for tweet, who, minutes in under_our_answer
    ])  # fmt: skip

    sams = Ticket.objects.exclude(pk=codys.pk).get()
    assert sorted(sams.messages.values_list("external_id", flat=True)) == ["t3", "t4"]
    assert sorted(codys.messages.filter(direction="inbound").values_list("external_id", flat=True)) == [
        "t1",
        "t5",
    ]


def test_a_resolved_customers_ticket_is_not_reopened_by_someone_else(agent):
    x = factories.account("twitter")
    ingest(x, [factories.inbound(external_id="t1", thread_key="x:t1:201", who=CODY)])
    codys = Ticket.objects.get()
    our_reply(codys, agent, "t2")
    codys.refresh_from_db()
    Ticket.objects.filter(pk=codys.pk).update(status="resolved", resolved_at=codys.created_at)

    ingest(
        x, [factories.inbound(external_id="t3", thread_key="x:t1:202", who=STRANGER, reply_to_ids=("t2",))]
    )

    codys.refresh_from_db()
    assert codys.status == "resolved"


def test_someone_commenting_in_a_customers_facebook_thread_gets_their_own_ticket_and_our_reply_goes_there(
    agent,
):
    page = factories.account("facebook")
    kim = Author("501", "", "Kim Jones")
    pat = Author("502", "", "Pat Quinn")
    thread = "fb:post1:post1_c1"
    ingest(page, [factories.inbound(kind="comment", external_id="post1_c1", thread_key=thread, who=kim)])
    kims = Ticket.objects.get()

    pats_comment = factories.inbound(
        kind="comment", external_id="post1_c2", thread_key=thread, who=pat, reply_to_ids=("post1_c1",),
        text="Us too on Birch Rd", minutes=3,
    )  # fmt: skip
    ingest(page, [pats_comment])

    pats = Ticket.objects.exclude(pk=kims.pk).get()
    assert (pats.contact.name, pats.answers_ticket_id) == ("Pat Quinn", kims.pk)
    assert not kims.messages.filter(external_id="post1_c2").exists()
    # Our answer to Pat goes under the thread's top comment, as Facebook nests one level deep.
    from channels.facebook.adapter import comment_target

    reply = ticket_reply(ticket=pats, author=agent, text="We are on it, Pat.")
    assert comment_target(reply) == "post1_c1"


def test_a_stranger_answering_our_email_to_a_customer_gets_their_own_ticket(agent):
    mailbox = factories.account("email")
    ingest(mailbox, [factories.email(message_id="m1@home.example", sender="maria@home.example")])
    marias = Ticket.objects.get()
    our_reply(marias, agent, "r1@utility.example")

    forwarded_answer = factories.email(
        message_id="m2@else.example", sender="lee@else.example", name="Lee Park", minutes=9,
        reply_to_ids=("r1@utility.example", "m1@home.example"), text="Maria forwarded this: same here.",
    )  # fmt: skip
    ingest(mailbox, [forwarded_answer])

    lees = Ticket.objects.exclude(pk=marias.pk).get()
    assert (lees.contact.name, lees.answers_ticket_id) == ("Lee Park", marias.pk)
    assert not marias.messages.filter(external_id="m2@else.example").exists()


def test_a_colleague_on_cc_answering_by_email_joins_the_ticket_of_their_organization(agent):
    mailbox = factories.account("email")
    plant = Organization.objects.create(name="Riverside Plant")
    OrganizationDomain.objects.create(organization=plant, domain="riverside.example")
    ingest(mailbox, [factories.email(message_id="m1@riverside.example", sender="jo@riverside.example")])
    jos = Ticket.objects.get()
    our_reply(jos, agent, "r1@utility.example")

    colleague = factories.email(
        message_id="m2@riverside.example", sender="pat@riverside.example", name="Pat Ng", minutes=5,
        reply_to_ids=("r1@utility.example", "m1@riverside.example"), text="Adding to Jo's note: meter 7 too.",
    )  # fmt: skip
    ingest(mailbox, [colleague])

    assert Ticket.objects.count() == 1
    assert jos.messages.filter(external_id="m2@riverside.example").exists()


def test_someone_answering_a_conversation_that_began_in_the_same_batch_is_linked_to_it(agent, caplog):
    page = factories.account("facebook")
    thread = "fb:post1:post1_c1"
    kims = factories.inbound(
        kind="comment", external_id="post1_c1", thread_key=thread, who=Author("501", "", "Kim")
    )
    pats = factories.inbound(
        kind="comment", external_id="post1_c2", thread_key=thread, who=Author("502", "", "Pat"),
        reply_to_ids=("post1_c1",), minutes=1,
    )  # fmt: skip

    result = ingest(page, [kims, pats])

    assert result.failed == 0 and result.stored == 2
    assert "one by one" not in caplog.text  # the batch went in whole
    kim, pat = Ticket.objects.order_by("pk")
    assert (pat.answers_ticket_id, pat.contact.name) == (kim.pk, "Pat")
    assert pat.events.filter(kind="created", data__answers_ticket=kim.pk).exists()
