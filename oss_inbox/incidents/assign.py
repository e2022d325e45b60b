"""Outage reports grouped into incidents: the writes of incidents' membership.

`outage_reports_read(message_ids)`, for each customer message (a worker runs it after ingest):
1. The outage detector reads its subject and text (outage.py); not an outage: nothing more.
2. Its places are found in the gazetteer and narrowed down to areas (places.py); an OutageReport
   records them, once per message.
3. `incident_for_report`: the open incident of the report's area, or of one of the areas its places
   allow; the ticket joins it (`incident_ticket_link`, by the detector).
4. Otherwise, when its places name one area and it is recent (PROPOSE_WITHIN), the spike detector
   counts that area's reports of the last INCIDENT_SPIKE_MINUTES not in an incident: at
   INCIDENT_SPIKE_REPORTS tickets it proposes an incident (investigating, proposed, for a supervisor to
   confirm) and links them all, and the window's reports whose places allow this area among others
   (they do not count towards the spike). In storm mode with `auto_confirm`, the proposal is confirmed
   at once, and a waiting one when a report joins it ("Confirmed automatically: storm mode").
5. Once the batch is committed, storm mode's acknowledgement of the reports (storm_acks.py).

Idempotent: the report is unique per message, a ticket is in one incident at a time (a constraint),
and the area's row is locked while its spike is counted, so two workers proposing at once propose once.
The detector never links a ticket a person took out of an incident: they decided.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from oss_inbox.sla.storm_state import current_storm
from oss_inbox.tickets.models import Message

from .gazetteer import current_gazetteer
from .models import Area, Incident, IncidentTicket, IncidentUpdate, OutageReport
from .outage import detect_outage
from .places import Whereabouts, find_places, narrow_areas
from .storm_acks import storm_acks_send

LinkedBy = IncidentTicket.LinkedBy
SWEEP_BACK = timedelta(minutes=10)
SWEEP_ROWS = 20_000  # more messages than a storm's ten minutes bring
# The detector links no ticket in an incident, nor one a person took out of one (they decided).
DETECTOR_KEEPS_OUT = Q(unlinked_at__isnull=True) | Q(unlinked_by__isnull=False)
# A report older than this when read (a poll catching up on last night's mentions) joins an open
# incident but proposes none: a storm long over is no incident to confirm now.
PROPOSE_WITHIN = timedelta(hours=1)
STORM_CONFIRMED = "Confirmed automatically: storm mode."


def outage_reports_read(message_ids: list[int]) -> int:
    """Read these messages as outage reports and group them; the number of new reports."""
    messages = Message.objects.filter(pk__in=message_ids, direction=Message.Direction.INBOUND).only(
        "id", "ticket_id", "subject", "text", "sent_at"
    )
    done = set(OutageReport.objects.filter(message_id__in=message_ids).values_list("message_id", flat=True))
    gazetteer, new = current_gazetteer(), 0
    with transaction.atomic():  # one commit for the batch: a storm's reports arrive by the hundred
        for message in messages:
            if message.pk not in done and _report_read(message, gazetteer):
                new += 1
    # Every report of the batch, not only the new ones: a run that died after the commit and before
    # its acknowledgements sends them when the task runs again (each ticket's is sent once).
    storm_acks_send(message_ids)
    return new


def recent_unread_ids(now: datetime | None = None) -> list[int]:
    """Customers' messages of the last SWEEP_BACK that read as outages and have no OutageReport (their
    task was lost), for the sweep: an id range from the newest message down, never the history."""
    if not Area.objects.exists():
        return []
    newest = Message.objects.aggregate(newest=Max("pk"))["newest"] or 0
    recent = Message.objects.filter(
        pk__gt=newest - SWEEP_ROWS,
        created_at__gte=(now or timezone.now()) - SWEEP_BACK,
        direction=Message.Direction.INBOUND,
        is_automatic=False,
    ).exclude(pk__in=OutageReport.objects.filter(message_id__gt=newest - SWEEP_ROWS).values("message_id"))
    rows = recent.values_list("pk", "subject", "text")
    return [pk for pk, subject, text in rows if detect_outage(message_text(subject, text))]


def message_text(subject: str, text: str) -> str:
    """What the detectors read of a message: an email's subject is often the whole report."""
    return f"{subject}\n{text}" if subject else text


def _report_read(message, gazetteer) -> bool:
    detection = detect_outage(message_text(message.subject, message.text))
    if detection is None:
        return False
    where = narrow_areas(find_places(message_text(message.subject, message.text), gazetteer))
    if where.area_id is None:
        where = _where_they_were(message, where)
    report = OutageReport(message_id=message.pk, **_report_fields(message, detection, where))
    # Once per message, without a savepoint: a report another worker stored a moment ago is left as it
    # is, and grouping it again links nothing twice.
    OutageReport.objects.bulk_create([report], ignore_conflicts=True)
    _group(report, where)
    return True


def _where_they_were(message, where: Whereabouts) -> Whereabouts:
    """A report that names no one area ("power's out again!") from a customer whose earlier report was
    placed (they named their street, or answered "where are you?", this storm or a storm before) is
    placed there too: people report from home. Only within what this report allows, when it allows
    several ("Jefferson St" without its town). One query, for reports that need it only."""
    earlier = (
        OutageReport.objects.filter(ticket__contact__tickets__pk=message.ticket_id, area__isnull=False)
        .exclude(message_id=message.pk)
        .order_by("-received_at")
        .values_list("area_id", "area__name")
        .first()
    )
    if earlier is None or (where.area_ids and earlier[0] not in where.area_ids):
        return where
    return Whereabouts(
        found=where.found,
        area_ids=frozenset({earlier[0]}),
        why=f"{where.why}; this customer's earlier report was placed in {earlier[1]}",
    )


def _report_fields(message, detection, where: Whereabouts):
    return {
        "ticket_id": message.ticket_id,
        "area_id": where.area_id,
        "candidate_areas": sorted(where.area_ids),
        "places": [{"kind": found.kind, "written": found.written, "why": found.why} for found in where.found],
        "matched": detection.matched[:200],
        "why": f"{detection.why}; where: {where.why}",
        "received_at": message.sent_at,
    }


def _group(report, where):
    incident = incident_for_report(where.area_ids, preferred_area_id=where.area_id)
    if incident is not None:
        incident_ticket_link(incident, report.ticket_id, by=LinkedBy.DETECTOR, now=report.received_at)
        if incident.proposed:  # storm mode switched on while it waited for a supervisor
            incident_confirm_in_storm(incident, now=timezone.now())
    elif where.area_id is not None and timezone.now() - report.received_at <= PROPOSE_WITHIN:
        incident_propose_if_spike(where.area_id, now=report.received_at)


def incident_for_report(area_ids, *, preferred_area_id: int | None = None) -> Incident | None:
    """The open incident a report from these areas joins: its own area's first, else the one of its
    possible areas that groups the most tickets (a ZIP over three feeders, one of them out)."""
    open_incidents = list(Incident.objects.open().filter(area_id__in=area_ids).order_by("created_at"))
    if not open_incidents:
        return None
    own = [incident for incident in open_incidents if incident.area_id == preferred_area_id]
    if own:
        return own[0]
    if len(open_incidents) == 1:
        return open_incidents[0]
    sizes = _open_link_counts([incident.pk for incident in open_incidents])
    return max(
        open_incidents, key=lambda incident: (sizes.get(incident.pk, 0), -incident.created_at.timestamp())
    )


def _open_link_counts(incident_ids):
    counts = {}
    links = IncidentTicket.objects.filter(incident_id__in=incident_ids, unlinked_at__isnull=True)
    for incident_id in links.values_list("incident_id", flat=True):
        counts[incident_id] = counts.get(incident_id, 0) + 1
    return counts


def incident_propose_if_spike(area_id: int, *, now: datetime) -> Incident | None:
    """Propose an incident in the area when INCIDENT_SPIKE_REPORTS tickets reported an outage there
    within INCIDENT_SPIKE_MINUTES up to `now`, none of them in an incident; link them. The incident,
    or None below the threshold (or when one is open there: the reports join it)."""
    with transaction.atomic():
        area = Area.objects.select_for_update().get(pk=area_id)  # one worker counts an area at a time
        existing = incident_for_report([area_id], preferred_area_id=area_id)
        if existing is not None:  # another worker proposed it meanwhile: join it
            for ticket_id in _waiting_tickets(area_id, now):
                incident_ticket_link(existing, ticket_id, by=LinkedBy.DETECTOR, now=now)
            return None
        tickets = _waiting_tickets(area_id, now)
        if len(tickets) < settings.INCIDENT_SPIKE_REPORTS:
            return None
        wider = sorted(set(_waiting_tickets(area_id, now, maybe_here=True)) - set(tickets))
        storm = current_storm()
        confirmed = storm is not None and storm.auto_confirm
        incident = Incident.objects.create(
            title=f"Outage in {area.name}", area=area, proposed=not confirmed, created_at=now,
            confirmed_at=now if confirmed else None,
        )  # fmt: skip
        IncidentUpdate.objects.create(
            incident=incident, status=incident.status, created_at=now,
            text=f"Proposed by the outage detector: {len(tickets)} customers reported an outage in "
            f"{area.name} within {settings.INCIDENT_SPIKE_MINUTES} minutes.",
        )  # fmt: skip
        if confirmed:
            IncidentUpdate.objects.create(
                incident=incident, status=incident.status, created_at=now, text=STORM_CONFIRMED
            )
        for ticket_id in (*tickets, *wider):
            incident_ticket_link(incident, ticket_id, by=LinkedBy.DETECTOR, now=now)
    return incident


def incident_confirm_in_storm(incident: Incident, *, now: datetime) -> bool:
    """Confirm a waiting proposal by itself while storm mode says so (`auto_confirm`): no supervisor
    (`confirmed_by` empty), a timeline entry saying why. False when storm mode does not, or it is
    confirmed or closed already."""
    storm = current_storm()
    if storm is None or not storm.auto_confirm:
        return False
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if not (incident.proposed and incident.is_open):
            return False
        incident.proposed, incident.confirmed_at, incident.confirmed_by = False, now, None
        incident.save(update_fields=["proposed", "confirmed_at", "confirmed_by"])
        IncidentUpdate.objects.create(
            incident=incident, status=incident.status, etr=incident.etr, created_at=now, text=STORM_CONFIRMED
        )
    return True


def _waiting_tickets(area_id, now, *, maybe_here=False):
    """The tickets that reported an outage in the area within the window and are in no incident (a
    dismissed proposal's count again: nobody took them out one by one);
    with `maybe_here`, also those whose places allow this area among others ("the whole of Harlan"):
    they join an incident of the area as a later such report would, but never count towards its spike."""
    since = now - timedelta(minutes=settings.INCIDENT_SPIKE_MINUTES)
    recent = OutageReport.objects.filter(received_at__gt=since, received_at__lte=now)
    ticket_ids = set(recent.filter(area_id=area_id).values_list("ticket_id", flat=True))
    if maybe_here:
        wider = recent.filter(area__isnull=True).values_list("ticket_id", "candidate_areas")
        ticket_ids.update(ticket_id for ticket_id, areas in wider if area_id in areas)
    kept_out = IncidentTicket.objects.filter(DETECTOR_KEEPS_OUT, ticket_id__in=ticket_ids)
    return sorted(ticket_ids - set(kept_out.values_list("ticket_id", flat=True)))


def incident_ticket_link(incident: Incident, ticket_id: int, *, by: str, user=None, now=None) -> bool:
    """Put the ticket in the incident; False when it is in one already (or, for the detector, when a
    person ever took it out of one: they decided)."""
    blocking = DETECTOR_KEEPS_OUT if by == LinkedBy.DETECTOR else Q(unlinked_at__isnull=True)
    if IncidentTicket.objects.filter(blocking, ticket_id=ticket_id).exists():
        return False
    link = IncidentTicket(
        incident=incident,
        ticket_id=ticket_id,
        linked_by=by,
        linked_by_user=user,
        linked_at=now or timezone.now(),
    )
    # The constraint (one open link per ticket) drops a link another worker made a moment ago, without
    # a savepoint and without undoing the caller's work.
    IncidentTicket.objects.bulk_create([link], ignore_conflicts=True)
    return True


def incident_ticket_unlink(ticket_id: int, *, user=None, now=None) -> bool:
    """Take the ticket out of its incident (its row stays, as history); False when it is in none."""
    changed = IncidentTicket.objects.filter(ticket_id=ticket_id, unlinked_at__isnull=True).update(
        unlinked_at=now or timezone.now(), unlinked_by=user
    )
    return bool(changed)


def incident_ticket_move(incident: Incident, ticket_id: int, *, by: str, user=None, now=None) -> None:
    """An agent or supervisor moves the ticket into this incident, out of any other."""
    now = now or timezone.now()
    with transaction.atomic():
        current = IncidentTicket.objects.filter(ticket_id=ticket_id, unlinked_at__isnull=True).first()
        if current is not None and current.incident_id == incident.pk:
            return
        incident_ticket_unlink(ticket_id, user=user, now=now)
        incident_ticket_link(incident, ticket_id, by=by, user=user, now=now)
