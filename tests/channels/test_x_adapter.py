"""The X adapter end to end: the real tweepy client, over real sockets, against the X API sandbox.

Polls go through channels.polling.account_poll and replies through the one outbox (tickets.services.outbox),
as the Celery tasks run them. Each test checks that no message is lost or stored twice.
"""

import signal
import socket
import time
from datetime import UTC, datetime, timedelta
from urllib.request import urlopen

import pytest
from django.utils import timezone as django_timezone

from channels.base import ChannelError
from channels.models import ChannelAccount
from channels.polling import account_poll, accounts_due
from channels.registry import adapter_for
from channels.sandbox.x_state import one_to_one
from channels.twitter.adapter import REVOKED, newest_id
from oss_inbox.tickets.models import Identity, Message, Ticket, UnprocessedItem
from oss_inbox.tickets.services import ReplyRefused, ticket_reply
from oss_inbox.tickets.services.outbox import outbox_deliver, outbox_sweep

from .sandbox_accounts import poll, x_account
from .worker_process import poll_in_another_process, wait_until

OUTAGE = "Crews are on Elm St and expect power back by 3pm. "  # 50 characters
LINK = "https://prairie-eg.example/outages/elm-street/2026-11-02/crew-status?ref=x"  # counts 23


@pytest.fixture
def x(db, x_api):
    """An account that has polled once (nothing there yet): from now on a poll reads every page."""
    account = x_account(x_api)
    poll(account)
    assert account.last_success_at and not account.last_error
    return account


def customer(n):
    return str(7000 + n), f"customer{n}", f"Customer {n}"


def add_mentions(x_api, count):
    return [x_api.add_mention(*customer(n % 40), f"Lights out on block {n}") for n in range(count)]


def add_dms(x_api, count, first=0):
    return [
        x_api.add_dm(*customer(first + n % 40), f"Is there an outage at house {n}?") for n in range(count)
    ]


def assert_each_once(account, expected_ids):
    stored = Message.objects.filter(account=account).values_list("external_id", flat=True)
    assert sorted(stored) == sorted(expected_ids)
    assert not UnprocessedItem.objects.exists()


def requests_since(x_api, start, path_end):
    return [entry for entry in x_api.requests[start:] if entry["path"].endswith(path_end)]


# Polling


def test_mentions_and_dms_become_tickets_with_names_and_handles_from_expansions(x_api, x):
    mention = x_api.add_mention("4001", "kjones", "Kim Jones", "@PrairieEGHelp power out on Elm St since 6am")
    dm = x_api.add_dm("4002", "pat_oak", "Pat Oak", "My bill doubled this month")
    poll(x)
    assert_each_once(x, [mention, dm])
    assert Ticket.objects.get(messages__external_id=mention).thread_key == f"x:{mention}:4001"
    assert Message.objects.get(external_id=mention).url == f"https://x.com/kjones/status/{mention}"
    identity = Identity.objects.get(kind="twitter", external_id="4001")
    assert (identity.handle, identity.display_name, identity.contact.name) == (
        "kjones",
        "Kim Jones",
        "Kim Jones",
    )
    assert Ticket.objects.get(messages__external_id=dm).thread_key == "xdm:4002-1500000000000000001"
    assert Message.objects.get(external_id=dm).text == "My bill doubled this month"
    assert Identity.objects.get(external_id="4002").contact.name == "Pat Oak"


def test_the_first_poll_reads_only_the_newest_page_not_years_of_history(x_api, db):
    mentions = add_mentions(x_api, 130)
    account = x_account(x_api)
    poll(account)
    assert_each_once(account, mentions[-100:])
    assert account.cursor["mentions_since_id"] == mentions[-1]


def test_every_page_since_the_cursor_is_fetched(x_api, x):
    mentions, dms = add_mentions(x_api, 250), add_dms(x_api, 130)
    start = len(x_api.requests)
    poll(x)
    assert_each_once(x, mentions + dms)
    assert len(requests_since(x_api, start, "/mentions")) == 3
    assert len(requests_since(x_api, start, "/dm_events")) == 2
    assert x.cursor == {"mentions_since_id": mentions[-1], "dm_last_event_id": dms[-1]}


def test_a_second_poll_with_nothing_new_adds_nothing(x_api, x):
    expected = add_mentions(x_api, 5) + add_dms(x_api, 2)
    poll(x)
    cursor = x.cursor
    result = poll(x)
    assert (result.stored, result.duplicates) == (0, 0)
    assert x.cursor == cursor
    assert_each_once(x, expected)


def test_since_id_advances_to_the_newest_mention_and_is_asked_for_next_time(x_api, x):
    first = x_api.add_mention(*customer(1), "Flickering lights on Oak Ave")
    poll(x)
    assert x.cursor["mentions_since_id"] == first
    second = x_api.add_mention(*customer(2), "Same on Pine St")
    start = len(x_api.requests)
    poll(x)
    assert requests_since(x_api, start, "/mentions")[0]["params"]["since_id"] == first
    assert x.cursor["mentions_since_id"] == second
    assert_each_once(x, [first, second])


def test_ids_compare_as_numbers_not_as_text():
    assert newest_id("999", ["1000", "998"]) == "1000"
    assert newest_id("1578516295611748353", []) == "1578516295611748353"


def test_dm_polling_stops_at_the_last_stored_event(x_api, x):
    earlier = add_dms(x_api, 150)
    poll(x)
    later = add_dms(x_api, 3, first=50)
    start = len(x_api.requests)
    poll(x)
    assert len(requests_since(x_api, start, "/dm_events")) == 1  # the second page is older still
    assert x.cursor["dm_last_event_id"] == later[-1]
    assert_each_once(x, earlier + later)


def test_our_own_dm_sent_from_the_x_app_is_linked_to_its_conversation_not_a_ticket(x_api, x):
    question = x_api.add_dm("4002", "pat_oak", "Pat Oak", "Did my payment go through?")
    ours = x_api.add_dm(
        x_api.account_id,
        x_api.username,
        "Prairie",
        "Yes, it posted this morning.",
        conversation_id=one_to_one("4002", x_api.account_id),
    )
    poll(x)
    reply = Message.objects.get(external_id=ours)
    assert (reply.direction, reply.delivery_state) == ("outbound", "sent")
    assert reply.ticket == Message.objects.get(external_id=question).ticket == Ticket.objects.get()


def test_the_same_page_served_twice_stores_each_mention_once(x_api, x):
    mentions = add_mentions(x_api, 250)
    x_api.serve_page_twice()
    start = len(x_api.requests)
    result = poll(x)
    assert len(requests_since(x_api, start, "/mentions")) == 4
    assert result.duplicates == 100
    assert_each_once(x, mentions)


# Failures while polling


def test_a_rate_limit_mid_poll_sets_the_next_poll_to_the_reset_time_and_loses_nothing(x_api, x):
    mentions, cursor = add_mentions(x_api, 250), x.cursor
    x_api.fail_next(1, status=429, reset_in=600, after=1)  # the second page
    assert poll(x) is None
    [limited] = [entry for entry in x_api.requests if entry["status"] == 429]
    reset_at = datetime.fromtimestamp(int(limited["headers"]["x-rate-limit-reset"]), tz=UTC)
    assert x.next_poll_at == reset_at == x.rate_limited_until
    assert x.last_error == f"X rate limit reached; next poll at {reset_at:%H:%M} UTC."
    assert not x.error_is_permanent and x.cursor == cursor
    assert x.pk not in accounts_due() and x.pk in accounts_due(now=reset_at)
    assert_each_once(x, [])
    poll(x)
    assert_each_once(x, mentions)
    assert x.rate_limited_until is None and not x.last_error


def test_a_server_error_is_retried_later_and_then_everything_comes_in(x_api, x):
    expected = add_mentions(x_api, 120) + add_dms(x_api, 3)
    x_api.fail_next(1, status=500, after=2)  # the DM page, after both mention pages
    assert poll(x) is None
    assert x.last_error == "X is having trouble (Internal Server Error); will try again."
    assert not x.error_is_permanent and x.consecutive_failures == 1
    assert x.next_poll_at > django_timezone.now()
    assert_each_once(x, [])
    poll(x)
    assert_each_once(x, expected)
    assert x.consecutive_failures == 0


def test_a_read_timeout_during_fetch_is_retried_then_everything_comes_in(x_api, db):
    account = x_account(x_api, timeout_seconds=1)
    poll(account)
    mentions = add_mentions(x_api, 20)
    x_api.delay_next(3)
    started = time.monotonic()
    assert poll(account) is None
    assert time.monotonic() - started < 2.5
    assert account.last_error == "Could not reach X (no answer in time); will try again."
    assert not account.error_is_permanent
    assert_each_once(account, [])
    poll(account)
    assert_each_once(account, mentions)


def test_a_revoked_token_flags_the_account_for_an_admin_and_stops_polling(x_api, x):
    x_api.add_mention(*customer(1), "Anyone there?")
    x_api.revoke_token()
    assert poll(x) is None
    assert x.error_is_permanent
    assert x.last_error == REVOKED
    assert REVOKED == "X says the account's credentials are invalid or revoked — an admin must reconnect it."
    ChannelAccount.objects.filter(pk=x.pk).update(next_poll_at=django_timezone.now() - timedelta(minutes=1))
    assert x.pk not in accounts_due()
    start = len(x_api.requests)
    assert account_poll(x.pk) is None
    assert len(x_api.requests) == start


def test_an_account_without_credentials_is_flagged_with_what_is_missing(x_api, db):
    account = x_account(x_api)
    ChannelAccount.objects.filter(pk=account.pk).update(credentials={"bearer_token": "only-this"})
    poll(account)
    assert account.error_is_permanent
    assert account.last_error == (
        "The X account has no API key, API key secret, Access token, Access token secret saved; an admin "
        "must add them."
    )


def test_check_says_who_the_credentials_belong_to(x_api, x):
    assert adapter_for(x).check() == "Connected as @PrairieEGHelp (id 1500000000000000001)."
    x.self_external_id = "42"
    assert "set up for X user id 42: set it to 1500000000000000001" in adapter_for(x).check()
    x_api.revoke_token()
    with pytest.raises(ChannelError, match="revoked") as refused:
        adapter_for(x).check()
    assert refused.value.permanent


# Replies


@pytest.fixture
def mention(x_api, x):
    tweet_id = x_api.add_mention("4001", "kjones", "Kim Jones", "Power out on Elm St since 6am, any ETA?")
    poll(x)
    return Message.objects.get(external_id=tweet_id)


def test_a_reply_to_a_mention_is_posted_in_reply_to_it_and_gets_its_tweet_id(x_api, mention, agent):
    reply = ticket_reply(ticket=mention.ticket, author=agent, text="@kjones " + OUTAGE)
    assert outbox_deliver("reply", reply.pk) == "sent"
    reply.refresh_from_db()
    [posted] = x_api.posted_tweets
    assert (posted["in_reply_to_tweet_id"], posted["text"]) == (mention.external_id, reply.text)
    assert reply.external_id == posted["id"]
    assert reply.url == f"https://x.com/PrairieEGHelp/status/{posted['id']}"
    assert outbox_deliver("reply", reply.pk) is None and len(x_api.posted_tweets) == 1
    with urlopen(x_api.url) as page:  # what a human watching `make run` sees
        assert "Crews are on Elm St" in page.read().decode()


def test_a_reply_over_280_characters_is_refused_before_it_is_queued_with_the_reason(x_api, mention, agent):
    with pytest.raises(ReplyRefused, match="X allows 280 characters; this reply is 4 too long"):
        ticket_reply(ticket=mention.ticket, author=agent, text=OUTAGE * 5 + "Thank you! " + LINK)
    assert not mention.ticket.messages.filter(direction="outbound").exists() and x_api.posted_tweets == []
    # The link counts 23 however long it is: 273 by X's count, 324 letters.
    fits = ticket_reply(ticket=mention.ticket, author=agent, text=OUTAGE * 5 + LINK)
    assert outbox_deliver("reply", fits.pk) == "sent"
    assert [tweet["text"] for tweet in x_api.posted_tweets] == [fits.text]


def test_x_refusing_a_duplicate_reply_fails_that_message_not_the_account(x_api, mention, agent, x):
    first = ticket_reply(ticket=mention.ticket, author=agent, text=OUTAGE)
    second = ticket_reply(ticket=mention.ticket, author=agent, text=OUTAGE)
    assert outbox_deliver("reply", first.pk) == "sent"
    assert outbox_deliver("reply", second.pk) == "failed"
    second.refresh_from_db()
    assert second.delivery_error == "X refused: You are not allowed to create a Tweet with duplicate content."
    x.refresh_from_db()
    assert not x.error_is_permanent and len(x_api.posted_tweets) == 1


def test_a_send_that_never_reaches_x_is_queued_again_not_unknown(x_api, mention, agent, x):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        nobody = f"http://127.0.0.1:{closed.getsockname()[1]}"
    ChannelAccount.objects.filter(pk=x.pk).update(settings={**x.settings, "api_base_url": nobody})
    reply = ticket_reply(ticket=mention.ticket, author=agent, text=OUTAGE)
    assert outbox_deliver("reply", reply.pk) == "queued"
    reply.refresh_from_db()
    assert reply.delivery_error == "Could not reach X (the connection failed); will try again."
    assert reply.next_attempt_at > django_timezone.now()


def test_a_dm_reply_goes_to_the_conversation_of_its_ticket_and_its_echo_is_not_a_new_message(x_api, x, agent):
    x_api.add_dm("4002", "pat_oak", "Pat Oak", "My bill doubled")
    x_api.add_dm("4003", "lee_m", "Lee Morgan", "Meter reading looks wrong")
    poll(x)
    conversation = one_to_one("4003", x_api.account_id)
    ticket = Ticket.objects.get(thread_key=f"xdm:{conversation}")
    reply = ticket_reply(
        ticket=ticket, author=agent, text="Sorry about that, Lee. Can you send a photo of the meter?"
    )
    assert outbox_deliver("reply", reply.pk) == "sent"
    [sent] = x_api.sent_dms
    assert (sent["dm_conversation_id"], sent["text"]) == (conversation, reply.text)
    reply.refresh_from_db()
    assert reply.external_id == sent["id"]
    assert poll(x).duplicates == 1  # our DM comes back in dm_events: recognised, not stored again
    assert ticket.messages.count() == 2 and Message.objects.count() == 3


def test_a_send_cut_off_by_a_timeout_is_unknown_never_resent_and_reconciled_by_its_echo(x_api, db, agent):
    account = x_account(x_api, timeout_seconds=1)
    poll(account)
    x_api.add_dm("4002", "pat_oak", "Pat Oak", "Power flickering at 12 Elm St")
    poll(account)
    ticket = Ticket.objects.get()
    reply = ticket_reply(ticket=ticket, author=agent, text="Crews are on the way to Elm St.")
    x_api.delay_next(3)  # X posts the DM, but answers after our client stopped waiting
    assert outbox_deliver("reply", reply.pk) == "unknown"
    reply.refresh_from_db()
    assert reply.delivery_error == (
        "The call to X was cut off (no answer in time); the reply may or may not have gone out."
    )
    assert outbox_deliver("reply", reply.pk) is None and reply.pk not in outbox_sweep()["reply"]["send"]
    assert len(x_api.sent_dms) == 1
    poll(account)
    reply.refresh_from_db()
    assert (reply.delivery_state, reply.external_id) == ("sent", x_api.sent_dms[0]["id"])
    assert ticket.messages.count() == 2


# A worker killed mid-poll


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_poll_killed_between_fetch_and_commit_is_redone_and_stores_each_mention_once(x_api, tmp_path):
    mentions = add_mentions(x_api, 1500)
    account = x_account(x_api)
    cursor = {"mentions_since_id": "1", "dm_last_event_id": "1"}
    ChannelAccount.objects.filter(pk=account.pk).update(cursor=cursor)
    output = tmp_path / "child.log"
    child = poll_in_another_process(account.pk, output)
    try:
        # The DM page is the fetch's last request: from here on the child parses and ingests.
        wait_until(
            lambda: requests_since(x_api, 0, "/dm_events") or child.poll() is not None, 60, output.read_text
        )
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL, output.read_text()
    assert len(requests_since(x_api, 0, "/mentions")) == 15

    stored = Message.objects.filter(account=account).count()
    assert stored in (0, 1500)  # one transaction: all or nothing, never part
    account.refresh_from_db()
    if stored == 0:
        assert account.cursor == cursor
    ChannelAccount.objects.filter(pk=account.pk).update(
        lease_until=django_timezone.now() - timedelta(seconds=1)
    )
    account_poll(account.pk)
    assert_each_once(account, mentions)
