"""The states of a ticket that the SLA clocks follow, and the SLA's own states.

The ticket model (tickets, the layer above) takes its choices from here, so that the SLA code can
read a ticket (duck-typed: status, priority, the due fields) without importing the model.
"""

from django.db import models


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
