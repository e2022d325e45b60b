"""What the dashboard's first view after the facts changed pays for its percentiles: the exact
selection (percentiles.py, side by side from 90 days) against sorting (percentile_cont over
GROUPING SETS, one kind after the other, as before issue 18), on the same facts, interleaved.

    DATABASE_URL=postgres://... python bench/dashboard_percentiles.py --rounds 5

Wall time is what the page waits; CPU is the database backend's plus this process's, with the two
kinds run one after the other on one connection (what the work costs, less bent by a busy
machine). Both give the same numbers (checked on every round).
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oss_inbox.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from oss_inbox.backend_cpu import backend_cpu  # noqa: E402
from oss_inbox.dashboards import percentiles, snapshots  # noqa: E402
from oss_inbox.dashboards.filters import Filters, local_today  # noqa: E402
from oss_inbox.dashboards.models import FIRST_RESPONSE, RESOLUTION, TicketFact  # noqa: E402

VIEWS = [(365, {}), (365, {"channel": "email"}), (90, {}), (30, {})]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args(argv)
    print(f"Database {connection.settings_dict['NAME']}: {TicketFact.objects.count():,} facts")
    print(
        "| View | Sorting wall p50 / max ms | Selection wall p50 / max ms "
        "| CPU sorting / selection ms | Ratio (CPU) | Load |"
    )
    print("|---|---:|---:|---:|---:|---|")
    today = local_today(timezone.now())
    for days, extra in VIEWS:
        filters = Filters(today - timedelta(days=days - 1), today, **extra)
        timings = {"sort": [], "select": [], "sort cpu": [], "select cpu": []}
        for _ in range(options.rounds):
            for name, compute in (("sort", sorting), ("select", snapshots.both_percentiles)):
                begin = time.perf_counter()
                compute(filters)
                timings[name].append((time.perf_counter() - begin) * 1000)
            for name, compute in (("sort cpu", sorting), ("select cpu", one_connection)):
                backend, own = backend_cpu(), time.process_time()
                found = compute(filters)
                timings[name].append((backend_cpu() - backend + time.process_time() - own) * 1000)
                if name == "sort cpu":
                    expected = found
            if found != restricted(expected):
                raise SystemExit(f"different numbers for {filters.query()}")
        p50 = {name: statistics.median(values) for name, values in timings.items()}
        most = {name: max(values) for name, values in timings.items()}
        load = " ".join(open("/proc/loadavg").read().split()[:3])
        label = f"{days} days" + (f", {extra['channel']}" if extra else "")
        ratio = p50["select cpu"] / p50["sort cpu"]
        print(
            f"| {label} | {p50['sort']:,.0f} / {most['sort']:,.0f} "
            f"| {p50['select']:,.0f} / {most['select']:,.0f} "
            f"| {p50['sort cpu']:,.0f} / {p50['select cpu']:,.0f} | {ratio:.2f} | {load} |",
            flush=True,
        )


def sorting(filters):
    """Before: percentile_cont over GROUPING SETS for every group, measure and fraction."""
    start, end = filters.bounds()
    answered = filters.on_derived(
        TicketFact.objects.filter(
            created_at__gte=start, created_at__lt=end, first_response_seconds__isnull=False
        )
    )
    resolved = filters.on_derived(
        TicketFact.objects.filter(
            resolved_at__gte=start, resolved_at__lt=end, resolution_seconds__isnull=False
        )
    )
    return (
        percentiles._in_database(
            answered, ["channel", "assignee_id"], list(FIRST_RESPONSE), percentiles.FRACTIONS
        ),
        percentiles._in_database(resolved, ["channel"], list(RESOLUTION), percentiles.FRACTIONS),
    )


def restricted(values):
    first, resolution = values
    shown = {"assignee_id": {"first_response_seconds": (0.5,)}}
    return percentiles._restricted(first, percentiles.FRACTIONS, shown), resolution


def one_connection(filters):
    with transaction.atomic():  # both kinds on this connection, one after the other
        return snapshots.both_percentiles(filters)


if __name__ == "__main__":
    main()
