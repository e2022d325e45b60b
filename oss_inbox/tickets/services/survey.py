"""Satisfaction surveys on the ticket (the oss_inbox.surveys app decides when and what).

The survey leaves through the one outbox as an automatic reply: no answer, so it neither reopens
the ticket nor starts or stops a response clock; its timeline entry is a survey event. A rating is
a survey event too. A Messenger quick-reply answer is put on the ticket by ingest (batch.py),
without reopening it.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from ..models import Message, Ticket, TicketEvent
from .lifecycle import _change, ticket_reply


def ticket_survey_send(*, ticket: Ticket, text: str, context: dict, now: datetime | None = None) -> Message:
    """Queue the survey on the ticket's channel (raises ReplyRefused as any reply would)."""
    return ticket_reply(
        ticket=ticket, author=None, text=text, sent_at=now, automatic=True,
        context=context, event_kind=TicketEvent.Kind.SURVEY,
    )  # fmt: skip


@transaction.atomic
def ticket_survey_rated(*, ticket: Ticket, data: dict) -> TicketEvent:
    """The customer's rating (and comment) on the ticket's timeline."""
    [event] = _change(ticket, lambda ticket: [(TicketEvent.Kind.SURVEY, data)])
    return event
