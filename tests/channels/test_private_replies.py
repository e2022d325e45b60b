"""Answering a public mention or comment in private: a DM on X, a Messenger private reply on Facebook.

End to end through the real clients (tweepy, our Graph client) against the sandbox servers, sent
by the one outbox (tickets.services.outbox) as the Celery task runs it.
"""

import pytest

from channels.sandbox.x_state import one_to_one
from oss_inbox.tickets.models import Message, Ticket
from oss_inbox.tickets.services import ticket_reply
from oss_inbox.tickets.services.outbox import outbox_deliver

from .sandbox_accounts import poll, x_account


@pytest.fixture
def x(db, x_api):
    account = x_account(x_api)
    poll(account)  # the first poll sets the cursor; later ones read everything new
    return account


def send(ticket, agent, text, private=True):
    message = ticket_reply(ticket=ticket, author=agent, text=text, private=private)
    state = outbox_deliver("reply", message.pk)
    message.refresh_from_db()
    return message, state


# ---- X --------------------------------------------------------------------------------------------


def test_a_private_reply_to_a_mention_is_a_dm_to_its_author_not_a_tweet(x_api, x, agent):
    x_api.add_mention("4001", "kjones", "Kim Jones", "My account number is in my DMs, power out on Elm St")
    poll(x)
    ticket = Ticket.objects.get(account=x)

    message, state = send(ticket, agent, "Kim, please send us your address by DM and we'll check.")

    assert (state, message.kind) == ("sent", "dm")
    assert x_api.posted_tweets == []
    [dm] = x_api.sent_dms
    assert dm["dm_conversation_id"] == one_to_one("4001", x_api.account_id)
    assert (message.external_id, dm["text"]) == (dm["id"], message.text)
    assert poll(x).duplicates == 1  # our DM comes back in dm_events: recognised, not a new ticket
    assert Ticket.objects.count() == 1 and Message.objects.count() == 2


def test_a_public_reply_to_the_same_mention_is_still_a_reply_tweet(x_api, x, agent):
    mention = x_api.add_mention("4001", "kjones", "Kim Jones", "Power out on Elm St")
    poll(x)
    message, state = send(Ticket.objects.get(), agent, "@kjones Crews are on Elm St.", private=False)
    assert (state, message.kind) == ("sent", "mention")
    assert [tweet["in_reply_to_tweet_id"] for tweet in x_api.posted_tweets] == [mention]
    assert x_api.sent_dms == []


def test_a_private_reply_to_someone_who_does_not_take_dms_fails_in_x_s_words(x_api, x, agent):
    x_api.add_mention("4001", "kjones", "Kim Jones", "Power out on Elm St")
    x_api.close_dms("4001")
    poll(x)
    message, state = send(Ticket.objects.get(), agent, "Kim, can you DM us your address?")
    assert state == "failed"
    assert message.delivery_error == "X refused: You cannot send messages to this user."
    x.refresh_from_db()
    assert not x.error_is_permanent  # the account is fine; only this customer is out of reach


def test_a_dm_ticket_has_no_private_reply_to_choose(x_api, x, agent):
    x_api.add_dm("4002", "pat_oak", "Pat Oak", "My bill doubled")
    poll(x)
    with pytest.raises(ValueError, match="can be answered privately"):
        ticket_reply(ticket=Ticket.objects.get(), author=agent, text="Hi", private=True)


# ---- Facebook ----------------------------------------------------------------------------------


def test_a_private_reply_to_a_comment_goes_to_messenger_with_the_comment_as_recipient(graph, page, agent):
    post = graph.add_post("Outage update: crews in Riverside")
    comment = graph.add_comment(post, "5501", "Kim Jones", "My meter number is 88123, any ETA?")
    poll(page)
    ticket = Ticket.objects.get(account=page)

    message, state = send(ticket, agent, "Thanks Kim, we'll check meter 88123 and write back here.")
    poll(page)

    assert (state, message.kind) == ("sent", "messenger")
    sent = [r for r in graph.requests if r["method"] == "POST"]
    assert [r["path"] for r in sent] == [f"/{graph.page_id}/messages"]
    assert sent[0]["json"]["recipient"] == {"comment_id": comment}
    [reply] = graph.replies
    assert (reply["kind"], reply["to"], reply["id"]) == ("private reply", comment, message.external_id)
    # The Messenger conversation it opened comes back in the next poll: recognised, not a new ticket.
    assert Ticket.objects.filter(account=page).count() == 1
    assert Message.objects.filter(external_id=message.external_id).count() == 1


def test_a_private_reply_to_a_visitor_post_names_the_post(graph, page, agent):
    visitor_post = graph.add_post("My meter reads zero", from_page=False, author=("5503", "Vic Ortiz"))
    poll(page)
    message, state = send(Ticket.objects.get(account=page), agent, "Vic, we'll send a technician.")
    assert state == "sent"
    assert graph.replies[0]["kind"] == "private reply" and graph.replies[0]["to"] == visitor_post


def test_facebook_allows_one_private_reply_per_comment_and_says_so_in_plain_words(graph, page, agent):
    post = graph.add_post("Outage update")
    comment = graph.add_comment(post, "5501", "Kim Jones", "Any ETA?")
    poll(page)
    ticket = Ticket.objects.get(account=page)
    # Answered privately from Facebook's own Page inbox, which OSS Inbox did not see (a second one
    # sent from here is refused before it is stored: tests/channels/test_platform_rules.py).
    graph.state.private_reply(comment, "Kim, crews arrive by 9pm.")

    second, state = send(ticket, agent, "Kim, one more thing.")

    assert state == "failed"
    assert (
        second.delivery_error
        == "Facebook allows one private reply per comment, and this comment already has one."
    )
    page.refresh_from_db()
    assert not page.error_is_permanent and len(graph.replies) == 1
