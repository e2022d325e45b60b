"""Storm mode's automatic acknowledgement of outage reports (StormPeriod.auto_acknowledge).

`storm_acks_send(message_ids)` runs at the end of `outage_reports_read`, once the reports are grouped:
each ticket that reported an outage during the storm gets ONE automatic reply on its own channel,
through the outbox (tickets.services.ticket_reply, automatic: no first response, no SLA clock):
1. In an open incident with a broadcast update: that incident's latest update, filled for this
   customer ({{area}}, {{etr}}, {{status}}, {{first_name}}), recorded as the update's
   IncidentDelivery for the ticket (queued, with the reply), so the update's fan-out skips it.
   When the fan-out already has a row for this ticket (it sends, or sent, the update), or the channel
   refuses the text (too long for X), the plain acknowledgement instead.
2. Otherwise the plain acknowledgement: "Thanks for reporting the outage at Elm St. We're working on
   it; you can follow restoration on our outage map: <outage_map_url>."
3. When the ticket's reports narrow to no single area (no place named, or a street of several towns),
   the plain acknowledgement asks where they are, in Spanish to a customer who wrote in Spanish, and
   never an incident's update (it may be another area's): answers.py reads the reply.
No acknowledgement where it would say less than what the customer already has, or bury it:
- a safety ticket (a downed line, a critical-care customer's outage): it got the safety advice at
  ingest, which must stay the last thing the customer reads, and an agent handles it first;
- a ticket that had the out-of-hours acknowledgement in this storm (coverage not extended), or that a
  person answered in this storm, or that is resolved;
- a report read from before the storm began, or an auto-reply.
Exactly once per ticket per storm: the reply's compose token is f"storm-{period}-ack-{ticket}"
(Message.compose_token is unique), so a task run twice, or two workers, send one.
"""

import logging
import re
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from oss_inbox.sla.models import Acknowledgement, StormPeriod
from oss_inbox.sla.storm_state import current_storm
from oss_inbox.tickets.models import Message, Ticket
from oss_inbox.tickets.services import AlreadyPosted, ComposerReused, ReplyRefused, ticket_reply

from .fanout import broadcast_text
from .models import Incident, IncidentDelivery, IncidentTicket, IncidentUpdate, OutageReport
from .outage import detect_outage

log = logging.getLogger(__name__)
State = IncidentDelivery.State
# The most telling place a customer named, for "the outage at Elm St": a street before a town.
PLACE_ORDER = ("street", "neighbourhood", "town", "zip", "feeder", "substation")
_QUOTED = re.compile(r'"([^"]+)"')
# Asked of a customer whose report narrows to no single area, in their language.
PLACE_QUESTIONS = {
    "en": "Which street and town, or ZIP code, are you at? We'll add you to the right outage.",
    "es": "¿En qué calle y ciudad, o código postal, se encuentra? Lo añadiremos al apagón correcto.",
}
SPANISH_ACK = "Gracias por avisarnos del apagón. Estamos trabajando en ello"


def ack_token(period: StormPeriod, ticket_id: int) -> str:
    return f"storm-{period.pk}-ack-{ticket_id}"


def storm_acks_send(message_ids: list[int], *, now: datetime | None = None) -> int:
    """Acknowledge the outage reports among these messages, once per ticket per storm; the number sent."""
    period = current_storm()
    if period is None or not period.auto_acknowledge:
        return 0
    now = now or timezone.now()
    places, unplaced = _reported(message_ids, period)
    tickets = _to_acknowledge(places, period)
    if not tickets:
        return 0
    incidents = _open_incidents_of(tickets)
    latest = _latest_broadcasts({incident.pk for incident in incidents.values()})
    sent = 0
    for ticket in tickets:
        incident = incidents.get(ticket.pk)
        asking = unplaced.get(ticket.pk)
        update = latest.get(incident.pk) if incident and asking is None else None
        if _acknowledge(ticket, period, incident, update, where=places[ticket.pk], ask=asking, now=now):
            sent += 1
    return sent


def _reported(message_ids, period) -> tuple[dict[int, list[dict]], dict[int, str]]:
    """{ticket id: the places its reports named} for the reports among the messages written during the
    storm by the customer (not an auto-reply), and {ticket id: the language to ask in} for the tickets
    whose reports narrow to no single area."""
    rows = OutageReport.objects.filter(
        message_id__in=message_ids,
        received_at__gte=period.started_at,
        message__is_automatic=False,
    ).values_list("ticket_id", "places", "area_id", "message__subject", "message__text")
    places, unplaced, placed = {}, {}, set()
    for ticket_id, found, area_id, subject, text in rows:
        places.setdefault(ticket_id, []).extend(found)
        if area_id is not None:
            placed.add(ticket_id)
        elif ticket_id not in unplaced:
            detection = detect_outage(f"{subject}\n{text}" if subject else text)
            unplaced[ticket_id] = detection.language if detection else "en"
    asking = {ticket_id: language for ticket_id, language in unplaced.items() if ticket_id not in placed}
    return places, asking


def _to_acknowledge(places, period) -> list[Ticket]:
    ticket_ids = set(places)
    if not ticket_ids:
        return []
    acked = Message.objects.filter(compose_token__in=[ack_token(period, pk) for pk in ticket_ids])
    answered = Message.objects.filter(
        ticket_id__in=ticket_ids,
        direction=Message.Direction.OUTBOUND,
        is_automatic=False,
        sent_at__gte=period.started_at,
    )
    out_of_hours = Acknowledgement.objects.filter(
        message__ticket_id__in=ticket_ids, message__sent_at__gte=period.started_at
    )
    ticket_ids -= set(acked.values_list("ticket_id", flat=True))
    ticket_ids -= set(answered.values_list("ticket_id", flat=True))
    ticket_ids -= set(out_of_hours.values_list("message__ticket_id", flat=True))
    tickets = (
        Ticket.objects.filter(pk__in=ticket_ids, safety="")
        .exclude(status=Ticket.Status.RESOLVED)
        .select_related("account", "contact")
        .order_by("pk")
    )
    return list(tickets)


def _open_incidents_of(tickets) -> dict[int, Incident]:
    links = IncidentTicket.objects.filter(
        ticket_id__in=[ticket.pk for ticket in tickets],
        unlinked_at__isnull=True,
        incident__status__in=Incident.OPEN,
    ).select_related("incident__area")
    return {link.ticket_id: link.incident for link in links}


def _latest_broadcasts(incident_ids) -> dict[int, IncidentUpdate]:
    if not incident_ids:
        return {}
    updates = IncidentUpdate.objects.filter(incident_id__in=incident_ids, broadcast=True, resolves=False)
    latest = {}
    for update in updates.order_by("-created_at", "-id"):
        latest.setdefault(update.incident_id, update)
    return latest


def _acknowledge(ticket, period, incident, update, *, where, ask, now) -> bool:
    context = {"storm_ack": {"period": period.pk, "incident": incident.pk if incident else None}}
    try:
        if update is not None and _send_update(ticket, period, incident, update, context=context, now=now):
            return True
        with transaction.atomic():
            ticket_reply(
                ticket=ticket, author=None, text=plain_acknowledgement(where, period.outage_map_url, ask=ask),
                sent_at=now, automatic=True, compose_token=ack_token(period, ticket.pk), context=context,
            )  # fmt: skip
    except (AlreadyPosted, ComposerReused):  # another worker acknowledged it a moment ago
        return False
    except ReplyRefused as refused:  # e.g. Messenger's window: the report stays, an agent answers
        log.warning("No storm acknowledgement on ticket %s: %s", ticket.pk, refused)
        return False
    return True


def _send_update(ticket, period, incident, update, *, context, now) -> bool:
    """Send the incident's latest update as the acknowledgement, claiming the update's delivery to this
    ticket first (the fan-out holds the same row): False when the fan-out has it, or the text is refused.
    A delivery the fan-out skipped (Messenger's window was closed then) is taken over: the customer has
    just written, and never had the update."""
    try:
        with transaction.atomic():
            delivery, claimed = IncidentDelivery.objects.get_or_create(
                update=update,
                ticket_id=ticket.pk,
                defaults={"channel": "", "state": State.QUEUED, "created_at": now},
            )
            if not (claimed or _take_over(delivery)):
                return False
            text = broadcast_text(update.text, incident, ticket, now=now)
            sent = ticket_reply(
                ticket=ticket, author=None, text=text, sent_at=now,
                automatic=True, compose_token=ack_token(period, ticket.pk),
                context={"storm_ack": {**context["storm_ack"], "update": update.pk}},
            )  # fmt: skip
            delivery.message, delivery.channel = sent, sent.kind
            delivery.save(update_fields=["message", "channel"])
    except ReplyRefused as refused:  # the update's own words do not fit this channel: the plain one may
        log.info("Storm acknowledgement on ticket %s without the update: %s", ticket.pk, refused)
        return False
    return True


def _take_over(delivery) -> bool:
    """A skipped delivery becomes this acknowledgement's (conditional: one taker); False otherwise."""
    if delivery.state != State.SKIPPED:
        return False
    return bool(
        IncidentDelivery.objects.filter(pk=delivery.pk, state=State.SKIPPED).update(
            state=State.QUEUED, reason=""
        )
    )


def plain_acknowledgement(places: list[dict], outage_map_url: str, *, ask: str | None = None) -> str:
    """The acknowledgement of a report in no incident with an update yet, naming the place it named;
    with `ask` (a language), asking where the customer is in that language."""
    if ask == "es":
        text = SPANISH_ACK
        if outage_map_url:
            text = f"{text}; puede seguir la restauración en nuestro mapa de apagones: {outage_map_url}"
        return f"{text}. {PLACE_QUESTIONS['es']}"
    text = f"Thanks for reporting the outage{_where(places)}. We're working on it"
    if outage_map_url:
        text = f"{text}; you can follow restoration on our outage map: {outage_map_url}"
    elif not ask:
        return f"{text}."
    return f"{text}. {PLACE_QUESTIONS['en']}" if ask else text


def _where(places: list[dict]) -> str:
    by_kind = {}
    for place in places:
        # The gazetteer's own spelling ("Elm St", quoted in why) over the words as read ("elm st").
        named = _QUOTED.search(place.get("why", ""))
        by_kind.setdefault(place.get("kind"), named.group(1) if named else place.get("written", ""))
    for kind in PLACE_ORDER:
        if by_kind.get(kind):
            return f" {'at' if kind == 'street' else 'in'} {by_kind[kind]}"
    return ""
