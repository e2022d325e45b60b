"""Everything that happened with an organization, newest first: tickets opened and resolved, and
its account events (notices, quarterly updates, plan and account changes).

The three sources are separate tables, so a page is the merge of the newest rows of each: page n
reads at most n * size + 1 rows from each source (three queries), and its cost grows with the page
number, not with the account's history. People rarely page far back on a timeline.
"""

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse

from oss_inbox.tickets.models import Ticket

from .selectors import ticket_title, with_title

PAGE_SIZE = 25


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # an AccountEvent kind, or "ticket_opened" / "ticket_resolved"
    label: str
    summary: str
    url: str = ""
    actor: str = ""


@dataclass(frozen=True)
class TimelinePage:
    entries: list
    number: int
    has_next: bool


def organization_timeline(organization, *, page=1, size=PAGE_SIZE):
    """One page of the organization's timeline (pages count from 1)."""
    page = max(1, page)
    wanted = page * size + 1
    tickets = with_title(Ticket.objects.filter(contact__organization=organization)).select_related("contact")
    opened = [_opened(ticket) for ticket in tickets.order_by("-created_at", "-id")[:wanted]]
    resolved = [
        _resolved(ticket)
        for ticket in tickets.exclude(resolved_at=None).order_by("-resolved_at", "-id")[:wanted]
    ]
    events = organization.account_events.select_related("actor").order_by("-created_at", "-id")[:wanted]
    merged = sorted([*opened, *resolved, *map(_event, events)], key=lambda entry: entry.at, reverse=True)
    start = (page - 1) * size
    return TimelinePage(merged[start : start + size], page, len(merged) > start + size)


def _opened(ticket):
    who = ticket.contact.name or f"Contact #{ticket.contact_id}"
    return Entry(
        ticket.created_at,
        "ticket_opened",
        "Ticket opened",
        f"{_title(ticket)} — from {who}",
        reverse("inbox:ticket", args=[ticket.pk]),
    )


def _resolved(ticket):
    return Entry(
        ticket.resolved_at,
        "ticket_resolved",
        "Ticket resolved",
        _title(ticket),
        reverse("inbox:ticket", args=[ticket.pk]),
    )


def _title(ticket):
    title = ticket_title(ticket)
    return f"#{ticket.pk} {title}" if title else f"#{ticket.pk}"


def _event(event):
    actor = (event.actor.get_full_name() or event.actor.get_username()) if event.actor else ""
    return Entry(
        event.created_at, event.kind, event.get_kind_display(), event.summary, _event_url(event), actor
    )


def _event_url(event):
    """The page the entry is about: the reply's ticket, the update or notice sent, the plan's year."""
    data = event.data or {}
    if data.get("ticket"):
        return reverse("inbox:ticket", args=[data["ticket"]])
    if data.get("update"):
        return reverse("keyaccounts:update", args=[data["update"]])
    if data.get("notice"):
        return reverse("keyaccounts:notice", args=[data["notice"]])
    if event.kind == event.Kind.PLAN and data.get("year"):
        return reverse("keyaccounts:plan", args=[event.organization_id, data["year"]])
    return ""
