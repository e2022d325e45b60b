"""Whether storm mode is on, read on every page and every SLA computation, kept per process.

Each process keeps what it read (the storm period on, if any, and the recent periods as the clock
needs them) under the version of STORM_KEY, for at most STORM_LOCAL_SECONDS:
- a save of a StormPeriod moves the version on (SlaConfig.ready), at once and after the commit, and
  drops this process's copy: the process that switched sees it at its next read;
- another process sees it at its next request when the cache is shared (Redis: VersionsMiddleware
  reads the version when a request begins), and at the latest STORM_LOCAL_SECONDS later whatever
  the cache (a worker outside any request, a per-process cache): the copy is read again from the
  database then. So nobody serves a stale "on" (or "off") for more than a few seconds.

Periods that ended more than RECENT_DAYS ago are left out of the clock: a ticket that old has been
answered or breached long since.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from oss_inbox.cached import local_store, version_of

from .models import CoverageSchedule, StormPeriod
from .storm_hours import StormSpan, beyond_horizon, with_storm_hours

STORM_KEY = "sla:storm"
STORM_LOCAL_SECONDS = 3
RECENT_DAYS = 60
# A storm still on extends coverage this far ahead: a due time beyond it is counted on the
# schedule's own hours (a storm that lasts longer moves it on, being read again every few seconds).
HORIZON_DAYS = 45

_kept = local_store()  # "state" -> (version, kept until (an aware instant), StormState)
_built = local_store()  # (schedule id, updated_at, state) -> clock.Schedule with storm hours


@dataclass(frozen=True)
class StormState:
    current: StormPeriod | None
    spans: tuple[StormSpan, ...]
    until: date  # the horizon of a storm still on

    def span_at(self, moment: datetime) -> StormSpan | None:
        return next((span for span in self.spans if span.holds(moment)), None)


def storm_state(now: datetime | None = None) -> StormState:
    """The storm mode as this process knows it (see the module's docstring for how fresh)."""
    now = now or timezone.now()
    version = version_of(STORM_KEY)
    kept = _kept.get("state")
    fresh_for = timedelta(seconds=STORM_LOCAL_SECONDS)
    if kept is None or kept[0] != version or not now < kept[1] <= now + fresh_for:
        kept = (version, now + fresh_for, _read_state(now))
        _kept["state"] = kept
    return kept[2]


def current_storm(now: datetime | None = None) -> StormPeriod | None:
    """The storm period on now, or None. Cheap: kept per process, fresh within a few seconds."""
    return storm_state(now).current


def _read_state(now):
    recent = StormPeriod.objects.filter(Q(active=True) | Q(ended_at__gte=now - timedelta(days=RECENT_DAYS)))
    periods = list(recent.select_related("started_by", "ended_by").order_by("started_at"))
    current = next((period for period in periods if period.active), None)
    until = timezone.localdate(now) + timedelta(days=HORIZON_DAYS)
    return StormState(current, tuple(_span(period) for period in periods), until)


def _span(period):
    return StormSpan(
        starts_at=period.started_at,
        ends_at=None if period.active else period.ended_at,
        extend_coverage=period.extend_coverage,
        opens_at=period.coverage_opens_at,
        closes_at=period.coverage_closes_at,
        first_response_target=period.first_response_target,
        sla_reason=period.sla_reason,
    )


def storm_clock_schedule(schedule: CoverageSchedule, state: StormState | None = None):
    """The schedule's `clock.Schedule` with the hours of storms on or recent: what every coverage
    decision (SLA due times, the header, the closed-hours acknowledgement) counts on."""
    built = schedule.as_clock_schedule()
    state = state or storm_state()
    if not any(span.extend_coverage for span in state.spans):
        return built
    key = (schedule.pk, schedule.updated_at, state) if schedule.pk else None
    extended = _built.get(key) if key else None
    if extended is None:
        extended = with_storm_hours(built, state.spans, state.until)
        if key:
            if len(_built) >= 64:
                _built.clear()
            _built[key] = extended
    return extended


def storm_horizon_change(moment: datetime | None, tz, now: datetime | None = None) -> bool:
    """Whether a coverage change at `moment` is only where a running storm's extension stops."""
    state = storm_state(now)
    running = state.current is not None and state.current.extend_coverage
    return running and beyond_horizon(moment, state.until, tz)
