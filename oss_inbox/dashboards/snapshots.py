"""Percentiles kept per filter combination until the facts change: the page's one costly read.

Medians and 90th percentiles are exact, and an exact percentile needs every value of the range in
order: for a year at a million tickets, half a million facts sorted per measure and group (seconds
on PostgreSQL), where every other figure sums a few thousand rollup rows. Percentiles do not add
up, so the daily rollup cannot hold them, and value histograms at the precision the page shows
would have about as many rows as there are facts (measured: docs/BENCHMARKS.md). But they depend
on nothing but the filters and the facts, and the facts change once a minute at most. So:

- a refresh that rewrites facts moves `RollupState.facts_version` on, in the same transaction;
- a snapshot stamped with the current version holds what computing now would give, exactly: the
  page reads it, or computes the percentiles and keeps them;
- beat, after a pass, recomputes the out-of-date snapshots pages read lately and the default
  views, so the minute poll and the next supervisor find them ready.
"""

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.db import connection, connections
from django.db.models import Subquery, Value
from django.db.models.functions import Coalesce

from . import selectors
from .filters import Filters, local_today
from .models import PercentileSnapshot, RollupState
from .percentiles import ALL

# Beat keeps a snapshot up to date while pages read it this recently (the poll reads every minute).
READ_LATELY = timedelta(minutes=15)
# Ready before anyone asks: the whole team's last 30 and 365 days (the page's default and its
# costliest preset).
DEFAULT_VIEW_DAYS = (30, 365)
# A read is recorded at most this often per snapshot: an UPDATE that usually matches nothing.
READ_MARK = timedelta(minutes=1)
# Snapshots of views nobody asked for in this long are dropped (their keys carry dates).
FORGET_AFTER = timedelta(days=1)
# From this many facts in the range on, the two kinds of percentiles are computed side by side:
# under it they take less time than opening the second connection (docs/BENCHMARKS.md, Dashboards).
SIDE_BY_SIDE_FACTS = 64_000


def response_percentiles(filters, now):
    """(first-response, resolution) percentiles for these filters, as selectors computes them."""
    key = filters.query()
    current = Coalesce(Subquery(RollupState.objects.filter(pk=1).values("facts_version")), Value(0))
    found = (
        PercentileSnapshot.objects.filter(key=key, facts_version=current)
        .values_list("values", flat=True)
        .first()
    )
    if found is None:
        return compute(filters, now)
    PercentileSnapshot.objects.filter(key=key, read_at__lt=now - READ_MARK).update(read_at=now)
    return decode(found)


def compute(filters, now, *, read=True):
    """Compute the percentiles from the facts and keep them; `read`: a page asked (else beat)."""
    # The version is read before the facts: a refresh committing in between leaves the snapshot
    # stamped older than the facts it holds, so it is computed again - never kept stale.
    version = facts_version()
    values = both_percentiles(filters)
    snapshot = PercentileSnapshot(
        key=filters.query(), facts_version=version, values=encode(values), read_at=now
    )
    # One statement whether or not the key exists. Two pages computing at once both write; the
    # loser's stamp may be the older one, which costs a recomputation, not a wrong figure.
    PercentileSnapshot.objects.bulk_create(
        [snapshot],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["facts_version", "values", *(["read_at"] if read else [])],
    )
    return values


def both_percentiles(filters):
    """(first response, resolution): on PostgreSQL side by side, the resolutions on a connection of
    their own (two queries of a second or so at a million tickets, on a machine with two cores).
    Inside a transaction (tests) a second connection would not see its writes: one after the other."""
    if connection.vendor != "postgresql" or connection.in_atomic_block or not _many_facts(filters):
        return selectors.first_response_percentiles(filters), selectors.resolution_percentiles(filters)
    with ThreadPoolExecutor(max_workers=1) as pool:
        resolution = pool.submit(_on_own_connection, selectors.resolution_percentiles, filters)
        return selectors.first_response_percentiles(filters), resolution.result()


def _many_facts(filters):
    """Whether the planner expects SIDE_BY_SIDE_FACTS answered tickets or more in the range (its
    estimate from the statistics: planning only, about a millisecond)."""
    plan = json.loads(selectors.answered_facts(filters).explain(format="json"))
    return plan[0]["Plan"]["Plan Rows"] >= SIDE_BY_SIDE_FACTS


def _on_own_connection(function, filters):
    try:
        return function(filters)
    finally:
        connections.close_all()  # this thread's connections only


def refresh_snapshots(now, *, seconds):
    """Beat: recompute the out-of-date snapshots read lately (latest read first), then the default
    views; stop starting new ones after `seconds`. Returns how many were computed."""
    version = facts_version()
    PercentileSnapshot.objects.filter(read_at__lt=now - FORGET_AFTER).delete()
    stale = PercentileSnapshot.objects.filter(read_at__gte=now - READ_LATELY).exclude(facts_version=version)
    keys = list(stale.order_by("-read_at").values_list("key", flat=True))
    today = local_today(now)
    defaults = [Filters(today - timedelta(days=days - 1), today).query() for days in DEFAULT_VIEW_DAYS]
    ready = PercentileSnapshot.objects.filter(key__in=defaults, facts_version=version)
    ready = set(ready.values_list("key", flat=True))
    keys += [key for key in defaults if key not in ready and key not in keys]
    deadline, computed = time.monotonic() + seconds, 0
    for key in keys:
        if time.monotonic() > deadline:
            break
        compute(Filters.from_query(key), now, read=False)
        computed += 1
    return computed


def facts_version():
    return RollupState.objects.filter(pk=1).values_list("facts_version", flat=True).first() or 0


def encode(values):
    """JSON for percentiles_by() results: [[group field or null, value or null, {measure: [...]}]]."""
    return [
        [[*(key if key != ALL else (None, None)), by_measure] for key, by_measure in part.items()]
        for part in values
    ]


def decode(stored):
    return tuple(
        {ALL if field is None else (field, value): by_measure for field, value, by_measure in part}
        for part in stored
    )
