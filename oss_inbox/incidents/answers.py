"""Reports that name no place: the customer is asked where they are, and their answer places them.

A report that names no place ("Power's out again, when is it coming back?"), or a street the
gazetteer has in several towns ("No lights on Jefferson St"), narrows to no single area: it joins no
incident, or the open one of its possible areas that groups the most tickets, which may be the wrong
one. Storm mode's acknowledgement asks for the place (storm_acks.py); outside storm
mode an agent asks. Either way the customer's next message is read here:

1. `answer_message_ids(messages)`, ingest's `inbound_stored`: the batch's messages on a ticket whose
   outage reports have no area. One query per batch; the task does the rest.
2. `place_answers_read(message_ids)`, the worker: the ticket's reports and the answer are read for
   places together ("Jefferson St" then "Fairview": the Jefferson St of Fairview). When they narrow
   to one area, the reports take it (what was found in the answer and why appended to theirs), and
   the ticket joins that area's open incident, leaving the wrong one (the old link closed with
   `unlinked_by` empty: history kept), or counts towards its spike when it has none yet.
   An answer that narrows nothing changes nothing: the agent still sees the ticket.
3. `late_answers_read(message_ids)`, after the worker read a batch of reports: an X author's profile
   location ("Harlan, KS") is read as the town of a street named without one (`profile_hints_read`),
   and an answer that came before its report was read (the worker behind in a storm) is read then;
   beat's `sweep_place_answers` reads the last ten minutes' answers again in case a task was lost.
The detector never moves a ticket a person linked or took out of an incident: they decided.
Idempotent: a report that has an area is no longer read for answers, and a move to where the ticket
is changes nothing.
"""

from datetime import datetime, timedelta

from celery import shared_task
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from oss_inbox.tickets.models import Message

from .assign import (
    PROPOSE_WITHIN,
    incident_for_report,
    incident_propose_if_spike,
    incident_ticket_link,
    message_text,
)
from .gazetteer import current_gazetteer
from .models import IncidentTicket, OutageReport
from .places import Whereabouts, find_places, narrow_areas

LinkedBy = IncidentTicket.LinkedBy
SWEEP_BACK = timedelta(minutes=10)
SWEEP_ROWS = 20_000


def answer_message_ids(messages) -> list[int]:
    """ingest's inbound_stored: the customers' messages on tickets whose outage reports name no single
    area, written after such a report. One query per batch."""
    ticket_ids = {message.ticket_id for message in messages}
    if not ticket_ids:
        return []
    unplaced = _unplaced_since(ticket_ids)
    return [
        message.pk
        for message in messages
        if message.ticket_id in unplaced and unplaced[message.ticket_id] < message.sent_at
    ]


def _unplaced_since(ticket_ids) -> dict[int, datetime]:
    """{ticket id: its first outage report's time} for tickets none of whose reports has an area."""
    rows = OutageReport.objects.filter(ticket_id__in=ticket_ids)
    rows = rows.values_list("ticket_id", "area_id", "received_at")
    first, placed = {}, set()
    for ticket_id, area_id, received_at in rows:
        if area_id is not None:
            placed.add(ticket_id)
        first[ticket_id] = min(received_at, first.get(ticket_id, received_at))
    return {ticket_id: at for ticket_id, at in first.items() if ticket_id not in placed}


def place_answers_read(message_ids: list[int], *, now: datetime | None = None) -> list[int]:
    """Read these customer messages as answers to "where are you?"; the tickets placed now."""
    now = now or timezone.now()
    answers = (
        Message.objects.filter(pk__in=message_ids, direction=Message.Direction.INBOUND, is_automatic=False)
        .only("id", "ticket_id", "subject", "text", "sent_at")
        .order_by("sent_at", "id")
    )
    gazetteer, placed = current_gazetteer(), []
    for answer in answers:
        if _answer_read(answer, gazetteer, now=now):
            placed.append(answer.ticket_id)
    return placed


def _answer_read(answer, gazetteer, *, now) -> bool:
    answer_text = message_text(answer.subject, answer.text)
    if not find_places(answer_text, gazetteer):
        return False  # "any news?": nothing to read, and no query more
    with transaction.atomic():
        reports = list(
            OutageReport.objects.select_for_update(of=("self",))
            .filter(ticket_id=answer.ticket_id, received_at__lte=answer.sent_at)
            .exclude(message_id=answer.pk)
            .select_related("message")
            .order_by("received_at", "id")
        )
        if not reports or any(report.area_id is not None for report in reports):
            return False
        texts = [message_text(report.message.subject, report.message.text) for report in reports]
        where = narrow_areas(find_places("\n".join([*texts, answer_text]), gazetteer))
        if where.area_id is None:
            return False
        for report in reports:
            _report_place(report, where, source=f"answer (message {answer.pk})", mark={"answer": answer.pk})
        _ticket_place(answer.ticket_id, where.area_id, reports[0], now=now)
    return True


def _report_place(report, where: Whereabouts, *, source: str, mark: dict) -> None:
    """The report takes the area, with what the answer (or the profile) added and why, appended: the
    first reading stays."""
    known = {(place["kind"], place["written"]) for place in report.places}
    report.places = report.places + [
        {"kind": found.kind, "written": found.written, "why": found.why, **mark}
        for found in where.found
        if (found.kind, found.written) not in known
    ]
    report.area_id, report.candidate_areas = where.area_id, [where.area_id]
    report.why = f"{report.why}; {source}: {where.why}"
    report.save(update_fields=["places", "area", "candidate_areas", "why"])


def _ticket_place(ticket_id, area_id, first_report, *, now) -> None:
    """Into the area's open incident, out of another one the detector put it in; or, when the area has
    none yet, out of the wrong one and counted towards the area's spike."""
    links = IncidentTicket.objects.select_for_update(of=("self",)).select_related("incident")
    current = links.filter(ticket_id=ticket_id, unlinked_at__isnull=True).first()
    by_person = current is not None and current.linked_by != LinkedBy.DETECTOR
    if by_person or (current is not None and current.incident.area_id == area_id):
        return  # a person linked it (they decided), or it is where it belongs
    if IncidentTicket.objects.filter(ticket_id=ticket_id, unlinked_by__isnull=False).exists():
        return  # a person took it out of an incident once: the detector leaves it alone
    incident = incident_for_report([area_id], preferred_area_id=area_id)
    if current is not None:
        IncidentTicket.objects.filter(pk=current.pk, unlinked_at__isnull=True).update(unlinked_at=now)
    if incident is not None:
        incident_ticket_link(incident, ticket_id, by=LinkedBy.DETECTOR, now=now)
    elif now - first_report.received_at <= PROPOSE_WITHIN:
        incident_propose_if_spike(area_id, now=now)


def late_answers_read(report_message_ids: list[int]) -> list[int]:
    """The answers already on the tickets of these just-read reports that name no area, read now; the
    tickets placed. One query when every report named its area."""
    unplaced = dict(
        OutageReport.objects.filter(message_id__in=report_message_ids, area__isnull=True).values_list(
            "ticket_id", "received_at"
        )
    )
    if not unplaced:
        return []
    profile_hints_read(report_message_ids)
    later = Message.objects.filter(
        ticket_id__in=unplaced, direction=Message.Direction.INBOUND, is_automatic=False
    ).values_list("pk", "ticket_id", "sent_at")
    answer_ids = [pk for pk, ticket_id, sent_at in later if sent_at > unplaced[ticket_id]]
    return place_answers_read(answer_ids) if answer_ids else []


def profile_hints_read(report_message_ids: list[int], *, now: datetime | None = None) -> list[int]:
    """Reports naming a street several towns have, without its town, by an X user whose profile gives
    a location ("Harlan, KS"): the street and the profile's town together may narrow to one area. Only
    a town, and only beside a street: a profile's place may be where they work or lived. The tickets
    placed."""
    now = now or timezone.now()
    gazetteer, placed = current_gazetteer(), []
    unplaced = OutageReport.objects.filter(message_id__in=report_message_ids, area__isnull=True)
    for report in unplaced.select_related("message"):
        location, where = _profile_where(report.message, gazetteer)
        if where is None:
            continue
        with transaction.atomic():
            report = OutageReport.objects.select_for_update(of=("self",)).get(pk=report.pk)
            if report.area_id is None:
                _report_place(report, where, source=f'profile location "{location}"', mark={"profile": True})
                _ticket_place(report.ticket_id, where.area_id, report, now=now)
                placed.append(report.ticket_id)
    return placed


def _profile_where(message, gazetteer):
    """(the author's profile location, the areas it narrows the message's street to), or (.., None)."""
    location = str(((message.raw or {}).get("author") or {}).get("location") or "")[:100]
    if not location:
        return location, None
    found = find_places(message_text(message.subject, message.text), gazetteer)
    street = any(place.kind == "street" and place.places for place in found)
    if not street or any(place.kind == "town" and place.places for place in found):
        return location, None  # no street, or its town named already
    towns = [place for place in find_places(location, gazetteer) if place.kind == "town"]
    where = narrow_areas([*found, *towns])
    return location, (where if towns and where.area_id is not None else None)


def recent_answer_ids(now: datetime | None = None) -> list[int]:
    """The last SWEEP_BACK's customer messages on tickets whose reports still name no area (their
    task may have been lost), for beat's sweep: an id range from the newest message down."""
    newest = Message.objects.aggregate(newest=Max("pk"))["newest"] or 0
    recent = list(
        Message.objects.filter(
            pk__gt=newest - SWEEP_ROWS,
            created_at__gte=(now or timezone.now()) - SWEEP_BACK,
            direction=Message.Direction.INBOUND,
            is_automatic=False,
        ).only("id", "ticket_id", "sent_at")
    )
    return answer_message_ids(recent)


def place_answers_noticed(messages) -> None:
    """ingest's inbound_stored: ask a worker to read the batch's answers, if it holds any."""
    message_ids = answer_message_ids(messages)
    if message_ids:
        read_place_answers.delay(message_ids)


@shared_task(ignore_result=True)
def read_place_answers(message_ids):
    place_answers_read(message_ids)


@shared_task(ignore_result=True)
def sweep_place_answers():
    message_ids = recent_answer_ids()
    if message_ids:
        place_answers_read(message_ids)
