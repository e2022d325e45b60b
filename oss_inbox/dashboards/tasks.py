"""Celery tasks of the dashboards: thin and idempotent (a second run finds nothing stale)."""

from celery import shared_task

from .rollup import rollup_refresh


@shared_task(name="oss_inbox.dashboards.tasks.refresh_rollup", ignore_result=True, soft_time_limit=50, time_limit=58)
def refresh_rollup():
    """Beat, every minute: bring ticket facts and daily rollups up to date."""
    rollup_refresh(budget=20_000)
