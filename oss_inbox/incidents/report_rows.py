"""The post-event report's reads: a handful of grouped queries over a scope's tickets (one incident, or
the incidents a storm period saw), whatever their number, and the figures report.py makes of them.

A scope's tickets are its incidents' links that no person undid (`unlinked_by` empty): linked now, or
closed by the system (restoration). A ticket an agent moved out is not counted: they said it was no
part of this outage. Incidents dismissed or merged away are records, not outages, and are left out of
a storm period (a merged incident's tickets are counted in the one it was merged into).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Min, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, Greatest, Trunc

from oss_inbox.sla.models import CoverageSchedule, StormPeriod
from oss_inbox.tickets.models import Message, Ticket, TicketEvent

from . import report
from .models import Incident, IncidentDelivery, IncidentTicket, IncidentUpdate, OutageReport

Status = Incident.Status
NOT_OUTAGES = (Status.DISMISSED, Status.MERGED)
KIND_LABELS = dict(Message.Kind.choices)


@dataclass
class Scope:
    """What a report is about: one incident, or a storm period and the incidents created within it."""

    kind: str  # "incident" | "storm"
    pk: int
    title: str
    start: datetime
    end: datetime | None  # None: not over yet
    incidents: list


@dataclass
class Report:
    scope: Scope
    zone: ZoneInfo
    generated_at: datetime
    tickets: int = 0
    hours: list = field(default_factory=list)  # report.HourRow
    kinds: list = field(default_factory=list)  # [(kind, label)] in the hours' columns
    first_response: report.Summary | None = None
    first_update: report.Summary | None = None
    updates: list = field(default_factory=list)  # [(IncidentUpdate, UpdateCounts)]
    tickets_reached: int = 0
    contacts_reached: int = 0
    backlog: list = field(default_factory=list)  # [(instant, open tickets)]
    backlog_step: object = None
    incidents: list = field(default_factory=list)  # [{incident, restoration seconds, ...}]
    etr_changes: list = field(default_factory=list)  # [(incident, at, etr, status, who)]
    restoration: report.Summary | None = None  # over the incidents restored; `missing`: not yet
    customers_out: int | None = None  # the incidents' last recorded counts, added up


def report_zone() -> ZoneInfo:
    """The coverage schedule's zone (the team's hours are counted in it), else the site's."""
    zone = CoverageSchedule.objects.filter(is_default=True).values_list("timezone", flat=True).first()
    return ZoneInfo(zone or settings.TIME_ZONE)


def incident_scope(incident: Incident) -> Scope:
    return Scope(
        "incident", incident.pk, incident.title, incident.created_at, incident.restored_at, [incident]
    )


def storm_scope(storm: StormPeriod, now: datetime) -> Scope:
    incidents = list(
        Incident.objects.filter(created_at__gte=storm.started_at, created_at__lt=storm.ended_at or now)
        .exclude(status__in=NOT_OUTAGES)
        .select_related("area")
        .order_by("created_at", "id")
    )
    title = f"Storm mode from {storm.started_at.astimezone(report_zone()):%b %-d, %Y %-I:%M %p}"
    return Scope("storm", storm.pk, title, storm.started_at, storm.ended_at, incidents)


def build_report(scope: Scope, *, now: datetime) -> Report:
    """Every figure of the scope: about ten queries, whatever the number of tickets."""
    result = Report(scope=scope, zone=report_zone(), generated_at=now)
    incident_ids = _with_merged([incident.pk for incident in scope.incidents])
    links = _links(incident_ids)
    counted = IncidentTicket.objects.filter(incident_id__in=incident_ids, unlinked_by__isnull=True)
    ticket_ids = counted.values("ticket_id")
    tickets = {pk: (created, status, resolved) for pk, created, status, resolved in _tickets(ticket_ids)}
    result.tickets = len(tickets)
    _hours(result, ticket_ids)
    created = {pk: row[0] for pk, row in tickets.items()}
    result.first_response = report.first_response(created, _first_replies(ticket_ids, incident_ids))
    joined = {}
    for ticket, _incident, linked_at, _unlinked, by_person in links:
        if not by_person and (ticket not in joined or linked_at < joined[ticket]):
            joined[ticket] = linked_at
    first_updates, result.tickets_reached, result.contacts_reached = _updates_sent(incident_ids)
    result.first_update = report.first_update(joined, first_updates)
    _timeline(result, incident_ids)
    _backlog(result, links, tickets, ticket_ids, now)
    _restoration(result)
    return result


def _with_merged(incident_ids):
    """The incidents and those merged into them (and into those): a merged incident's links, when its
    tickets joined, and the updates they were sent before the merge are the survivor's history."""
    ids, found = set(incident_ids), set(incident_ids)
    while found:
        found = set(Incident.objects.filter(merged_into__in=found).values_list("pk", flat=True)) - ids
        ids |= found
    return sorted(ids)


def _links(incident_ids):
    """Every membership row, also those a person undid (the backlog counts a ticket while it was in)."""
    rows = IncidentTicket.objects.filter(incident_id__in=incident_ids).values_list(
        "ticket_id", "incident_id", "linked_at", "unlinked_at", "unlinked_by_id"
    )
    return [
        (ticket, incident, linked, unlinked, by is not None)
        for ticket, incident, linked, unlinked, by in rows
    ]


def _tickets(ticket_ids):
    return Ticket.objects.filter(pk__in=ticket_ids).values_list("pk", "created_at", "status", "resolved_at")


def _hours(result, ticket_ids):
    rows = (
        OutageReport.objects.filter(ticket_id__in=ticket_ids)
        .annotate(hour=Trunc("received_at", "hour", tzinfo=UTC))
        .values_list("hour", "message__kind")
        .annotate(reports=Count("id"))
        .order_by()
    )
    counts = {(hour.astimezone(UTC), kind): number for hour, kind, number in rows}
    result.hours = report.reports_per_hour(counts, result.zone)
    kinds = sorted({kind for _, kind in counts})
    result.kinds = [(kind, KIND_LABELS.get(kind, kind)) for kind in kinds]


def _first_replies(ticket_ids, incident_ids):
    """{ticket: a person's first reply}: outbound, not automatic, not failed for good, no broadcast."""
    broadcasts = IncidentDelivery.objects.filter(
        update__incident_id__in=incident_ids, message__isnull=False
    ).values("message_id")
    replies = (
        Message.objects.filter(
            ticket_id__in=ticket_ids, direction=Message.Direction.OUTBOUND, is_automatic=False
        )
        .exclude(delivery_state=Message.Delivery.FAILED)
        .exclude(pk__in=broadcasts)
        .values_list("ticket_id")
        .annotate(first=Min("sent_at"))
        .order_by()
    )
    return dict(replies)


def _updates_sent(incident_ids):
    """({ticket: its first update sent}, tickets reached, customers reached). An update's time is when
    its reply could first leave: queued (`sent_at`), or its paced slot (`send_at`) when later."""
    went_out = Greatest("message__sent_at", Coalesce("send_at", "message__sent_at"))
    sent = (
        IncidentDelivery.objects.filter(
            update__incident_id__in=incident_ids,
            state=IncidentDelivery.State.QUEUED,
            message__delivery_state=Message.Delivery.SENT,
        )
        .values_list("ticket_id", "ticket__contact_id")
        .annotate(first=Min(went_out))
        .order_by()
    )
    first, contacts = {}, set()
    for ticket, contact, at in sent:
        first[ticket] = at
        contacts.add(contact)
    return first, len(first), len(contacts)


def _timeline(result, incident_ids):
    """The broadcast updates with their delivery counts, and each incident's ETR changes."""
    updates = list(
        IncidentUpdate.objects.filter(incident_id__in=incident_ids)
        .select_related("author", "incident")
        .order_by("created_at", "id")
    )
    broadcast = [update for update in updates if update.broadcast]
    rows = (
        IncidentDelivery.objects.filter(update_id__in=[update.pk for update in broadcast])
        .values_list("update_id", "state", "message__delivery_state", "reason")
        .annotate(rows=Count("id"))
        .order_by()
    )
    counts = report.update_counts(rows)
    result.updates = [(update, counts.get(update.pk, report.UpdateCounts())) for update in broadcast]
    by_incident = defaultdict(list)
    for update in updates:
        who = update.author.get_full_name() or update.author.get_username() if update.author else "the system"
        by_incident[update.incident_id].append(
            (update.created_at, update.etr, update.get_status_display(), who)
        )
    for incident in result.scope.incidents:
        for at, etr, status, who in report.etr_history(by_incident[incident.pk]):
            result.etr_changes.append((incident, at, etr, status, who))


def _backlog(result, links, tickets, ticket_ids, now):
    changes = defaultdict(list)
    # Only the changes into and out of resolved, read in the database: no JSON decoded per event.
    events = (
        TicketEvent.objects.filter(ticket_id__in=ticket_ids)
        .filter(
            Q(kind=TicketEvent.Kind.REOPENED)
            | Q(kind=TicketEvent.Kind.STATUS, data__to="resolved")
            | Q(kind=TicketEvent.Kind.STATUS, data__from="resolved")
        )
        .values_list("ticket_id", KT("data__to"), "created_at")
    )
    for ticket, to, at in events:
        changes[ticket].append((at, "resolved" if to == "resolved" else "reopened"))
    spans = {}
    for pk, (created, status, resolved_at) in tickets.items():
        closed_at = resolved_at if status == Ticket.Status.RESOLVED else None
        spans[pk] = report.open_spans(created, changes.get(pk, []), closed_at)
    memberships = [(ticket, linked, unlinked) for ticket, _, linked, unlinked, _ in links if ticket in spans]
    start = min([result.scope.start, *(linked for _, linked, _ in memberships)])
    last = report.last_change(memberships, spans)
    # A report of what is over runs until the backlog last moved (tickets resolved after restoration).
    end = now if result.scope.end is None else min(now, max(filter(None, [result.scope.end, last])))
    step = result.backlog_step = report.backlog_step(start, end)
    times = report.sample_times(start, end, step)  # ends on `end`: the backlog now, or after its last move
    result.backlog = list(zip(times, report.backlog(memberships, spans, times), strict=True))


def _restoration(result):
    for incident in result.scope.incidents:
        result.incidents.append(
            {
                "incident": incident,
                "restoration_seconds": report.restoration_seconds(incident.created_at, incident.restored_at),
            }
        )
    seconds = [line["restoration_seconds"] for line in result.incidents]
    restored = [value for value in seconds if value is not None]
    result.restoration = report.summarise(restored, missing=len(seconds) - len(restored))
    counts = [
        incident.customers_out for incident in result.scope.incidents if incident.customers_out is not None
    ]
    result.customers_out = sum(counts) if counts else None


def storm_periods():
    return StormPeriod.objects.select_related("started_by", "ended_by").order_by("-started_at")
