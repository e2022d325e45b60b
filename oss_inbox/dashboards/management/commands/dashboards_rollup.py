"""`manage.py dashboards_rollup`: fill or refresh the dashboard facts and daily rollups now."""

import time

from django.core.management.base import BaseCommand
from django.db import connection

from oss_inbox.dashboards.first_fill import first_fill, first_fill_pays
from oss_inbox.dashboards.models import DailyRollup, TicketFact
from oss_inbox.dashboards.rollup import rollup_rebuild, rollup_refresh

ANALYZE_AFTER = 10_000
PROGRESS_EVERY = 100_000


class Command(BaseCommand):
    help = (
        "Bring the dashboards' ticket facts and daily rollups up to date (the first run fills them "
        "from the whole history, in bulk on PostgreSQL; beat keeps them fresh afterwards)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="Drop and recompute everything (after a change to how a metric is defined).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Processes computing a bulk fill (default: one per core, at most 2).",
        )

    def handle(self, *args, rebuild=False, workers=None, **options):
        started = time.monotonic()
        if connection.vendor == "postgresql" and (rebuild or first_fill_pays()):
            self.stdout.write(
                "Filling every ticket's facts in bulk (one transaction: safe to stop and run again)."
            )
            result = first_fill(workers=workers, progress=self._progress(started))
        else:
            result = rollup_rebuild() if rebuild else rollup_refresh()
        if connection.vendor == "postgresql" and result.refreshed >= ANALYZE_AFTER:
            # Fresh statistics now, so the planner uses the new indexes before autovacuum gets round to it.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {TicketFact._meta.db_table}, {DailyRollup._meta.db_table}")
        elapsed = time.monotonic() - started
        rate = result.refreshed / max(elapsed, 0.001)
        self.stdout.write(f"Refreshed {result.refreshed} tickets in {elapsed:.1f} s ({rate:,.0f}/s).")

    def _progress(self, started):
        reported = [0]

        def progress(done):
            if done - reported[0] >= PROGRESS_EVERY:
                reported[0] = done
                self.stdout.write(f"  {done:,} tickets, {time.monotonic() - started:.1f} s")
                self.stdout.flush()

        return progress
