"""The states of a ticket that the SLA clocks follow, and the SLA's own states.

The ticket model (tickets, the layer above) takes its choices from here, so that the SLA code can
read a ticket (duck-typed: status, priority, the due fields) without importing the model;
`SlaTicket` says which fields those are.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from django.db import models

if TYPE_CHECKING:
    from channels.models import ChannelAccount


class TicketStatus(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"
    RESOLVED = "resolved", "Resolved"


OPEN_STATUSES = (TicketStatus.NEW.value, TicketStatus.OPEN.value, TicketStatus.PENDING.value)


class SlaState(models.TextChoices):
    OK = "ok", "On time"
    AT_RISK = "at_risk", "At risk"
    BREACHED = "breached", "Breached"
    PAUSED = "paused", "Paused"
    MET = "met", "Met"


class SlaTicket(Protocol):
    """What the SLA code reads and sets on a ticket (tickets.Ticket is one)."""

    # Read: what the policy and the clocks follow.
    account: ChannelAccount
    status: str
    priority: int
    is_key_account: bool
    safety: str  # a life-safety report's category, or ""
    created_at: datetime
    first_response_at: datetime | None
    last_inbound_at: datetime | None
    last_outbound_at: datetime | None
    # Set by the recompute (sla.services.SLA_FIELDS).
    first_response_due_at: datetime | None
    next_response_due_at: datetime | None
    resolution_due_at: datetime | None
    sla_due_at: datetime | None
    sla_at_risk_at: datetime | None
    sla_state: str
    sla_paused_at: datetime | None
    sla_pauses: list[list[str]]
    sla_escalated: str
    sla_escalated_for: datetime | None
    sla_escalate_at: datetime | None

    @property
    def is_open(self) -> bool: ...
