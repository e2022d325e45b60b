"""The platforms' rules enforced: refused before anything is stored when a reply is written
(tickets.services.reply_rules), and again by the outbox just before the channel is called, when a
window may have closed while the reply waited. Through the real Graph client against the sandbox
on loopback where the request's body is the point.
"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from channels.sandbox.x_state import NOT_ENGAGED
from oss_inbox.tickets.models import Message, Ticket, TicketEvent
from oss_inbox.tickets.services import ReplyRefused, ingest, ticket_reply, ticket_retry_reply
from oss_inbox.tickets.services.outbox import outbox_deliver
from tests import factories

from .sandbox_accounts import poll
from .sandbox_accounts import x_account as sandbox_x_account

SEVEN_DAYS_PASSED = "It has been more than 7 days since this customer last wrote"


def posts(graph):
    return [r for r in graph.requests if r["method"] == "POST"]


def deliver(message):
    state = outbox_deliver("reply", message.pk)
    message.refresh_from_db()
    return state


# ---- Messenger: 24 hours, then the human-agent tag, then nothing ---------------------------------


def test_a_messenger_reply_more_than_7_days_after_the_customer_wrote_is_refused_and_not_stored(
    graph, page, agent
):
    graph.add_messenger_message("7701", "Pat Quinn", "My bill doubled", at=timezone.now() - timedelta(days=8))
    poll(page)
    ticket = Ticket.objects.get(account=page)

    with pytest.raises(ReplyRefused) as refused:
        ticket_reply(ticket=ticket, author=agent, text="Sorry for the wait, Pat.")

    assert str(refused.value) == (
        "It has been more than 7 days since this customer last wrote; Messenger lets us write only within "
        "7 days — ask the customer to message us (e.g. by email or a public reply)."
    )
    assert not ticket.messages.filter(direction="outbound").exists() and posts(graph) == []


def test_a_window_that_closes_while_the_reply_waits_fails_it_with_the_reason_and_nothing_is_sent(
    graph, page, agent
):
    graph.add_messenger_message(
        "7701", "Pat Quinn", "My bill doubled", at=timezone.now() - timedelta(hours=20)
    )
    poll(page)
    message = ticket_reply(
        ticket=Ticket.objects.get(account=page), author=agent, text="Sorry for the wait, Pat."
    )
    assert "messaging_tag" not in message.context  # queued within 24 hours: a plain response

    with time_machine.travel(timedelta(days=7)):  # the worker was down for a week
        state = deliver(message)
        with pytest.raises(ReplyRefused, match=SEVEN_DAYS_PASSED):  # Retry says why at once
            ticket_retry_reply(ticket=message.ticket, message=message, actor=agent)

    assert (state, message.delivery_state) == ("failed", "failed")
    assert message.delivery_error.startswith(SEVEN_DAYS_PASSED)
    assert posts(graph) == [] and graph.replies == []
    event = TicketEvent.objects.filter(ticket=message.ticket, kind=TicketEvent.Kind.DELIVERY).last()
    assert event.data["state"] == "failed"


def test_a_reply_queued_inside_24_hours_and_sent_after_them_carries_the_human_agent_tag(graph, page, agent):
    graph.add_messenger_message(
        "7701", "Pat Quinn", "My bill doubled", at=timezone.now() - timedelta(hours=23)
    )
    poll(page)
    message = ticket_reply(ticket=Ticket.objects.get(account=page), author=agent, text="Crews are out, Pat.")

    with time_machine.travel(timedelta(hours=2)):
        assert deliver(message) == "sent"

    [sent] = posts(graph)
    assert (sent["json"]["messaging_type"], sent["json"]["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")
    assert message.context["messaging_tag"] == "HUMAN_AGENT"  # recorded: what went out, and how


# ---- Facebook private replies: one per comment, within 7 days -------------------------------------


def test_a_second_private_reply_to_the_same_comment_is_refused_before_it_is_stored(graph, page, agent):
    post = graph.add_post("Outage update")
    graph.add_comment(post, "5501", "Kim Jones", "Any ETA?")
    poll(page)
    ticket = Ticket.objects.get(account=page)
    first = ticket_reply(ticket=ticket, author=agent, text="Kim, crews arrive by 9pm.", private=True)
    assert deliver(first) == "sent"

    with pytest.raises(ReplyRefused, match="Facebook allows one private reply per comment"):
        ticket_reply(ticket=ticket, author=agent, text="Kim, one more thing.", private=True)

    assert ticket.messages.filter(direction="outbound").count() == 1 and len(posts(graph)) == 1
    public = ticket_reply(ticket=ticket, author=agent, text="Crews arrive by 9pm.")  # in public: fine
    assert public.kind == "comment"


def test_a_private_reply_to_a_comment_older_than_7_days_is_refused(graph, page, agent):
    post = graph.add_post("Outage update", at=timezone.now() - timedelta(days=9))
    graph.add_comment(post, "5501", "Kim Jones", "Any ETA?", at=timezone.now() - timedelta(days=8))
    poll(page)
    ticket = Ticket.objects.get(account=page)

    with pytest.raises(ReplyRefused) as refused:
        ticket_reply(ticket=ticket, author=agent, text="Kim, crews arrive by 9pm.", private=True)

    assert str(refused.value) == (
        "This comment is more than 7 days old; Facebook allows a private reply only within 7 days of it — "
        "answer in public instead."
    )
    assert posts(graph) == []


# ---- X: public replies only to posts that summoned us ---------------------------------------------


def x_post(account, text, **fields):
    """A post stored as a poll or webhook stores it: its payload kept as `raw`."""
    item = factories.inbound(
        text=text, raw={"text": text, "author_id": "111", **fields.pop("raw", {})}, **fields
    )
    ingest(account, [item])
    return Message.objects.get(account=account, external_id=item.external_id).ticket


@pytest.fixture
def x_account(db):
    return factories.account("twitter", settings={"username": "PrairieEGHelp"})


def test_a_public_reply_to_an_x_post_that_did_not_mention_us_is_refused_and_a_dm_is_suggested(
    x_account, agent
):
    ticket = x_post(x_account, "Another outage on Elm St, third this month")

    with pytest.raises(ReplyRefused) as refused:
        ticket_reply(ticket=ticket, author=agent, text="Sorry, crews are on their way.")

    assert str(refused.value) == (
        "This post did not mention @PrairieEGHelp or answer one of our posts; X lets us answer it only by "
        "DM — reply privately."
    )
    assert not ticket.messages.filter(direction="outbound").exists()
    dm = ticket_reply(ticket=ticket, author=agent, text="Sorry, crews are on their way.", private=True)
    assert (dm.kind, dm.delivery_state) == ("dm", "queued")


def test_a_post_that_mentions_us_or_answers_our_post_may_be_answered_in_public(x_account, agent):
    mentioned = x_post(x_account, "@prairieeghelp power out on Elm St")  # X's handles ignore case
    assert ticket_reply(ticket=mentioned, author=agent, text="Crews are on Elm St.").kind == "mention"

    ours = ticket_reply(ticket=mentioned, author=agent, text="Crews are on Elm St.", delivered_as="9001")
    answer = x_post(x_account, "still nothing here", reply_to_ids=(ours.external_id,))
    assert ticket_reply(ticket=answer, author=agent, text="They are close.").kind == "mention"

    in_reply_to_us = x_post(x_account, "thanks", raw={"in_reply_to_user_id": x_account.self_external_id})
    assert ticket_reply(ticket=in_reply_to_us, author=agent, text="You're welcome.").kind == "mention"


def test_a_follow_up_without_the_mention_may_be_answered_when_its_author_summoned_us_before(x_account, agent):
    # X counts the author's earlier mention in the conversation: their thread stays answerable.
    first = x_post(x_account, "@PrairieEGHelp power out on Elm St", thread_key="x:500:111")
    follow_up = x_post(x_account, "still out, 3 hours now", thread_key="x:500:111", minutes=5)
    assert follow_up == first
    assert ticket_reply(ticket=follow_up, author=agent, text="Crews are close.").kind == "mention"


def test_a_post_we_cannot_judge_is_sent_and_x_s_refusal_fails_it_in_its_words(x_api, agent):
    # Saved without its text (an old export): our rule cannot tell, so X has the last word.
    account = sandbox_x_account(x_api)
    post = x_api.add_post("4001", "kjones", "Kim Jones", "Third outage on Elm St this month")
    ingest(account, [factories.inbound(external_id=post, text="", raw={"id": post})])
    ticket = Message.objects.get(account=account, external_id=post).ticket
    message = ticket_reply(ticket=ticket, author=agent, text="Sorry, crews are on their way.")

    assert deliver(message) == "failed"
    assert message.delivery_error == f"X refused: {NOT_ENGAGED}"
    assert x_api.posted_tweets == []


def test_a_page_whose_app_lacks_the_human_agent_permission_is_held_to_24_hours(graph, page, agent):
    page.settings["human_agent_tag"] = "no"  # the account form's choice (channels/facebook/forms.py)
    page.save()
    graph.add_messenger_message("7701", "Pat Quinn", "My bill doubled", at=timezone.now() - timedelta(days=2))
    poll(page)

    with pytest.raises(ReplyRefused, match="without the human-agent permission Messenger lets us write only"):
        ticket_reply(ticket=Ticket.objects.get(account=page), author=agent, text="Sorry for the wait, Pat.")
    assert posts(graph) == []
