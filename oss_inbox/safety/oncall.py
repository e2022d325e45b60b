"""Who is on call now: people on the on-call list whose rota (a coverage schedule) covers this
moment, or who are on call at all hours."""

from datetime import datetime

from oss_inbox.sla.acknowledgements import closed_until

from .models import OnCall


def on_call_now(now: datetime) -> list[OnCall]:
    """The on-call settings (with their users) of everyone on call at `now`, by name."""
    listed = (
        OnCall.objects.filter(enabled=True, user__is_active=True)
        .select_related("user", "schedule")
        .order_by("user__first_name", "user__last_name", "user__username")
    )
    return [
        on_call
        for on_call in listed
        if on_call.schedule is None or closed_until(now, on_call.schedule.as_clock_schedule()) is None
    ]
