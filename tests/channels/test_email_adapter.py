"""The email channel against real servers on loopback: Dovecot for IMAP, an aiosmtpd sink for SMTP.

Every test goes through the real paths (channels.polling.account_poll, the one outbox
(tickets.services.outbox)) and checks that no message is lost or stored twice.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone as django_timezone

from channels.email.compose import reply_subject
from channels.polling import account_poll
from channels.registry import adapter_for
from channels.sandbox.mail import ImapSandbox
from oss_inbox.tickets.models import Message, Ticket, UnprocessedItem
from oss_inbox.tickets.services import ingest, ticket_reply
from oss_inbox.tickets.services.outbox import outbox_deliver

from .dovecot import CuttingProxy
from .mail_samples import MAILBOX, bounce_of, customer_mail, large_mail, mail_account

pytestmark = pytest.mark.django_db


def poll(account):
    result = account_poll(account.pk, force=True)  # now, not when the dispatcher would next
    account.refresh_from_db()
    return result


def stored_ids(account):
    return sorted(Message.objects.filter(account=account).values_list("external_id", flat=True))


def reply_on(ticket, agent, text="A crew is on Elm St; power is back by 3 pm."):
    return ticket_reply(ticket=ticket, author=agent, text=text)


# ---- reading -----------------------------------------------------------------------------------


def test_new_mail_becomes_tickets_with_subject_sender_and_text(dovecot, smtp_sink):
    dovecot.deliver(customer_mail("m1@example.com", subject="Bill higher than usual", text="It doubled."))
    last = dovecot.deliver(
        customer_mail("m2@example.org", subject="Streetlight out", sender="lee@example.org", name="Lee Park")
    )
    account = mail_account(dovecot, smtp_sink)

    assert poll(account).tickets_opened == 2

    first, second = Ticket.objects.order_by("id")
    assert (first.subject, second.subject) == ("Bill higher than usual", "Streetlight out")
    message = first.messages.get()
    assert (message.author_identity.external_id, message.author_identity.display_name) == (
        "maria@example.com",
        "Maria Lopez",
    )
    assert message.text == "It doubled."
    assert second.messages.get().author_identity.external_id == "lee@example.org"
    assert account.cursor == {"uidvalidity": dovecot.uidvalidity(), "last_uid": last}
    assert account.last_error == ""


def test_fetching_marks_nothing_as_read(dovecot, smtp_sink):
    dovecot.deliver(customer_mail("m1@example.com"))
    dovecot.deliver(customer_mail("m2@example.com"))

    poll(mail_account(dovecot, smtp_sink))

    flags = dovecot.flags()
    assert len(flags) == 2 and not any(b"\\Seen" in found for found in flags.values())


def test_a_second_poll_adds_nothing_and_a_third_reads_only_the_new_mail(dovecot, smtp_sink):
    dovecot.deliver(customer_mail("m1@example.com"))
    account = mail_account(dovecot, smtp_sink)
    poll(account)

    assert poll(account).stored == 0
    dovecot.deliver(customer_mail("m2@example.com", subject="Another question"))
    assert poll(account).stored == 1
    assert stored_ids(account) == ["m1@example.com", "m2@example.com"]


def test_the_first_poll_reads_only_the_last_days_and_never_the_older_mail_later(dovecot, smtp_sink):
    dovecot.deliver(customer_mail("old@example.com"), received_at=datetime.now(UTC) - timedelta(days=30))
    dovecot.deliver(customer_mail("new@example.com"))
    account = mail_account(dovecot, smtp_sink, first_poll_days="7")

    poll(account)
    poll(account)

    assert stored_ids(account) == ["new@example.com"]


def test_a_new_uidvalidity_reads_the_folder_again_without_duplicates(dovecot, smtp_sink):
    mails = [customer_mail(f"m{number}@example.com", subject=f"Question {number}") for number in (1, 2, 3)]
    for mail in mails[:2]:
        dovecot.deliver(mail, folder="Support")
    account = mail_account(dovecot, smtp_sink, imap_folder="Support")
    poll(account)
    before = account.cursor["uidvalidity"]

    dovecot.recreate_folder("Support")  # as after a restore: same mail, new UIDs
    for mail in mails:
        dovecot.deliver(mail, folder="Support")
    result = poll(account)

    assert account.cursor["uidvalidity"] != before
    assert (result.stored, result.duplicates) == (1, 2)
    assert stored_ids(account) == ["m1@example.com", "m2@example.com", "m3@example.com"]


def test_a_connection_dropped_mid_fetch_stores_nothing_and_the_next_poll_gets_everything_once(
    dovecot, smtp_sink
):
    dovecot.deliver(customer_mail("m1@example.com"))
    dovecot.deliver(large_mail("big@example.com", 300_000))
    dovecot.deliver(customer_mail("m3@example.com"))
    proxy = CuttingProxy(dovecot.port, cut_after=50_000)  # in the middle of the large message
    account = mail_account(dovecot, smtp_sink, imap_port=str(proxy.port))

    assert poll(account) is None
    assert account.last_error.startswith(f"Lost the connection to the mail server 127.0.0.1:{proxy.port}")
    assert "the next poll reads it again" in account.last_error
    assert (account.error_is_permanent, account.cursor, stored_ids(account)) == (False, {}, [])

    proxy.cut_after = None
    poll(account)
    poll(account)
    proxy.close()
    assert stored_ids(account) == ["big@example.com", "m1@example.com", "m3@example.com"]
    assert account.last_error == ""


def test_a_mail_server_that_is_down_is_retried_and_then_read(dovecot, smtp_sink):
    dovecot.deliver(customer_mail("m1@example.com"))
    account = mail_account(dovecot, smtp_sink)
    dovecot.stop()
    try:
        assert poll(account) is None
    finally:
        dovecot.start()
    assert "connection refused" in account.last_error and not account.error_is_permanent

    poll(account)
    assert stored_ids(account) == ["m1@example.com"]


def test_a_refused_login_stops_polling_until_an_admin_updates_the_password(dovecot, smtp_sink):
    account = mail_account(dovecot, smtp_sink)
    account.credentials = {**account.credentials, "imap_password": "wrong"}
    account.save()

    poll(account)

    assert account.error_is_permanent
    assert (
        account.last_error
        == f"The mail server refused the login for {MAILBOX} — an admin must update the password."
    )


def test_a_message_over_the_size_limit_is_set_aside_with_its_reason_and_the_cursor_moves_on(
    dovecot, smtp_sink
):
    dovecot.deliver(customer_mail("m1@example.com"))
    last = dovecot.deliver(large_mail("big@example.com", 60_000))
    account = mail_account(dovecot, smtp_sink, max_message_bytes="20000")

    poll(account)
    poll(account)

    assert stored_ids(account) == ["m1@example.com"]
    set_aside = UnprocessedItem.objects.get(account=account)
    assert set_aside.external_id == "big@example.com"
    assert (
        "more than the 20 KB this mailbox accepts; it was left unread in the INBOX folder" in set_aside.error
    )
    assert account.cursor["last_uid"] == last


def test_mail_moves_to_the_processed_folder_only_after_ingest(dovecot, smtp_sink):
    dovecot.deliver(customer_mail("m1@example.com"))
    dovecot.deliver(customer_mail("m2@example.com"))
    account = mail_account(dovecot, smtp_sink, processed_folder="Processed")
    adapter = adapter_for(account)

    fetched = adapter.fetch(account.cursor)
    assert len(dovecot.flags()) == 2  # fetching moved nothing: a failed ingest loses nothing
    ingest(account, fetched.items, fetched.cursor)
    assert adapter.acknowledge(fetched) == 2

    assert dovecot.flags() == {}
    assert len(dovecot.flags("Processed")) == 2
    assert poll(account).stored == 0
    assert stored_ids(account) == ["m1@example.com", "m2@example.com"]


def test_check_says_both_servers_are_reachable(dovecot, smtp_sink):
    dovecot.deliver(customer_mail("m1@example.com"))
    dovecot.deliver(customer_mail("m2@example.com"))

    message = adapter_for(mail_account(dovecot, smtp_sink)).check()

    assert message == f"IMAP and SMTP reachable for {MAILBOX} (2 messages in INBOX)"


def test_the_sandbox_imap_server_of_make_run_is_read_like_any_other(smtp_sink):
    with ImapSandbox() as sandbox:
        sandbox.deliver(customer_mail("m1@example.com"))
        account = mail_account(sandbox, smtp_sink)
        poll(account)
        poll(account)
    assert stored_ids(account) == ["m1@example.com"]
    assert Ticket.objects.get().subject == "Bill higher than usual"


# ---- replying ----------------------------------------------------------------------------------


@pytest.fixture
def ticket_from_customer(dovecot, smtp_sink):
    """A ticket opened by a customer's mail, through a poll, and its account."""
    dovecot.deliver(customer_mail("m1@example.com"))
    account = mail_account(dovecot, smtp_sink)
    poll(account)
    return Ticket.objects.get(), account


def test_a_reply_threads_in_the_customers_mail_and_their_answer_lands_on_the_same_ticket(
    ticket_from_customer, dovecot, smtp_sink, agent
):
    ticket, account = ticket_from_customer
    reply = reply_on(ticket, agent)

    assert outbox_deliver("reply", reply.pk) == Message.Delivery.SENT
    reply.refresh_from_db()
    (sent,) = smtp_sink.received
    email = sent.message()
    assert (sent.mail_from, sent.rcpt_tos) == (MAILBOX, ("maria@example.com",))
    assert email["Message-ID"] == f"<{reply.external_id}>" and reply.external_id.endswith("@utility.example")
    assert email["Subject"] == f"Re: Bill higher than usual [#{ticket.pk}]"
    assert (email["In-Reply-To"], email["References"]) == ("<m1@example.com>", "<m1@example.com>")
    assert email.get_content().strip() == reply.text

    # Their mail program keeps only In-Reply-To, and drops our [#id] from the subject.
    answer = customer_mail(
        "m2@example.com",
        subject="Re: Bill higher than usual",
        text="Thanks!",
        In_Reply_To=email["Message-ID"],
    )
    dovecot.deliver(answer)
    poll(account)

    assert Ticket.objects.count() == 1
    assert list(ticket.messages.order_by("id").values_list("external_id", "direction")) == [
        ("m1@example.com", "inbound"), (reply.external_id, "outbound"), ("m2@example.com", "inbound"),
    ]  # fmt: skip

    second = reply_on(ticket, agent, text="Glad to help.\n.\nA lone dot on a line survives SMTP.")
    outbox_deliver("reply", second.pk)
    email = smtp_sink.received[-1].message()
    assert email.get_content().replace("\r\n", "\n").rstrip("\n") == second.text
    assert email["Subject"] == f"Re: Bill higher than usual [#{ticket.pk}]"
    references = " ".join(email["References"].split())  # a long header is folded
    assert (email["In-Reply-To"], references) == (
        "<m2@example.com>",
        f"<{reply.external_id}> <m2@example.com>",
    )


def test_a_bounce_of_our_reply_lands_on_the_ticket_as_automatic(ticket_from_customer, dovecot, agent):
    ticket, account = ticket_from_customer
    reply = reply_on(ticket, agent)
    outbox_deliver("reply", reply.pk)
    reply.refresh_from_db()

    dovecot.deliver(bounce_of(reply.external_id))
    poll(account)

    bounce = Message.objects.get(external_id=f"bounce-{reply.external_id}")
    assert (bounce.ticket_id, bounce.is_automatic) == (ticket.pk, True)
    assert Ticket.objects.count() == 1


def make_due(message):
    Message.objects.filter(pk=message.pk).update(next_attempt_at=django_timezone.now() - timedelta(seconds=1))


def test_a_reply_waits_while_the_smtp_server_is_down_and_goes_once_when_it_is_back(
    ticket_from_customer, smtp_sink, agent
):
    ticket, _account = ticket_from_customer
    reply = reply_on(ticket, agent)
    smtp_sink.stop()

    assert outbox_deliver("reply", reply.pk) == Message.Delivery.QUEUED
    reply.refresh_from_db()
    assert "connection refused" in reply.delivery_error and "It will be retried" in reply.delivery_error
    assert reply.next_attempt_at > django_timezone.now()

    smtp_sink.start()
    assert outbox_deliver("reply", reply.pk) is None  # not before its retry time
    make_due(reply)
    assert outbox_deliver("reply", reply.pk) == Message.Delivery.SENT
    assert outbox_deliver("reply", reply.pk) is None
    assert len(smtp_sink.received) == 1


def test_a_temporary_refusal_is_retried_and_then_delivered_once(ticket_from_customer, smtp_sink, agent):
    ticket, _account = ticket_from_customer
    reply = reply_on(ticket, agent)
    smtp_sink.fail_next(1, code=451, text="4.7.1 Greylisted, try again in 5 minutes")

    assert outbox_deliver("reply", reply.pk) == Message.Delivery.QUEUED
    reply.refresh_from_db()
    assert "451 4.7.1 Greylisted" in reply.delivery_error
    make_due(reply)
    assert outbox_deliver("reply", reply.pk) == Message.Delivery.SENT
    assert len(smtp_sink.received) == 1


def test_a_refused_recipient_fails_the_reply_with_the_servers_reason(ticket_from_customer, smtp_sink, agent):
    ticket, _account = ticket_from_customer
    reply = reply_on(ticket, agent)
    smtp_sink.fail_next(1, code=550, text="5.1.1 Recipient address rejected: User unknown")

    assert outbox_deliver("reply", reply.pk) == Message.Delivery.FAILED
    reply.refresh_from_db()
    assert reply.delivery_error == (
        "The mail server refused the address (maria@example.com: 550 5.1.1 Recipient address rejected: "
        "User unknown)."
    )
    assert smtp_sink.received == []


def test_a_send_cut_off_after_the_content_left_is_unknown_and_never_repeated(
    ticket_from_customer, smtp_sink, agent
):
    ticket, _account = ticket_from_customer
    reply = reply_on(ticket, agent)
    smtp_sink.hang_up_next()

    assert outbox_deliver("reply", reply.pk) == Message.Delivery.UNKNOWN
    reply.refresh_from_db()
    assert "may or may not have reached the customer" in reply.delivery_error
    assert outbox_deliver("reply", reply.pk) is None
    assert len(smtp_sink.received) == 1


def test_a_reply_subject_never_stacks_re_and_carries_the_ticket_once():
    assert reply_subject("Outage on Elm St", 7) == "Re: Outage on Elm St [#7]"
    assert reply_subject("RE: Outage on Elm St", 7) == "RE: Outage on Elm St [#7]"
    assert reply_subject("Re: Outage on Elm St [#7]", 7) == "Re: Outage on Elm St [#7]"
    assert reply_subject("", 7) == "Re: your message [#7]"
