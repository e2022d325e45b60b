"""Reads for the organization pages: the list, contacts, tickets and the account's SLA record.

Every function runs a fixed number of queries whatever the account's size (no N+1): lists are
bounded, related rows come through select_related, prefetch_related or annotations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from typing import TYPE_CHECKING

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Substr
from django.utils import timezone

from channels.registry import thread_channel_words
from oss_inbox.errors import get_or_404
from oss_inbox.sla.timers import span_words
from oss_inbox.tickets.models import OPEN_STATUSES, Identity, Message, Organization, Ticket

from .permissions import may_view_accounts, require

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from oss_inbox.tickets.models import Contact

OPEN_TICKETS_SHOWN = 50
PAST_TICKETS_SHOWN = 20
CONTACTS_SHOWN = 100
RECORD_DAYS = 90
OPENING_CHARS = 120


def organization_rows() -> QuerySet[Organization]:
    """Every organization, key accounts first, with its managers and its open tickets counted."""
    return (
        Organization.objects.select_related("account_manager", "backup_manager")
        .annotate(
            open_tickets=Count(
                "contacts__tickets", filter=Q(contacts__tickets__status__in=OPEN_STATUSES), distinct=True
            ),
            contact_count=Count("contacts", distinct=True),
        )
        .order_by("-is_key_account", "name")
    )


def organization_for_user(user: User, organization_id: int) -> Organization:
    """The organization, with its managers, if the user may look at organizations at all."""
    require(may_view_accounts(user))
    queryset = Organization.objects.select_related("account_manager", "backup_manager")
    return get_or_404(queryset, f"No organization #{organization_id}.", pk=organization_id)


def organization_contacts(organization: Organization) -> list[Contact]:
    """Its contacts (merged ones left out) with their identities: two queries."""
    identities = Prefetch("identities", queryset=Identity.objects.order_by("kind", "external_id"))
    contacts = organization.contacts.filter(merged_into=None).prefetch_related(identities)
    return list(contacts.annotate(ticket_count=Count("tickets"))[:CONTACTS_SHOWN])


def organization_tickets(organization: Organization) -> tuple[list[Ticket], list[Ticket], int]:
    """(open tickets, most recent past tickets, how many past ones there are), each row with its channel."""
    tickets = with_title(Ticket.objects.filter(contact__organization=organization))
    tickets = tickets.select_related("account", "contact", "assignee")
    open_rows = list(
        tickets.filter(status__in=OPEN_STATUSES).order_by("sla_due_at", "id")[:OPEN_TICKETS_SHOWN]
    )
    past = tickets.exclude(status__in=OPEN_STATUSES)
    past_rows = list(past.order_by("-resolved_at", "-id")[:PAST_TICKETS_SHOWN])
    for ticket in (*open_rows, *past_rows):
        ticket.channel_slug, ticket.channel_label = thread_channel_words(ticket.thread_key)
        ticket.title = ticket_title(ticket)
    return open_rows, past_rows, past.count()


def with_title(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Annotate `title`: the subject, or for posts and chats (which have none) the start of the
    customer's first message, read in the same query."""
    first = Message.objects.filter(ticket=OuterRef("pk"), direction=Message.Direction.INBOUND).order_by(
        "sent_at", "id"
    )
    tickets = tickets.annotate(
        opening=Subquery(first.annotate(start=Substr("text", 1, OPENING_CHARS)).values("start")[:1])
    )
    return tickets


def ticket_title(ticket: Ticket) -> str:
    text = ticket.subject or (getattr(ticket, "opening", "") or "").split("\n", 1)[0]
    return text if len(text) <= 80 else text[:79].rstrip() + "…"


@dataclass(frozen=True)
class SlaRecord:
    """The first-response record of the tickets opened in one period."""

    label: str
    tickets: int
    on_time: int
    late: int  # answered after the due time, or still unanswered past it
    median_first_response: timedelta | None

    @property
    def on_time_percent(self) -> int | None:
        judged = self.on_time + self.late
        return round(100 * self.on_time / judged) if judged else None

    @property
    def median_words(self) -> str:
        return span_words(self.median_first_response) if self.median_first_response is not None else "—"


def first_response_judged(now: datetime) -> tuple[Q, Q]:
    """(on time, late) as conditions on tickets, the rule of every key-account SLA figure.

    On time: the first response came by its due time. Late: it came after, or the due time has
    passed without one. A ticket with no due time, or still inside its target, is neither.
    """
    has_target = Q(first_response_due_at__isnull=False)
    on_time = has_target & Q(first_response_at__lte=F("first_response_due_at"))
    late = has_target & (
        Q(first_response_at__gt=F("first_response_due_at"))
        | Q(first_response_at__isnull=True, first_response_due_at__lt=now)
    )
    return on_time, late


def sla_record(organization: Organization, *, now: datetime | None = None) -> list[SlaRecord]:
    """The record over the last 90 days and over this year (local calendar): two queries."""
    now = now or timezone.now()
    year_start = timezone.localtime(now).replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    periods = (
        (f"Last {RECORD_DAYS} days", now - timedelta(days=RECORD_DAYS)),
        (f"This year ({year_start.year})", year_start),
    )
    on_time, late = first_response_judged(now)
    counts = {}
    for number, (_, start) in enumerate(periods):
        period = Q(created_at__gte=start)
        counts |= {f"tickets{number}": Count("pk", filter=period),
                   f"on_time{number}": Count("pk", filter=period & on_time),
                   f"late{number}": Count("pk", filter=period & late)}  # fmt: skip
    tickets = Ticket.objects.filter(
        contact__organization=organization, created_at__gte=min(start for _, start in periods)
    )
    figures = tickets.aggregate(**counts)
    answered = list(
        tickets.filter(first_response_at__isnull=False).values_list("created_at", "first_response_at")
    )
    return [
        SlaRecord(label, figures[f"tickets{number}"], figures[f"on_time{number}"], figures[f"late{number}"],
                  _median_wait([answer - created for created, answer in answered if created >= start]))
        for number, (label, start) in enumerate(periods)
    ]  # fmt: skip


def _median_wait(waits):
    """The middle wait (the mean of the two middle ones for an even count), None without answers."""
    seconds = [wait.total_seconds() for wait in waits]
    return timedelta(seconds=median(seconds)) if seconds else None
