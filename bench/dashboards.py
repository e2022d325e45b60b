"""Time the supervisor dashboard through Django's test client, as a logged-in supervisor.

    python bench/generate.py --tickets 100000        # once: the history (DATABASE_URL chooses the database)
    python manage.py migrate && python manage.py dashboards_rollup   # once: the facts and rollups
    python bench/dashboards.py --requests 60          # p50 / p95 / p99 of each view

Each view is the full page (every section, all queries, template rendering) for a range ending
today; the facts are refreshed first, as beat keeps them in production, so the timings are of
reading, not of catching up. Each view is timed twice: with its percentile snapshot current (as
beat keeps the views pages read), and as the first view after the facts changed, when the page
computes the percentiles itself. Also timed: one CSV export, the htmx poll, and a refresh with
nothing to do (what beat pays every minute). DEBUG is turned off, as in production.

Beside the wall times, the CPU of each page (p50): this process's (the page's Python and the side
connection's thread) plus the PostgreSQL backends' that served it, read from /proc (the database
must run on this machine, else the column is empty). On a shared machine the wall time follows
the load; the CPU is what the page costs, and with two cores it bounds the wall time from below.
"""

import argparse
import os
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oss_inbox.settings")

import django  # noqa: E402
from django.apps import apps  # noqa: E402

if not apps.ready:
    django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import F  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from oss_inbox.backend_cpu import backend_pid_and_cpu  # noqa: E402
from oss_inbox.dashboards import snapshots  # noqa: E402
from oss_inbox.dashboards.filters import local_today  # noqa: E402
from oss_inbox.dashboards.models import RollupState  # noqa: E402
from oss_inbox.dashboards.percentiles import percentile  # noqa: E402
from oss_inbox.dashboards.rollup import rollup_refresh  # noqa: E402
from oss_inbox.staff.roles import SUPERVISOR  # noqa: E402
from oss_inbox.tickets.models import Ticket  # noqa: E402

TARGETS_MS = {30: 300, 365: 1000}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=60, help="timed requests per view (default 60)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first (default 3)")
    options = parser.parse_args(argv)
    settings.DEBUG = False  # no query log kept per request, as in production
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    count_side_connections()
    print(
        f"Database: {connection.vendor} {settings.DATABASES['default']['NAME']}, "
        f"{Ticket.objects.count():,} tickets"
    )
    started = time.perf_counter()
    result = rollup_refresh()
    print(
        f"Facts brought up to date: {result.refreshed:,} tickets in {time.perf_counter() - started:.1f} s\n"
    )
    client = supervisor_client()
    today = local_today(timezone.now())
    rows = []
    for days in (30, 365):
        query = f"start={today - timedelta(days=days - 1)}&end={today}"
        rows.append(
            measure(client, f"Dashboard, {days} days", f"/dashboards/?{query}", options, TARGETS_MS[days])
        )
    for days in (30, 365):
        query = f"start={today - timedelta(days=days - 1)}&end={today}"
        rows.append(
            measure(
                client,
                f"Dashboard, {days} days, first view after the facts changed",
                f"/dashboards/?{query}",
                options,
                None,
                facts_changed=True,
            )
        )
    query = f"start={today - timedelta(days=29)}&end={today}"
    rows.append(
        measure(
            client,
            "Minute poll (htmx body), 30 days",
            f"/dashboards/?{query}",
            options,
            None,
            headers={"HX-Request": "true", "HX-Target": "dashboard-body"},
        )
    )
    rows.append(
        measure(
            client,
            "CSV export (daily), 365 days",
            f"/dashboards/export/daily.csv?start={today - timedelta(days=364)}&end={today}",
            options,
            None,
        )
    )
    rows.append(time_refresh(options))
    print_table(rows)
    return 0 if all(row["ok"] for row in rows) else 1


def supervisor_client():
    user, created = get_user_model().objects.get_or_create(username="bench-supervisor")
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=SUPERVISOR))
    client = Client()
    client.force_login(user)
    return client


def measure(client, name, url, options, target_ms, headers=None, facts_changed=False):
    """Warm up, then time `options.requests` GETs; every answer must be a 200.

    `facts_changed`: before each request the facts' version moves on, as a refresh that rewrote
    facts does, so the page finds its percentile snapshot out of date and computes it (what the
    first page after a change pays when beat has not recomputed it yet); a tenth of the requests.
    """
    for _ in range(options.warmup):
        check(client.get(url, headers=headers), url)
    rollup_refresh()  # as beat would have: the timed requests find nothing stale
    timings, cpu = [], []
    for _ in range(max(options.requests // 10, 5) if facts_changed else options.requests):
        if facts_changed:
            RollupState.objects.filter(pk=1).update(facts_version=F("facts_version") + 1)
        backend, own, side = backend_pid_and_cpu(), time.process_time(), SIDE_CPU[0]
        begin = time.perf_counter()
        response = client.get(url, headers=headers)
        timings.append((time.perf_counter() - begin) * 1000)
        after = backend_pid_and_cpu()
        if backend is not None and after is not None and after[0] == backend[0]:  # same backend
            spent = after[1] - backend[1] + SIDE_CPU[0] - side
            cpu.append((spent + time.process_time() - own) * 1000)
        check(response, url)
    if facts_changed:
        RollupState.objects.filter(pk=1).update(facts_version=F("facts_version") + 1)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, headers=headers)
    return summary(name, timings, target_ms, len(queries), cpu)


# CPU seconds of the backends of the connections the page opened for its side-by-side percentiles
# (snapshots.both_percentiles), read just before each closes.
SIDE_CPU = [0.0]
_side_lock = threading.Lock()


def count_side_connections():
    """Wrap snapshots._on_own_connection to add its backend's CPU to SIDE_CPU before closing."""
    original = snapshots._on_own_connection

    def counted(function, filters):
        def measured(filters):
            try:
                return function(filters)
            finally:
                spent = backend_pid_and_cpu()
                with _side_lock:
                    SIDE_CPU[0] += spent[1] if spent else 0.0

        return original(measured, filters)

    snapshots._on_own_connection = counted


def time_refresh(options):
    """A refresh with nothing stale: the due-time check and the look for updated tickets."""
    timings = []
    for _ in range(max(options.requests // 6, 5)):
        begin = time.perf_counter()
        rollup_refresh()
        timings.append((time.perf_counter() - begin) * 1000)
    return summary("Beat refresh, nothing changed", timings, None, None)


def check(response, url):
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")


def summary(name, timings, target_ms, queries, cpu=()):
    ordered = sorted(timings)
    p50, p95, p99 = (percentile(ordered, fraction) for fraction in (0.5, 0.95, 0.99))
    ok = target_ms is None or p95 <= target_ms
    return {
        "name": name,
        "n": len(timings),
        "p50": p50,
        "p95": p95,
        "p99": p99,
        "target": target_ms,
        "ok": ok,
        "queries": queries,
        "cpu": percentile(sorted(cpu), 0.5),
    }


def print_table(rows):
    print("| View | Requests | Queries | p50 ms | p95 ms | p99 ms | CPU p50 ms | Target (p95) |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for row in rows:
        target = "" if row["target"] is None else f"≤ {row['target']} ms: {'met' if row['ok'] else 'MISSED'}"
        queries = "" if row["queries"] is None else row["queries"]
        cpu = "" if row["cpu"] is None else f"{row['cpu']:.0f}"
        print(
            f"| {row['name']} | {row['n']} | {queries} | {row['p50']:.0f} | {row['p95']:.0f} | "
            f"{row['p99']:.0f} | {cpu} | {target} |"
        )
    print(f"Load average at the end: {' '.join(open('/proc/loadavg').read().split()[:3])}")


if __name__ == "__main__":
    sys.exit(main())
