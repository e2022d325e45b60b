"""Storm mode: turn it on and off (audited), and read whether it is on.

The switch is a StormPeriod row: `storm_start` writes who, when, why and what it changes; `storm_end`
writes who ended it, when and why, and the row is never changed again. Both lock the table's one
active row (a unique constraint allows one), refuse in plain words what makes no sense, and record
that open tickets owe an SLA recompute: their due times move onto the storm's hours, and back
onto the schedules' own hours (from the moment it ended) when it ends.

Reads (`current_storm`, kept per process and fresh within a few seconds) live in storm_state.py,
below the SLA policies that use them.
"""

from datetime import datetime, time, timedelta

from celery import current_app
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from oss_inbox.staff.people import name_of

from .models import SlaRecomputeOwed, StormPeriod
from .services import RECOMPUTE_TASK, owed_row
from .storm_state import STORM_LOCAL_SECONDS, current_storm, storm_state

__all__ = [
    "StormRefused",
    "current_storm",
    "may_switch_storm",
    "storm_end",
    "storm_start",
    "storm_state",
]

SWITCH_PERMISSION = "tickets.view_dashboards"  # supervisors and admins


class StormRefused(Exception):
    """The switch cannot do what was asked; the message says why, in plain words."""


def may_switch_storm(user) -> bool:
    return user is not None and user.is_active and user.has_perm(SWITCH_PERMISSION)


def storm_start(
    *,
    by,
    reason: str,
    extend_coverage: bool = True,
    opens_at: time | None = None,
    closes_at: time | None = None,
    first_response_target: timedelta | None = None,
    sla_reason: str = "",
    auto_confirm: bool = False,
    auto_acknowledge: bool = True,
    outage_map_url: str = "",
    now: datetime | None = None,
) -> StormPeriod:
    """Turn storm mode on. Steps: check who asks and what they gave; refuse if it is on already;
    write the period; record the SLA recompute owed (tickets move onto the storm's hours)."""
    now = now or timezone.now()
    _check_may_switch(by)
    reason, sla_reason = reason.strip(), sla_reason.strip()
    if not reason:
        raise StormRefused("Say why storm mode is turned on: everyone sees the reason in the banner.")
    if (opens_at is None) != (closes_at is None):
        raise StormRefused("Give both the hours coverage opens and closes, or neither for 24 hours.")
    if opens_at is not None and opens_at == closes_at and opens_at != time(0):
        raise StormRefused("Coverage cannot open and close at the same time: leave both empty for 24 hours.")
    if first_response_target is not None:
        if first_response_target <= timedelta(0):
            raise StormRefused("The first-response target must be longer than zero.")
        if not sla_reason:
            raise StormRefused("Say why the first-response target changes: it is shown beside the target.")
    try:
        with transaction.atomic():
            if StormPeriod.objects.select_for_update().filter(active=True).exists():
                raise StormRefused(_already_on())
            period = StormPeriod.objects.create(
                active=True,
                started_at=now,
                started_by=by,
                reason=reason,
                extend_coverage=extend_coverage,
                coverage_opens_at=opens_at if extend_coverage else None,
                coverage_closes_at=closes_at if extend_coverage else None,
                first_response_target=first_response_target,
                sla_reason=sla_reason if first_response_target else "",
                auto_confirm=auto_confirm,
                auto_acknowledge=auto_acknowledge,
                outage_map_url=outage_map_url.strip(),
            )
            _recompute_owed()
    except IntegrityError:  # another supervisor turned it on in the same instant
        raise StormRefused(_already_on()) from None
    return period


def storm_end(*, by, reason: str, now: datetime | None = None) -> StormPeriod:
    """Turn storm mode off: the period records who, when and why, and is never changed again."""
    now = now or timezone.now()
    _check_may_switch(by)
    reason = reason.strip()
    if not reason:
        raise StormRefused("Say why storm mode is turned off: it stays in the storm history.")
    with transaction.atomic():
        period = StormPeriod.objects.select_for_update().filter(active=True).first()
        if period is None:
            raise StormRefused("Storm mode is off already: there is nothing to turn off.")
        period.active, period.ended_at = False, max(now, period.started_at)
        period.ended_by, period.end_reason = by, reason
        period.save(update_fields=["active", "ended_at", "ended_by", "end_reason"])
        _recompute_owed()
    return period


def _recompute_owed():
    """Open tickets owe a recompute (recorded in this transaction, converged by beat, as
    sla_settings_changed does), asked for STORM_LOCAL_SECONDS + 1 after the commit: a worker keeps
    its copy of storm mode up to that long (storm_state.py) and must count on the new one."""
    owed = owed_row()
    SlaRecomputeOwed.objects.filter(pk=owed.pk).update(changed=F("changed") + 1)
    later = STORM_LOCAL_SECONDS + 1
    transaction.on_commit(lambda: current_app.tasks[RECOMPUTE_TASK].apply_async(countdown=later))


def _check_may_switch(user):
    if not may_switch_storm(user):
        raise StormRefused("Only supervisors and admins may turn storm mode on or off.")


def person_name(user) -> str:
    return name_of(user) if user is not None else "someone no longer here"


def _already_on():
    period = StormPeriod.objects.filter(active=True).select_related("started_by").first()
    if period is None:
        return "Storm mode is on already."
    who = person_name(period.started_by)
    since = timezone.localtime(period.started_at)
    return f"Storm mode is on already: {who} turned it on at {since:%-I:%M %p on %b %-d}."


def storm_changes(period: StormPeriod) -> list[str]:
    """What a storm period changed, in short lines for its history and the banner's tooltip."""
    lines = []
    if not period.extend_coverage:
        lines.append("Coverage: the schedules' own hours")
    elif period.coverage_opens_at is None:
        lines.append("Coverage: around the clock on every schedule")
    else:
        opens, closes = (f"{at:%H:%M}" for at in (period.coverage_opens_at, period.coverage_closes_at))
        lines.append(f"Coverage: also {opens}–{closes} every day on every schedule")
    if period.first_response_target:
        hours = period.first_response_target.total_seconds() / 3600
        lines.append(f"First response within {hours:g}h for tickets created meanwhile ({period.sla_reason})")
    lines.append(
        "Proposed incidents confirmed automatically" if period.auto_confirm else "Incidents confirmed by hand"
    )
    if period.auto_acknowledge:
        link = f" and {period.outage_map_url}" if period.outage_map_url else ""
        lines.append(f"Outage reports acknowledged with their incident's latest update{link}")
    lines.append("Surveys and key-account reminders held back")
    return lines
