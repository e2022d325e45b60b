"""bench/storm.py's checks after the storm: each item stored once, and reports in the right incident.

Read-only: every query here reads what ingest and the worker wrote. An item is found by its channel's
id (storm_play.external_id), its ticket by its message, its incident by the ticket's open link; the
incident's area is compared with the scenario's ground truth. When a report is not where it should
be, `why_missed` says at which step it fell out: not read as an outage, no place narrowed to one
area (with the places found), in no incident, or in another area's incident.
"""

import time
from collections import Counter

from .storm_play import ACCOUNT_OF, external_id


def stored_counts(items, accounts):
    """{item index: (rows stored for its id, its ticket id)}."""
    from oss_inbox.tickets.models import Message

    wanted = {}
    for index, item in enumerate(items):
        wanted[(accounts[ACCOUNT_OF[item.kind]].pk, external_id(item.kind, index))] = index
    rows = Counter()
    tickets = {}
    ids = [item_id for _, item_id in wanted]
    for chunk in range(0, len(ids), 2000):
        found = Message.objects.filter(
            external_id__in=ids[chunk : chunk + 2000], direction=Message.Direction.INBOUND
        ).values_list("account_id", "external_id", "ticket_id")
        for account_id, item_id, ticket_id in found:
            index = wanted.get((account_id, item_id))
            if index is not None:
                rows[index] += 1
                tickets[index] = ticket_id
    return {index: (rows[index], tickets.get(index)) for index in range(len(items))}


def wait_for_grouping(quiet_seconds=10, limit_seconds=600):
    """Until the worker has read every report it was asked for: no task waiting in the broker and no
    new OutageReport for `quiet_seconds`. Returns the seconds waited."""
    import redis

    from oss_inbox.incidents.models import OutageReport

    from .storm_world import BROKER

    broker, started = redis.Redis.from_url(BROKER), time.monotonic()
    last, quiet_since = -1, time.monotonic()
    while time.monotonic() - started < limit_seconds:
        count = OutageReport.objects.count()
        if count != last or broker.llen("celery"):
            last, quiet_since = count, time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_seconds:
            break
        time.sleep(1)
    return time.monotonic() - started - quiet_seconds


def grouping(items, stored):
    """Accuracy against the ground truth: the counts, and why each missed report missed."""
    from oss_inbox.incidents.models import IncidentTicket, OutageReport

    ticket_ids = {ticket for _, ticket in stored.values() if ticket}
    incident_of = {}
    for ticket_id, area, proposed in IncidentTicket.objects.filter(
        ticket_id__in=ticket_ids, unlinked_at__isnull=True
    ).values_list("ticket_id", "incident__area__name", "incident__proposed"):
        incident_of[ticket_id] = (area, proposed)
    reports = {}
    for ticket_id, area, candidates, places in OutageReport.objects.filter(
        ticket_id__in=ticket_ids
    ).values_list("ticket_id", "area__name", "candidate_areas", "places"):
        reports.setdefault(ticket_id, (area, candidates, places))
    outage = [index for index, item in enumerate(items) if item.outage]
    # An answer to "where are you?" is in its report's ticket: neither a report nor noise.
    noise = [index for index, item in enumerate(items) if not item.outage and item.reply_to is None]
    right, misses, linked_reports = 0, Counter(), 0
    examples = {}
    for index in outage:
        ticket = stored[index][1]
        linked = incident_of.get(ticket)
        linked_reports += bool(linked)
        if linked and linked[0] == items[index].area:
            right += 1
            continue
        why = why_missed(ticket, linked, reports.get(ticket))
        misses[why] += 1
        examples.setdefault(why, []).append(f"[{items[index].kind}] {items[index].text[:110]!r}")
    pulled = [index for index in noise if stored[index][1] in incident_of]
    unplaced = sum(count for why, count in misses.items() if why.endswith("no place named"))
    return {
        "outage reports": len(outage),
        "in the right incident": right,
        "right share": right / len(outage) if outage else 0.0,
        "misses by why": dict(misses.most_common()),
        "right share of the reports naming a place": right / (len(outage) - unplaced) if outage else 0.0,
        # What a wrong link costs a customer: another area's update (its ETR) on their ticket.
        "reports linked to an incident, and the share of those in another area's": (
            f"{linked_reports:,}, {1 - right / linked_reports:.1%}" if linked_reports else "none"
        ),
        "miss examples": {why: texts[:4] for why, texts in examples.items()},
        "non-outage messages": len(noise),
        "non-outage pulled in": len(pulled),
        "pulled share": len(pulled) / len(noise) if noise else 0.0,
        "pulled examples": [f"[{items[i].kind}] {items[i].text[:110]!r}" for i in pulled[:5]],
        "proposed still": sum(1 for _, proposed in incident_of.values() if proposed),
    }


def why_missed(ticket, linked, report):
    if ticket is None:
        return "not stored"
    if report is None:
        return "in another area's incident (not read as an outage)" if linked else "not read as an outage"
    area, candidates, places = report
    if linked:
        if area is None and len(candidates) > 1:
            return "in another area's incident: its places allow several areas"
        return "in another area's incident: its places name that area"
    if not places:
        return "in no incident: no place named"
    if area is None and len(candidates) > 1:
        return "in no incident: places allow several areas"
    if area is None:
        return "in no incident: places unknown to the gazetteer"
    return "in no incident: its area's spike never came (or came later)"


def incidents_summary():
    from django.db.models import Count, Q

    from oss_inbox.incidents.models import Incident

    return list(
        Incident.objects.annotate(tickets=Count("links", filter=Q(links__unlinked_at__isnull=True)))
        .order_by("area__name")
        .values_list("area__name", "status", "proposed", "tickets")
    )


def confirm_all(supervisor):
    """Confirm every proposal, as the supervisor on duty would, one click each."""
    from oss_inbox.incidents.models import Incident
    from oss_inbox.incidents.services import incident_confirm

    proposals = list(Incident.objects.open().filter(proposed=True))
    for incident in proposals:
        incident_confirm(incident, user=supervisor)
    return len(proposals)
