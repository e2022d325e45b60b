"""Where a ticket's survey goes, or why it goes nowhere. Reads the ticket; writes nothing.

- Email: a mail with five one-click ratings, answering the customer's last email.
- Messenger: quick replies, only inside Messenger's 24-hour window after the customer's last
  message (a message outside it needs a tag Facebook reserves for other purposes).
- X: a DM with the survey's link, only when the conversation was a DM; never a public reply.
- Never: a public Facebook comment or post, an X mention; a ticket whose customer wrote nothing
  but auto-replies or bounces, or whose last word was one (a dead address, someone away); a
  ticket resolved without an answer; a safety report (someone's life or property was at risk:
  a rating request is the wrong next message, and such tickets are measured on the dashboard's
  safety section); anything while surveys are paused (storm mode).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from oss_inbox.tickets.models import Message, Ticket

from .models import Survey

MESSENGER_WINDOW = timedelta(hours=24)
# The survey is queued now and delivered within seconds; the margin keeps it inside the window.
MESSENGER_MARGIN = timedelta(minutes=15)

REASONS = {
    "paused": "Surveys were paused (storm mode)",
    "safety": "A safety report: no survey",
    "no_customer": "The customer wrote nothing but auto-replies or bounces",
    "automatic_last": "The last word on the ticket was an auto-reply or a bounce",
    "unanswered": "Resolved without an answer to the customer",
    "mention": "A public X conversation (surveys go by DM only)",
    "public_facebook": "A public Facebook comment or post (surveys go by Messenger only)",
    "messenger_window": "Outside Messenger's 24-hour window",
    "channel": "This channel takes no survey",
}


@dataclass(frozen=True)
class Plan:
    channel: str = ""
    skipped: str = ""


def plan_for(ticket: Ticket, now: datetime, *, paused: bool = False) -> Plan:
    if paused:
        return _skip("paused")
    if ticket.safety:
        return _skip("safety")
    inbound = ticket.messages.filter(direction=Message.Direction.INBOUND).order_by("-sent_at", "-id")
    last = inbound.only("is_automatic").first()
    customer = inbound.filter(is_automatic=False).only("kind", "sent_at").first()
    if customer is None:
        return _skip("no_customer")
    if last.is_automatic:
        return _skip("automatic_last")
    if ticket.first_response_at is None:
        return _skip("unanswered")
    return _by_channel(customer, now)


def _by_channel(customer, now):
    kind = customer.kind
    if kind == Message.Kind.EMAIL:
        return Plan(channel=Survey.Channel.EMAIL)
    if kind == Message.Kind.DM:
        return Plan(channel=Survey.Channel.X_DM)
    if kind == Message.Kind.MENTION:
        return _skip("mention")
    if kind in (Message.Kind.COMMENT, Message.Kind.POST):
        return _skip("public_facebook")
    if kind == Message.Kind.MESSENGER:
        if now - customer.sent_at > MESSENGER_WINDOW - MESSENGER_MARGIN:
            return _skip("messenger_window")
        return Plan(channel=Survey.Channel.MESSENGER)
    return _skip("channel")


def _skip(reason):
    return Plan(skipped=REASONS[reason])
