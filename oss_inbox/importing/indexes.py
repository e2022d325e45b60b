"""--rebuild-indexes: take the history tables' full-text indexes and foreign keys off for a large
import, put them back after (tickets.services.history_bulk).

The statements that put them back are kept in the database (DroppedIndex) before anything is
dropped, so an import killed midway leaves them there, and the next run of the command runs them.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

from django.db import connection, transaction

from oss_inbox.tickets.services.history_bulk import indexes_drop, indexes_rebuild

from .models import DroppedIndex


@contextmanager
def indexes_paused(pause: bool, out):
    if not pause:
        yield
        return
    with transaction.atomic():
        statements = indexes_drop()
        DroppedIndex.objects.bulk_create(
            DroppedIndex(position=number, statement=statement) for number, statement in enumerate(statements)
        )
    yield
    _rebuild(out)


def indexes_restore_if_left(out) -> None:
    """Rebuild what an interrupted --rebuild-indexes run dropped."""
    if connection.vendor == "postgresql" and DroppedIndex.objects.exists():
        out.write("Rebuilding the indexes an interrupted import dropped ...")
        _rebuild(out)


def _rebuild(out):
    started = time.monotonic()
    statements = list(DroppedIndex.objects.order_by("position").values_list("statement", flat=True))
    indexes_rebuild(statements)
    DroppedIndex.objects.all().delete()
    took = time.monotonic() - started
    out.write(
        f"Rebuilt {len(statements)} indexes, constraints and triggers and the open tickets' search "
        f"in {took:.1f} s."
    )
