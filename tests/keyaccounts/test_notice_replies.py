"""End to end: a notice goes out over SMTP, the customer answers it from their mail program, and the
answer, read by the email channel's real parser and ingested, is a ticket on the right account."""

from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

import pytest

from channels.email.parse import parse_email
from oss_inbox.keyaccounts.mail import ACCOUNT_MAIL_OUTBOX
from oss_inbox.keyaccounts.models import AccountEvent
from oss_inbox.keyaccounts.notices import notice_send
from oss_inbox.keyaccounts.updates import update_draft, update_send
from oss_inbox.tickets.models import Contact, Ticket
from oss_inbox.tickets.services import ingest
from oss_inbox.tickets.tasks import deliver

pytestmark = pytest.mark.django_db


def delivered_to(sink, address):
    return next(found.message() for found in sink.received if found.rcpt_tos == (address,))


def answer(letter, *, sender, name, text, message_id):
    """What the customer's mail program sends when they press Reply on our letter."""
    reply = EmailMessage(policy=policy.SMTP)
    reply["From"] = f"{name} <{sender}>"
    reply["To"] = letter["From"]
    reply["Subject"] = f"Re: {letter['Subject']}"
    reply["Date"] = format_datetime(datetime.now(UTC))
    reply["Message-ID"] = f"<{message_id}>"
    reply["In-Reply-To"] = letter["Message-ID"]
    reply["References"] = letter["Message-ID"]
    quoted = "\n".join(f"> {line}" for line in letter.get_content().splitlines())
    reply.set_content(f"{text}\n\nOn Saturday, Utility Key Accounts wrote:\n{quoted}\n")
    return reply.as_bytes()


def send_notice(sender, organizations, mailbox):
    notice = notice_send(
        sender=sender, organizations=organizations, account=mailbox, kind="planned_outage",
        subject="Planned outage: feeder 12, Saturday 6–8 am",
        body="We will switch feeder 12 off on Saturday.",
    )  # fmt: skip
    for mail in notice.mails.all():
        deliver(ACCOUNT_MAIL_OUTBOX, mail.pk)
    return notice


def ingest_mail(mailbox, raw):
    item = parse_email(raw, mailbox_address=mailbox.self_external_id)
    ingest(mailbox, [item])
    return Ticket.objects.get(messages__external_id=item.external_id)


def test_a_reply_to_a_notice_becomes_a_ticket_on_the_contacts_organization(
    hospital, plant, supervisor, agent, sending_mailbox, smtp_sink
):
    notice = send_notice(supervisor, [hospital, plant], sending_mailbox)
    letter = delivered_to(smtp_sink, "ray@northside.example")
    raw = answer(letter, sender="ray@northside.example", name="Ray Operator",
                 text="Our pumps run on feeder 12: can you move it to Sunday?",
                 message_id="r1@northside.example")  # fmt: skip

    ticket = ingest_mail(sending_mailbox, raw)

    assert ticket.contact.organization == plant
    assert ticket.is_key_account and ticket.contact.name == "Ray Operator"
    assert "can you move it to Sunday?" in ticket.messages.get().text
    event = AccountEvent.objects.get(kind="notice_reply")
    assert event.organization == plant
    assert (event.data["ticket"], event.data["notice"]) == (ticket.pk, notice.pk)
    assert not AccountEvent.objects.filter(organization=hospital, kind="notice_reply").exists()


def test_a_reply_from_an_address_nobody_knew_joins_the_organization_of_the_letter_it_answers(
    hospital, supervisor, sending_mailbox, smtp_sink
):
    send_notice(supervisor, [hospital], sending_mailbox)
    letter = delivered_to(smtp_sink, "jo@stmarys.example")
    # Jo forwarded it to the night-shift lead, who answers from a private address.
    raw = answer(letter, sender="nightlead@mailbox.example", name="Night Lead",
                 text="The night shift needs the exact switch-off time.",
                 message_id="n1@mailbox.example")  # fmt: skip

    ticket = ingest_mail(sending_mailbox, raw)

    assert ticket.contact.organization == hospital
    assert Contact.objects.get(identities__external_id="nightlead@mailbox.example").organization == hospital
    assert AccountEvent.objects.get(kind="notice_reply").organization == hospital


def test_a_reply_to_a_quarterly_update_threads_back_to_the_account(
    hospital, agent, sending_mailbox, smtp_sink
):
    update = update_draft(hospital, 2026, 3, agent)
    for mail in update_send(update, [Contact.objects.get(name="Pat Facilities")], agent):
        deliver(ACCOUNT_MAIL_OUTBOX, mail.pk)
    letter = delivered_to(smtp_sink, "pat@stmarys.example")
    raw = answer(letter, sender="pat@stmarys.example", name="Pat Facilities",
                 text="Thanks — can we add the east wing to next year's plan?",
                 message_id="p1@stmarys.example")  # fmt: skip

    ticket = ingest_mail(sending_mailbox, raw)

    assert ticket.contact.organization == hospital and ticket.assignee == agent
    event = AccountEvent.objects.get(kind="notice_reply")
    assert (event.organization, event.data["update"]) == (hospital, update.pk)
