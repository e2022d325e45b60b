"""Open tickets' due times after a schedule or policy change: the recompute the database says is owed.

`sla.services.sla_settings_changed` records the change (SlaRecomputeOwed) and asks for this by
task name; beat asks again every minute until one run has applied it (sla_recompute_if_owed).
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from oss_inbox.sla.models import SlaRecomputeOwed
from oss_inbox.sla.policies import SlaRules
from oss_inbox.sla.services import SLA_FIELDS, owed_row, ticket_sla_recompute

from ..models import OPEN_STATUSES, Ticket

BATCH = 200


def tickets_sla_recompute_open(now: datetime | None = None) -> int:
    """Recompute every open ticket; returns how many.

    Batches of rows locked while recomputed, so a concurrent reply or status change waits
    instead of being overwritten; only SLA fields are saved, and no timeline event: the ticket did
    not change, the rules did (the admin's change is audited where it was made). Then the changes
    saved before it started count as applied (SlaRecomputeOwed), so beat stops asking for it.
    """
    now = now or timezone.now()
    owed = owed_row()
    SlaRecomputeOwed.objects.filter(pk=owed.pk).update(started_at=now)
    rules = SlaRules()
    ids = list(Ticket.objects.filter(status__in=OPEN_STATUSES).order_by("pk").values_list("pk", flat=True))
    for chunk in (ids[index : index + BATCH] for index in range(0, len(ids), BATCH)):
        with transaction.atomic():
            locked = (
                Ticket.objects.select_for_update(of=("self",)).select_related("account").filter(pk__in=chunk)
            )
            for ticket in locked:
                ticket_sla_recompute(ticket, now, rules=rules)
                ticket.save(update_fields=SLA_FIELDS)
    SlaRecomputeOwed.objects.filter(pk=owed.pk, applied__lt=owed.changed).update(applied=owed.changed)
    SlaRecomputeOwed.objects.filter(pk=owed.pk).update(started_at=None)
    return len(ids)
