"""Celery tasks of the dashboards: thin and idempotent (a second run finds nothing stale)."""

from celery import shared_task
from django.utils import timezone

from .rollup import rollup_refresh
from .snapshots import refresh_snapshots

# Left of the task's 50 s after a full rollup budget; one computation may run past it (a few s at 1M).
SNAPSHOT_SECONDS = 15


@shared_task(
    name="oss_inbox.dashboards.tasks.refresh_rollup", ignore_result=True, soft_time_limit=50, time_limit=58
)
def refresh_rollup():
    """Beat, every minute: bring ticket facts and daily rollups up to date, then the percentile
    snapshots pages read (not while catching up: the facts are still moving)."""
    if rollup_refresh(budget=20_000).caught_up:
        refresh_snapshots(timezone.now(), seconds=SNAPSHOT_SECONDS)
