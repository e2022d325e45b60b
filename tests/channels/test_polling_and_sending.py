"""The polling lease and the outbox sweep: what keeps two workers apart and lost tasks from losing replies."""

from datetime import timedelta

import pytest
from django.utils import timezone

from channels import polling
from channels.base import ChannelAdapter, Fetched
from channels.models import ChannelAccount
from channels.polling import LEASE, account_take_lease, accounts_due
from channels.tasks import poll_account
from oss_inbox.tickets.models import Message, Ticket
from oss_inbox.tickets.services import ingest, ticket_reply, ticket_retry_reply
from oss_inbox.tickets.services.outbox import SEND_STALE, outbox_claim, outbox_sweep

from ..factories import inbound

pytestmark = pytest.mark.django_db


def test_only_one_worker_gets_the_lease_of_an_account(twitter):
    assert account_take_lease(twitter.pk) is not None
    assert account_take_lease(twitter.pk) is None


def test_a_lease_left_by_a_killed_worker_expires(twitter):
    account_take_lease(twitter.pk)
    assert account_take_lease(twitter.pk, now=timezone.now() + LEASE + timedelta(seconds=1)) is not None


def test_accounts_due_leave_out_disabled_broken_leased_and_not_yet_due_accounts(twitter, facebook, mailbox):
    from ..factories import account

    later = account("twitter", name="later")
    ChannelAccount.objects.filter(pk=later.pk).update(next_poll_at=timezone.now() + timedelta(minutes=5))
    ChannelAccount.objects.filter(pk=facebook.pk).update(error_is_permanent=True)
    ChannelAccount.objects.filter(pk=mailbox.pk).update(enabled=False)
    leased = account("twitter", name="leased")
    account_take_lease(leased.pk)
    assert accounts_due() == [twitter.pk]


class CountingAdapter(ChannelAdapter):
    """Fetches nothing, and counts how often it was asked to."""

    fetches = 0

    def fetch(self, cursor):
        CountingAdapter.fetches += 1
        return Fetched(items=[], cursor=cursor)

    def send(self, message):
        raise AssertionError("nothing to send here")

    def check(self):
        return "counting"


def test_a_poll_task_queued_twice_polls_once_until_the_account_is_due_again(twitter, monkeypatch):
    monkeypatch.setattr(polling, "adapter_for", CountingAdapter)
    monkeypatch.setattr(CountingAdapter, "fetches", 0)
    # The dispatcher queued the account twice while the workers were busy: both tasks run in turn.
    poll_account(twitter.pk)
    poll_account(twitter.pk)
    assert CountingAdapter.fetches == 1
    twitter.refresh_from_db()
    assert twitter.next_poll_at > timezone.now() and twitter.lease_until is None
    ChannelAccount.objects.filter(pk=twitter.pk).update(next_poll_at=timezone.now())
    poll_account(twitter.pk)
    assert CountingAdapter.fetches == 2


@pytest.fixture
def reply(twitter, agent):
    ingest(twitter, [inbound()])
    return ticket_reply(ticket=Ticket.objects.get(), author=agent, text="Crews are on the way ^DL")


def test_only_one_worker_claims_a_reply_for_sending(reply):
    assert outbox_claim("reply", reply.pk) is not None
    assert outbox_claim("reply", reply.pk) is None
    reply.refresh_from_db()
    assert (reply.delivery_state, reply.delivery_attempts) == ("sending", 1)


def test_a_send_cut_off_mid_flight_becomes_unknown_and_is_not_sent_again(reply):
    outbox_claim("reply", reply.pk)
    due = outbox_sweep(now=timezone.now() + SEND_STALE + timedelta(seconds=1))
    reply.refresh_from_db()
    assert reply.delivery_state == "unknown" and "may or may not" in reply.delivery_error
    # Looked up, not sent.
    assert reply.pk not in due["reply"]["send"] and due["reply"]["look_up"] == [reply.pk]


def test_the_sweep_finds_queued_replies_whose_task_was_lost(reply):
    assert outbox_sweep()["reply"]["send"] == [reply.pk]
    Message.objects.filter(pk=reply.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=1))
    assert outbox_sweep()["reply"]["send"] == []  # backing off: not yet


def test_an_agent_retries_a_failed_reply(reply):
    Message.objects.filter(pk=reply.pk).update(
        delivery_state="failed", delivery_error="X refused it", delivery_attempts=6
    )
    assert ticket_retry_reply(ticket=reply.ticket, message=reply, actor=reply.author_user)
    reply.refresh_from_db()
    assert (reply.delivery_state, reply.delivery_error, reply.delivery_attempts) == ("queued", "", 0)
