"""`manage.py dashboards_rollup`: fill or refresh the dashboard facts and daily rollups now."""

import time

from django.core.management.base import BaseCommand
from django.db import connection

from oss_inbox.dashboards.models import DailyRollup, TicketFact
from oss_inbox.dashboards.rollup import rollup_rebuild, rollup_refresh

ANALYZE_AFTER = 10_000


class Command(BaseCommand):
    help = (
        "Bring the dashboards' ticket facts and daily rollups up to date (the first run fills them "
        "from the whole history; beat keeps them fresh afterwards)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="Drop and recompute everything (after a change to how a metric is defined).",
        )

    def handle(self, *args, rebuild=False, **options):
        started = time.monotonic()
        result = rollup_rebuild() if rebuild else rollup_refresh()
        if connection.vendor == "postgresql" and result.refreshed >= ANALYZE_AFTER:
            # Fresh statistics now, so the planner uses the new indexes before autovacuum gets round to it.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {TicketFact._meta.db_table}, {DailyRollup._meta.db_table}")
        self.stdout.write(f"Refreshed {result.refreshed} tickets in {time.monotonic() - started:.1f} s.")
