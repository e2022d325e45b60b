"""Looking up a reply whose send was cut off (ChannelAdapter.reconcile), on every channel.

For each kind of reply: one that went out is found with the channel's id; one that did not is not
(None: "checked, not there"); the same text answering someone else is not taken for ours; and a
lookup that fails raises ChannelError in plain words, never None. The real clients talk to the fake
X and Graph servers over loopback, and to a real Dovecot for email.
"""

import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from channels.base import ChannelError, UnreadableCredentialsAdapter
from channels.registry import adapter_for
from channels.sandbox.x_state import one_to_one
from oss_inbox.tickets.models import Message, Ticket
from oss_inbox.tickets.services import ticket_reply

from .. import factories
from .mail_samples import MAILBOX, customer_mail, mail_account
from .sandbox_accounts import poll, x_account

ETA = "Crews are on Elm St; power is back by 3 pm."
KIM = ("4001", "kjones", "Kim Jones")
LEE = ("4003", "lee_m", "Lee Morgan")


def reply(ticket, agent, text=ETA, private=False):
    """An agent's reply, queued (the test transaction never commits, so nothing sends it by itself)."""
    return ticket_reply(ticket=ticket, author=agent, text=text, private=private)


def looked_up(account, message):
    message = Message.objects.select_related("ticket", "account").get(pk=message.pk)
    return adapter_for(account).reconcile(message)


def written_later(message, minutes=10):
    """The reply as if written (and sent) `minutes` from now: what the channel holds now is older."""
    Message.objects.filter(pk=message.pk).update(sent_at=timezone.now() + timedelta(minutes=minutes))


# ---- X: reply tweets ----------------------------------------------------------------------------


@pytest.fixture
def x(db, x_api):
    account = x_account(x_api)
    poll(account)  # the first poll sets the cursor; later ones read everything new
    return account


def mention_ticket(x_api, x, customer, text="Power out on Elm St since 6am, any ETA?"):
    tweet_id = x_api.add_mention(*customer, text)
    poll(x)
    return Ticket.objects.get(messages__external_id=tweet_id)


def test_a_reply_tweet_that_went_out_is_found_with_its_id_and_link(x_api, x, agent):
    message = reply(mention_ticket(x_api, x, KIM), agent)
    sent = adapter_for(x).send(message)

    found = looked_up(x, message)

    assert found == sent
    assert found.external_id == x_api.posted_tweets[0]["id"]
    assert found.url == f"https://x.com/PrairieEGHelp/status/{found.external_id}"
    [lookup] = [entry for entry in x_api.requests if entry["path"] == f"/2/users/{x_api.account_id}/tweets"]
    assert lookup["params"]["start_time"] and "referenced_tweets" in lookup["params"]["tweet.fields"]


def test_a_reply_tweet_that_never_went_out_is_not_found(x_api, x, agent):
    message = reply(mention_ticket(x_api, x, KIM), agent)
    assert looked_up(x, message) is None


def test_the_same_text_answering_another_customer_is_not_taken_for_our_reply_tweet(x_api, x, agent):
    to_kim = reply(mention_ticket(x_api, x, KIM), agent)
    to_lee = reply(mention_ticket(x_api, x, LEE, text="Elm St dark here too"), agent)
    adapter_for(x).send(to_kim)

    assert looked_up(x, to_lee) is None
    assert looked_up(x, to_kim).external_id == x_api.posted_tweets[0]["id"]


def test_a_reply_tweet_posted_before_the_send_started_is_an_earlier_answer_not_this_one(x_api, x, agent):
    message = reply(mention_ticket(x_api, x, KIM), agent)
    adapter_for(x).send(message)
    written_later(message)
    assert looked_up(x, message) is None


# ---- X: DMs -----------------------------------------------------------------------------------


def dm_ticket(x_api, x, customer, text="My bill doubled this month"):
    x_api.add_dm(*customer, text)
    poll(x)
    return Ticket.objects.get(thread_key=f"xdm:{one_to_one(customer[0], x_api.account_id)}")


def test_a_dm_reply_that_went_out_is_found_with_its_event_id(x_api, x, agent):
    message = reply(dm_ticket(x_api, x, KIM), agent)
    sent = adapter_for(x).send(message)

    start = len(x_api.requests)
    assert looked_up(x, message) == sent
    assert sent.external_id == x_api.sent_dms[0]["id"]
    conversation = one_to_one(KIM[0], x_api.account_id)
    # The lookup reads the one conversation, not every DM (a poll elsewhere may read those meanwhile).
    path = f"/2/dm_conversations/{conversation}/dm_events"
    [lookup] = [entry for entry in x_api.requests[start:] if entry["path"] == path]
    assert lookup["params"]["event_types"] == "MessageCreate"


def test_a_dm_reply_that_never_went_out_is_not_found(x_api, x, agent):
    message = reply(dm_ticket(x_api, x, KIM), agent)
    assert looked_up(x, message) is None


def test_the_same_text_sent_to_another_customer_is_not_taken_for_our_dm(x_api, x, agent):
    to_kim = reply(dm_ticket(x_api, x, KIM), agent)
    to_lee = reply(dm_ticket(x_api, x, LEE), agent)
    adapter_for(x).send(to_kim)
    assert looked_up(x, to_lee) is None


def test_the_customers_own_dm_with_our_text_is_not_taken_for_ours(x_api, x, agent):
    ticket = dm_ticket(x_api, x, KIM)
    message = reply(ticket, agent)
    x_api.add_dm(*KIM, ETA)  # Kim quotes us back
    assert looked_up(x, message) is None


def test_a_private_reply_to_a_mention_is_found_in_the_conversation_with_its_author(x_api, x, agent):
    message = reply(mention_ticket(x_api, x, KIM), agent, private=True)
    assert looked_up(x, message) is None
    sent = adapter_for(x).send(message)

    start = len(x_api.requests)
    assert looked_up(x, message) == sent
    lookups = [entry["path"] for entry in x_api.requests[start:] if entry["method"] == "GET"]
    assert lookups == [f"/2/dm_conversations/with/{KIM[0]}/dm_events"]


# ---- X: a lookup that fails -------------------------------------------------------------------


def test_an_x_lookup_that_fails_says_so_in_plain_words_never_not_found(x_api, x, agent):
    message = reply(mention_ticket(x_api, x, KIM), agent)

    x_api.fail_next(1, status=500)
    with pytest.raises(ChannelError) as failed:
        looked_up(x, message)
    assert str(failed.value) == "X is having trouble (Internal Server Error); will try again."

    x_api.fail_next(1, status=429, reset_in=600)
    with pytest.raises(ChannelError) as limited:
        looked_up(x, message)
    assert limited.value.retry_at is not None
    assert str(limited.value) == f"X rate limit reached; next check at {limited.value.retry_at:%H:%M} UTC."

    x_api.revoke_token()
    with pytest.raises(ChannelError, match="invalid or revoked") as revoked:
        looked_up(x, message)
    assert revoked.value.permanent


# ---- Facebook: comment replies -----------------------------------------------------------------


def comment_ticket(graph, page, psid, name, post=None):
    post = post or graph.add_post("Outage update: crews in Riverside")
    comment = graph.add_comment(post, psid, name, "Any ETA for Oak Ave?")
    poll(page)
    return Ticket.objects.get(messages__external_id=comment), post, comment


def test_a_comment_reply_that_went_out_is_found_with_its_id_and_link(graph, page, agent):
    ticket, _post, comment = comment_ticket(graph, page, "5501", "Kim Jones")
    message = reply(ticket, agent)
    sent = adapter_for(page).send(message)

    found = looked_up(page, message)

    assert found.external_id == sent.external_id == graph.replies[0]["id"]
    assert found.url == graph.state.comments[sent.external_id]["permalink_url"]
    [lookup] = [r for r in graph.requests if r["method"] == "GET" and r["path"] == f"/{comment}/comments"]
    assert lookup["query"]["order"] == "reverse_chronological"


def test_a_reply_on_a_visitor_post_is_looked_up_under_the_post(graph, page, agent):
    graph.add_post("My meter reads zero", from_page=False, author=("5503", "Vic Ortiz"))
    poll(page)
    message = reply(Ticket.objects.get(account=page), agent)
    assert looked_up(page, message) is None
    sent = adapter_for(page).send(message)
    assert looked_up(page, message).external_id == sent.external_id


def test_a_comment_reply_that_never_went_out_is_not_found(graph, page, agent):
    ticket, _post, _comment = comment_ticket(graph, page, "5501", "Kim Jones")
    assert looked_up(page, reply(ticket, agent)) is None


def test_the_same_text_under_another_customers_comment_is_not_taken_for_our_reply(graph, page, agent):
    kim_ticket, post, _kim = comment_ticket(graph, page, "5501", "Kim Jones")
    lee_ticket, _post, _lee = comment_ticket(graph, page, "5502", "Lee Park", post=post)
    to_kim, to_lee = reply(kim_ticket, agent), reply(lee_ticket, agent)
    adapter_for(page).send(to_kim)

    assert looked_up(page, to_lee) is None
    assert looked_up(page, to_kim) is not None


def test_our_same_comment_from_before_the_send_started_is_an_earlier_answer_not_this_one(graph, page, agent):
    ticket, post, comment = comment_ticket(graph, page, "5501", "Kim Jones")
    earlier = timezone.now() - timedelta(hours=1)
    graph.add_comment(post, graph.page_id, "Prairie Electric & Gas", ETA, parent_id=comment, at=earlier)
    assert looked_up(page, reply(ticket, agent)) is None


# ---- Facebook: Messenger and private replies ----------------------------------------------------


def messenger_ticket(graph, page, psid, name):
    graph.add_messenger_message(psid, name, "My bill doubled this month")
    poll(page)
    return Ticket.objects.get(thread_key=f"fbm:{graph.state.conversation_of(psid)['id']}")


def test_a_messenger_reply_that_went_out_is_found_in_the_customers_conversation(graph, page, agent):
    message = reply(messenger_ticket(graph, page, "7701", "Pat Quinn"), agent)
    sent = adapter_for(page).send(message)

    assert looked_up(page, message) == sent
    [lookup] = [r for r in graph.requests if r["path"].endswith("/conversations") and "user_id" in r["query"]]
    assert (lookup["query"]["user_id"], lookup["query"]["platform"]) == ("7701", "messenger")


def test_a_messenger_reply_that_never_went_out_is_not_found(graph, page, agent):
    message = reply(messenger_ticket(graph, page, "7701", "Pat Quinn"), agent)
    assert looked_up(page, message) is None


def test_the_same_text_sent_to_another_customer_on_messenger_is_not_taken_for_ours(graph, page, agent):
    to_pat = reply(messenger_ticket(graph, page, "7701", "Pat Quinn"), agent)
    to_ana = reply(messenger_ticket(graph, page, "7702", "Ana Ruiz"), agent)
    adapter_for(page).send(to_pat)
    assert looked_up(page, to_ana) is None


def test_a_private_reply_to_a_comment_is_found_in_the_conversation_facebook_names_on_it(graph, page, agent):
    ticket, _post, _comment = comment_ticket(graph, page, "5501", "Kim Jones")
    message = reply(ticket, agent, private=True)
    assert looked_up(page, message) is None  # the comment names no private reply yet
    sent = adapter_for(page).send(message)

    assert looked_up(page, message) == sent
    assert sent.external_id == graph.replies[0]["id"]


def test_a_private_reply_to_another_comment_with_the_same_text_is_not_taken_for_ours(graph, page, agent):
    kim_ticket, post, _kim = comment_ticket(graph, page, "5501", "Kim Jones")
    lee_ticket, _post, _lee = comment_ticket(graph, page, "5502", "Lee Park", post=post)
    to_kim, to_lee = reply(kim_ticket, agent, private=True), reply(lee_ticket, agent, private=True)
    adapter_for(page).send(to_kim)
    assert looked_up(page, to_lee) is None


def test_a_private_reply_to_a_visitor_post_cannot_be_looked_up_and_says_so(graph, page, agent):
    graph.add_post("My meter reads zero", from_page=False, author=("5503", "Vic Ortiz"))
    poll(page)
    message = reply(Ticket.objects.get(account=page), agent, private=True)
    with pytest.raises(ChannelError, match="no way to look up a private reply to a visitor post") as refused:
        looked_up(page, message)
    assert refused.value.permanent


# ---- Facebook: a lookup that fails --------------------------------------------------------------


def test_a_facebook_lookup_that_fails_says_so_in_plain_words_never_not_found(graph, page, agent):
    message = reply(messenger_ticket(graph, page, "7701", "Pat Quinn"), agent)

    graph.fail_next(1, status=500)
    with pytest.raises(ChannelError) as failed:
        looked_up(page, message)
    assert str(failed.value) == "Facebook had a temporary problem (HTTP 500); will retry."

    graph.fail_next(1, code=4, status=429)
    with pytest.raises(ChannelError) as limited:
        looked_up(page, message)
    assert limited.value.retry_at is not None and not limited.value.permanent
    assert str(limited.value).startswith("Facebook is limiting calls for this Page (Graph error 4)")


# ---- Email --------------------------------------------------------------------------------------


@pytest.fixture
def mailbox(db, dovecot, smtp_sink):
    """A mailbox whose customer wrote once (a ticket, through a poll), with an empty Sent folder."""
    dovecot.deliver(customer_mail("m1@example.com"))
    with dovecot.client() as client:
        client.create_folder("Sent")
    account = mail_account(dovecot, smtp_sink)
    poll(account)
    return account, Ticket.objects.get(account=account)


def message_id_of(received):
    return received.message()["Message-ID"]


def test_a_reply_keeps_its_message_id_on_every_attempt_and_each_reply_has_its_own(mailbox, smtp_sink, agent):
    account, ticket = mailbox
    first, second = reply(ticket, agent), reply(ticket, agent, text="One more thing.")
    adapter = adapter_for(account)

    sent = [adapter.send(first), adapter.send(first), adapter.send(second)]

    ids = [message_id_of(received) for received in smtp_sink.received]
    assert ids[0] == ids[1] == f"<{sent[0].external_id}>" and ids[2] == f"<{sent[2].external_id}>"
    assert ids[0] != ids[2]
    assert sent[0].external_id.startswith(f"oss-inbox.reply.{first.pk}.")
    assert sent[0].external_id.endswith("@utility.example")


def test_a_reply_kept_in_the_sent_folder_is_found_by_its_message_id(mailbox, dovecot, smtp_sink, agent):
    account, ticket = mailbox
    message = reply(ticket, agent)
    sent = adapter_for(account).send(message)
    dovecot.deliver(smtp_sink.received[0].data, folder="Sent")  # as Gmail or Exchange keep what was sent

    assert looked_up(account, message) == sent


def test_a_customers_answer_to_the_reply_proves_it_arrived(mailbox, dovecot, agent):
    account, ticket = mailbox
    message = reply(ticket, agent)
    message_id = adapter_for(account).reply_message_id(message)
    dovecot.deliver(customer_mail("m2@example.com", subject="Re: Bill", In_Reply_To=f"<{message_id}>"))

    assert looked_up(account, message).external_id == message_id


def test_a_reply_that_never_went_out_is_not_found(mailbox, dovecot, agent):
    account, ticket = mailbox
    assert looked_up(account, reply(ticket, agent)) is None


def test_another_reply_with_the_same_text_is_not_taken_for_ours(mailbox, dovecot, smtp_sink, agent):
    account, ticket = mailbox
    earlier, message = reply(ticket, agent), reply(ticket, agent)
    adapter_for(account).send(earlier)
    dovecot.deliver(smtp_sink.received[0].data, folder="Sent")

    assert looked_up(account, message) is None
    assert looked_up(account, earlier) is not None


def test_a_sent_folder_of_another_usual_name_or_named_on_the_account_is_used(dovecot, smtp_sink, agent, db):
    dovecot.deliver(customer_mail("m1@example.com"))
    account = mail_account(dovecot, smtp_sink)
    poll(account)
    message = reply(Ticket.objects.get(account=account), agent)
    adapter_for(account).send(message)
    dovecot.deliver(smtp_sink.received[0].data, folder="Sent Items")
    assert looked_up(account, message) is not None

    account.settings = {**account.settings, "sent_folder": "Copies"}
    with pytest.raises(ChannelError, match="'Copies' set on this account does not exist") as missing:
        adapter_for(account).reconcile(message)
    assert missing.value.permanent


def test_a_mailbox_without_a_sent_folder_cannot_tell_and_says_so(dovecot, smtp_sink, agent, db):
    dovecot.deliver(customer_mail("m1@example.com"))
    account = mail_account(dovecot, smtp_sink)
    poll(account)
    message = reply(Ticket.objects.get(account=account), agent)

    with pytest.raises(ChannelError, match="^This mailbox has no Sent folder to look in; ") as cannot_tell:
        looked_up(account, message)
    assert cannot_tell.value.permanent


def test_a_mail_server_that_is_down_fails_the_lookup_in_plain_words(mailbox, smtp_sink, agent):
    account, ticket = mailbox
    message = reply(ticket, agent)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    account.settings = {**account.settings, "imap_port": str(port)}

    with pytest.raises(ChannelError) as failed:
        adapter_for(account).reconcile(message)
    assert str(failed.value) == (
        f"Could not connect to the mail server 127.0.0.1:{port}: connection refused. "
        "The lookup is tried again later."
    )
    assert not failed.value.permanent


def test_a_letter_is_found_by_its_message_id_with_or_without_angle_brackets(mailbox, dovecot):
    account, _ticket = mailbox
    letter = customer_mail("letter-1@utility.example", subject="Your account review", sender=MAILBOX)
    dovecot.deliver(letter, folder="Sent")
    adapter = adapter_for(account)

    assert adapter.find_sent("letter-1@utility.example") and adapter.find_sent("<letter-1@utility.example>")
    assert not adapter.find_sent("letter-2@utility.example")


# ---- An account whose credentials cannot be read ---------------------------------------------------


def test_an_account_whose_credentials_cannot_be_read_refuses_to_look_up_in_an_admins_words(db):
    adapter = UnreadableCredentialsAdapter(factories.account("email", name="Help mailbox"))
    for look_up in (lambda: adapter.reconcile(None), lambda: adapter.find_sent("letter-1@utility.example")):
        with pytest.raises(
            ChannelError, match="^Help mailbox: its saved credentials cannot be read"
        ) as refused:
            look_up()
        assert refused.value.permanent
