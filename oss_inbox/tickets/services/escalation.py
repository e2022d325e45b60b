"""The SLA scan: tickets that became at risk or breached are escalated once per due time.

Beat runs `sla_scan` every minute. Its work list is the partial index on `sla_escalate_at`
(tickets with an escalation still to come), so its cost follows the tickets due now, not the
history. Each ticket is claimed by a conditional UPDATE on the instant the scan saw: two scans
racing, or one run twice, escalate it once; that conditional UPDATE is the lock here (not
lifecycle._change), because the due time it escalates must be the one the scan saw.
"""

from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from oss_inbox.staff.notifications import notification_send
from oss_inbox.staff.roles import SUPERVISOR
from oss_inbox.staff.templatetags.dates import when_full

from ..models import Ticket, TicketEvent

SCAN_LIMIT = 500  # per run; the next minute's run takes the rest
TARGET_NAMES = {
    "first_response_due_at": "first response",
    "next_response_due_at": "next response",
    "resolution_due_at": "resolution",
}


def sla_scan(now: datetime | None = None) -> int:
    """Escalate every ticket whose at-risk or due instant has come; returns how many."""
    now = now or timezone.now()
    due = (
        Ticket.objects.filter(sla_escalate_at__isnull=False, sla_escalate_at__lte=now)
        .order_by("sla_escalate_at")
        .values_list("pk", "sla_escalate_at")[:SCAN_LIMIT]
    )
    return sum(ticket_sla_escalate(ticket_id, seen, now) for ticket_id, seen in list(due))


@transaction.atomic
def ticket_sla_escalate(ticket_id: int, seen: datetime, now: datetime) -> bool:
    """Record the ticket's escalation and notify, if no other scan did it first."""
    ticket = Ticket.objects.select_related("assignee").filter(pk=ticket_id).first()
    if ticket is None or ticket.sla_due_at is None:
        return False
    level = Ticket.SlaState.BREACHED if ticket.sla_due_at <= now else Ticket.SlaState.AT_RISK
    claimed = Ticket.objects.filter(pk=ticket_id, sla_escalate_at=seen, sla_due_at=ticket.sla_due_at).update(
        sla_state=level,
        sla_escalated=level,
        sla_escalated_for=ticket.sla_due_at,
        sla_escalate_at=None if level == Ticket.SlaState.BREACHED else ticket.sla_due_at,
        updated_at=now,
    )
    if not claimed:
        return False
    target = target_name(ticket)
    event = TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEvent.Kind.SLA,
        data={"state": level, "target": target, "due_at": ticket.sla_due_at.isoformat()},
    )
    _notify(ticket, event, level, target)
    return True


def target_name(ticket: Ticket) -> str:
    """Which target the ticket's earliest due time belongs to, in words."""
    for field, name in TARGET_NAMES.items():
        if getattr(ticket, field) == ticket.sla_due_at:
            return name
    return "response"


def _notify(ticket, event, level, target):
    # Stored and read later, by people in several zones: the full form, in the team's zone.
    due = when_full(ticket.sla_due_at, timezone.get_default_timezone())
    if level == Ticket.SlaState.BREACHED:
        text = f"Ticket #{ticket.pk} breached its {target} target (due {due})"
    else:
        text = f"Ticket #{ticket.pk} is at risk: {target} due {due}"
    link = settings.SITE_URL.rstrip("/") + ticket.get_absolute_url()
    body = f"{text}.\n\n{ticket.subject or '(no subject)'}\nCustomer: {ticket.contact}\n\n{link}\n"
    notification_send(
        recipients=[ticket.assignee, *supervisors()], ticket=ticket, event=event, text=text, body=body
    )


def supervisors() -> QuerySet:
    return get_user_model().objects.filter(groups__name=SUPERVISOR, is_active=True).distinct()
