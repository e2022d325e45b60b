"""import_history --mbox: a team mailbox's archive, threaded as the email channel threads mail."""

import mailbox
from email.message import EmailMessage

import pytest

from oss_inbox.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

OURS = "support@utility.example"


def mail(message_id, sender, subject, text, date, *, in_reply_to=None, references=None):
    message = EmailMessage()
    message["From"], message["To"] = sender, OURS if sender != OURS else "kim@example.com"
    message["Subject"], message["Date"], message["Message-ID"] = subject, date, f"<{message_id}>"
    if in_reply_to:
        message["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        message["References"] = " ".join(f"<{found}>" for found in references)
    message.set_content(text)
    return message


@pytest.fixture
def archive(tmp_path):
    folder = tmp_path / "mail"
    folder.mkdir()
    inbox = mailbox.mbox(folder / "Inbox")
    inbox.add(mail("q1@example.com", "Kim Jones <kim@example.com>", "No power on Elm St",
                   "Since 8am.", "Sat, 01 Mar 2025 09:00:00 -0600"))  # fmt: skip
    inbox.add(mail("q2@example.com", "Kim Jones <kim@example.com>", "Re: No power on Elm St",
                   "Thanks, it is back.\n\n> A crew is on the way.", "Sat, 01 Mar 2025 12:00:00 -0600",
                   in_reply_to="a1@utility.example",
                   references=["q1@example.com", "a1@utility.example"]))  # fmt: skip
    inbox.add(mail("other@example.com", "lee@example.org", "Meter reading", "My meter reads 0000.",
                   "Sun, 02 Mar 2025 10:00:00 -0600"))  # fmt: skip
    inbox.flush()
    sent = mailbox.mbox(folder / "Sent")
    sent.add(mail("a1@utility.example", OURS, "Re: No power on Elm St", "A crew is on the way.",
                  "Sat, 01 Mar 2025 09:30:00 -0600", in_reply_to="q1@example.com",
                  references=["q1@example.com"]))  # fmt: skip
    sent.flush()
    return folder


def test_a_thread_with_our_reply_and_the_customers_answer_is_one_ticket(run_import, archive, mailbox_account):
    out, _ = run_import("--mbox", str(archive))
    assert "Imported 2 tickets (4 messages" in out
    ticket = Ticket.objects.get(subject="No power on Elm St")
    assert ticket.account == mailbox_account and ticket.thread_key == "email:q1@example.com"
    assert ticket.contact.identities.get().external_id == "kim@example.com"
    messages = list(ticket.messages.order_by("sent_at").values_list("external_id", "direction", "text"))
    assert messages == [
        ("q1@example.com", "inbound", "Since 8am."),
        ("a1@utility.example", "outbound", "A crew is on the way."),
        (
            "q2@example.com",
            "inbound",
            "Thanks, it is back.",
        ),  # the quoted part is context, as ingest reads it
    ]
    assert (
        ticket.status == "resolved"
        and ticket.first_response_at == ticket.messages.get(direction="outbound").sent_at
    )
    assert Ticket.objects.get(subject="Meter reading").messages.count() == 1


def test_mail_the_email_channel_read_already_is_not_stored_twice(run_import, archive, mailbox_account):
    run_import("--mbox", str(archive))
    out, _ = run_import("--mbox", str(archive), "--source", "mbox:the same folder under another name")
    assert (
        "Imported 0 tickets" in out
        and "2 tickets have a message stored here already (the same message id): left out." in out
    )
    assert Message.objects.count() == 4
