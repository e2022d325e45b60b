"""Letters to key accounts go out through the email channel's SMTP server, on loopback here, and are
never lost nor sent twice: queued -> sending -> sent, retried when the server is down, failed on a
refusal, unknown when the connection broke after the content left."""

from datetime import timedelta

import pytest
from django.utils import timezone

from oss_inbox.keyaccounts.mail import ACCOUNT_MAIL_OUTBOX, account_mails_queue, email_recipients
from oss_inbox.keyaccounts.models import AccountMail
from oss_inbox.tickets.services.outbox import outbox_deliver, outbox_sweep
from oss_inbox.tickets.tasks import deliver

pytestmark = pytest.mark.django_db


def queue_letter(hospital, mailbox, django_capture_on_commit_callbacks):
    recipients = email_recipients(hospital.contacts.order_by("name"))
    with django_capture_on_commit_callbacks() as callbacks:
        mails = account_mails_queue(
            organization=hospital, recipients=recipients, account=mailbox,
            subject="Planned outage on feeder 12", text="Dear Jo,\n\nFeeder 12 is off on Saturday 6-8 am.\n",
        )  # fmt: skip
    assert len(callbacks) == len(mails)  # each send is enqueued once the transaction commits, not before
    return mails


def account_mail_sweep(now=None):
    return outbox_sweep(now=now)[ACCOUNT_MAIL_OUTBOX]


def state(mail):
    mail.refresh_from_db()
    return mail.delivery_state


def test_a_letter_goes_to_each_contact_address_with_our_message_id_and_no_auto_submitted(
    hospital, sending_mailbox, smtp_sink, django_capture_on_commit_callbacks
):
    mails = queue_letter(hospital, sending_mailbox, django_capture_on_commit_callbacks)
    assert sorted(mail.address for mail in mails) == ["jo@stmarys.example", "pat@stmarys.example"]

    for mail in mails:
        deliver(ACCOUNT_MAIL_OUTBOX, mail.pk)

    assert [state(mail) for mail in mails] == ["sent", "sent"]
    received = {found.rcpt_tos: found.message() for found in smtp_sink.received}
    letter = received[("jo@stmarys.example",)]
    jo = next(mail for mail in mails if mail.address == "jo@stmarys.example")
    assert letter["Message-ID"] == f"<{jo.message_id}>"
    assert jo.message_id.endswith("@utility.example")  # the sending mailbox's domain
    assert letter["From"] == "Utility Key Accounts <help@utility.example>"
    assert letter["To"] == "Jo Engineer <jo@stmarys.example>"
    assert letter["Subject"] == "Planned outage on feeder 12"
    assert letter["Date"] is not None
    assert letter["Auto-Submitted"] is None  # a personal letter: the customer's replies are wanted
    assert "Feeder 12 is off on Saturday" in letter.get_content()


def test_a_server_that_is_down_keeps_the_letter_queued_and_it_goes_out_when_the_server_is_back(
    hospital, sending_mailbox, smtp_sink, django_capture_on_commit_callbacks
):
    mail = queue_letter(hospital, sending_mailbox, django_capture_on_commit_callbacks)[0]
    smtp_sink.stop()
    now = timezone.now()
    try:
        assert outbox_deliver(ACCOUNT_MAIL_OUTBOX, mail.pk, now=now) == "queued"
    finally:
        smtp_sink.start()
    mail.refresh_from_db()
    assert "connection refused" in mail.delivery_error and mail.delivery_attempts == 1
    assert mail.next_attempt_at == now + timedelta(seconds=30)

    assert outbox_deliver(ACCOUNT_MAIL_OUTBOX, mail.pk, now=now) is None  # not before its retry time
    assert mail.pk not in account_mail_sweep(now=now)["send"]
    retry_at = now + timedelta(seconds=31)
    # Beat's sweep retries it, even if its task was lost.
    assert mail.pk in account_mail_sweep(now=retry_at)["send"]
    assert outbox_deliver(ACCOUNT_MAIL_OUTBOX, mail.pk, now=retry_at) == "sent"
    mail.refresh_from_db()
    assert (mail.delivery_error, mail.delivery_attempts, mail.sent_at) == ("", 2, retry_at)
    assert [found.rcpt_tos for found in smtp_sink.received] == [(mail.address,)]


def test_a_refused_address_fails_the_letter_with_the_reason_and_it_is_not_retried(
    hospital, sending_mailbox, smtp_sink, django_capture_on_commit_callbacks
):
    mail = queue_letter(hospital, sending_mailbox, django_capture_on_commit_callbacks)[0]
    smtp_sink.fail_next(1, code=550, text="No such user here")

    assert outbox_deliver(ACCOUNT_MAIL_OUTBOX, mail.pk) == "failed"

    mail.refresh_from_db()
    assert (
        mail.delivery_error == f"The mail server refused the address ({mail.address}: 550 No such user here)."
    )
    assert account_mail_sweep(now=timezone.now() + timedelta(days=1))["send"] == [
        other.pk for other in AccountMail.objects.exclude(pk=mail.pk)
    ]
    assert smtp_sink.received == []


def test_a_connection_cut_after_the_content_left_is_unknown_and_never_sent_again(
    hospital, sending_mailbox, smtp_sink, django_capture_on_commit_callbacks
):
    mail = queue_letter(hospital, sending_mailbox, django_capture_on_commit_callbacks)[0]
    smtp_sink.hang_up_next()

    assert outbox_deliver(ACCOUNT_MAIL_OUTBOX, mail.pk) == "unknown"
    assert outbox_deliver(ACCOUNT_MAIL_OUTBOX, mail.pk) is None
    assert mail.pk not in account_mail_sweep(now=timezone.now() + timedelta(days=1))["send"]
    assert "may or may not have reached the customer" in AccountMail.objects.get(pk=mail.pk).delivery_error
    assert len(smtp_sink.received) == 1


def test_a_send_cut_off_by_a_killed_worker_becomes_unknown_instead_of_being_repeated(
    hospital, sending_mailbox, django_capture_on_commit_callbacks
):
    mail = queue_letter(hospital, sending_mailbox, django_capture_on_commit_callbacks)[0]
    started = timezone.now() - timedelta(minutes=10)
    AccountMail.objects.filter(pk=mail.pk).update(delivery_state="sending", sending_started_at=started)

    due = account_mail_sweep()

    assert mail.pk not in due["send"] and due["look_up"] == [mail.pk]  # looked up in the mailbox, not sent
    assert state(mail) == "unknown"


def test_two_workers_with_the_same_letter_send_it_once(
    hospital, sending_mailbox, smtp_sink, django_capture_on_commit_callbacks
):
    mail = queue_letter(hospital, sending_mailbox, django_capture_on_commit_callbacks)[0]

    deliver(ACCOUNT_MAIL_OUTBOX, mail.pk)
    deliver(ACCOUNT_MAIL_OUTBOX, mail.pk)

    assert len(smtp_sink.received) == 1 and state(mail) == "sent"
