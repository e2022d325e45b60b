"""An agent's reply as an email. Pure: no database, no network.

A reply must thread in the customer's mail program and back onto our ticket when they answer:
In-Reply-To names their message, References carries the whole chain (RFC 5322 3.6.4), and the
subject keeps "[#<ticket id>]" for the clients that drop both headers.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from .parse import MESSAGE_ID

REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv|antw)\s*:", re.IGNORECASE)
# Ids parse_email made up for a message without a Message-ID: nobody else knows them.
GENERATED_ID = re.compile(r"^generated-[0-9a-f]+@oss-inbox$")
# Long threads: keep the root and the most recent ids, as RFC 5322 suggests for trimming.
MAX_REFERENCES = 20


@dataclass(frozen=True)
class Answered:
    """The customer's message we answer."""

    address: str
    message_id: str
    subject: str
    references: tuple[str, ...]  # its own References chain, root first


@dataclass(frozen=True)
class Reply:
    sender: str
    sender_name: str
    ticket_id: int
    text: str
    sent_at: datetime
    automatic: bool = False  # our out-of-hours acknowledgement
    # Our Message-ID for it, without <>; empty: a new random one. A reply keeps one id however often
    # it is sent, so that a retry cannot become a second letter and a lookup can find it.
    message_id: str = ""
    # An HTML alternative to the text (a satisfaction survey's rating buttons); empty: text only.
    html: str = ""


def answered_from_headers(*, address, message_id, subject, headers):
    """Answered, from a stored message's [name, value] header pairs (Message.raw["headers"])."""
    references = [value for name, value in headers if name.lower() == "references"]
    chain = MESSAGE_ID.findall(" ".join(references))
    if not chain:  # RFC 5322: with no References, a single In-Reply-To id is the parent
        in_reply_to = MESSAGE_ID.findall(
            " ".join(value for name, value in headers if name.lower() == "in-reply-to")
        )
        chain = in_reply_to[:1]
    return Answered(address=address, message_id=message_id, subject=subject, references=tuple(chain))


def reply_subject(subject, ticket_id):
    """ "Re: <subject> [#<id>]", never "Re: Re:", and the reference only once."""
    subject = " ".join(subject.split())
    if not REPLY_PREFIX.match(subject):
        subject = f"Re: {subject}" if subject else "Re: your message"
    reference = f"[#{ticket_id}]"
    return subject if reference in subject else f"{subject} {reference}"


def compose_reply(reply, answered):
    """The reply as an EmailMessage with its Message-ID (a new one on our mailbox's domain if none)."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = formataddr((reply.sender_name, reply.sender)) if reply.sender_name else reply.sender
    message["To"] = answered.address
    message["Subject"] = reply_subject(answered.subject, reply.ticket_id)
    message["Date"] = format_datetime(reply.sent_at)
    message_id = reply.message_id or make_msgid(domain=mail_domain(reply.sender)).strip("<>")
    message["Message-ID"] = f"<{message_id}>"
    parent = [] if GENERATED_ID.match(answered.message_id or "") else [answered.message_id]
    chain = [found for found in [*answered.references, *parent] if found and not GENERATED_ID.match(found)]
    if parent:
        message["In-Reply-To"] = f"<{parent[0]}>"
    if chain:
        message["References"] = " ".join(f"<{found}>" for found in _trimmed(list(dict.fromkeys(chain))))
    if reply.automatic:
        # RFC 3834: the customer's own auto-responder must not answer our acknowledgement.
        message["Auto-Submitted"] = "auto-replied"
    # Quoted-printable, not 8bit: not every SMTP server on the way announces 8BITMIME.
    message.set_content(reply.text, cte="quoted-printable")
    if reply.html:
        message.add_alternative(reply.html, subtype="html", cte="quoted-printable")
    return message


def mail_domain(address):
    """The domain our Message-IDs are made on: the mailbox's."""
    return address.rpartition("@")[2] or "oss-inbox.local"


def _trimmed(chain):
    return chain if len(chain) <= MAX_REFERENCES else [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
