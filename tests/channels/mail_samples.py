"""Raw mail as it reaches a mailbox: a customer's message and a bounce of one of our replies."""

from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

from .. import factories

MAILBOX = "help@utility.example"


def customer_mail(message_id, *, subject="Bill higher than usual", text="My bill doubled this month.",
                  sender="maria@example.com", name="Maria Lopez", **headers):  # fmt: skip
    """A plain-text message to the mailbox; headers given as In_Reply_To="<...>" and so on."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = f"{name} <{sender}>"
    message["To"] = MAILBOX
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = f"<{message_id}>"
    for header, value in headers.items():
        message[header.replace("_", "-")] = value
    message.set_content(text)
    return message.as_bytes()


def large_mail(message_id, size):
    """A message of about `size` bytes: a long text of lines, as a pasted log or statement is."""
    line = "Meter 4711 reading 012345 kWh, estimated, please check against the photo attached.\n"
    return customer_mail(message_id, subject="Meter readings", text=line * (size // len(line) + 1))


def bounce_of(our_message_id, *, recipient="maria@example.com"):
    """A delivery status notification (RFC 3464) for a message we sent, from the mail system."""
    return f"""\
From: Mail Delivery System <MAILER-DAEMON@mx.example.com>
To: {MAILBOX}
Subject: Undelivered Mail Returned to Sender
Date: {format_datetime(datetime.now(UTC))}
Message-ID: <bounce-{our_message_id}>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="report"

--report
Content-Type: text/plain

Your message could not be delivered to {recipient}: the mailbox does not exist.

--report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; {recipient}
Action: failed
Status: 5.1.1

--report
Content-Type: text/rfc822-headers

From: {MAILBOX}
To: {recipient}
Subject: Re: Bill higher than usual
Message-ID: <{our_message_id}>

--report--
""".replace("\n", "\r\n").encode()


def mail_account(imap, sink, **settings):
    """An email channel account reading the test IMAP server and sending through the SMTP sink."""
    return factories.account(
        "email",
        settings={**imap.settings(), **sink.settings(), "timeout_seconds": "5", **settings},
        credentials={**imap.credentials(), "smtp_password": sink.password},
    )
