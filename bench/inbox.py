"""Time the agent inbox through the real Django stack (test client, DEBUG off, a logged-in agent).

    python bench/generate.py --tickets 100000        # once: the history (DATABASE_URL chooses the database)
    python manage.py migrate                          # the queue's search indexes
    python bench/inbox.py --requests 200              # p50 / p95 / p99 and SQL queries of each request

Timed: the queue page (first page of All open, then other views, a filter, a search and a
second keyset page), the 5-second refresh when nothing changed (a 304), the ticket page of open
tickets, and a claim (a POST on a different unassigned ticket each time; the claims are undone
afterwards, so the database is left as it was). The load average is printed beside each figure:
the machine may be shared.
"""

import argparse
import html
import os
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

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
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from oss_inbox.dashboards.percentiles import percentile  # noqa: E402
from oss_inbox.staff.roles import AGENT  # noqa: E402
from oss_inbox.tickets.models import OPEN_STATUSES, Ticket, TicketEvent  # noqa: E402

BENCH_AGENT = "bench-inbox-agent"
TARGETS = {
    "queue": (50, 10),
    "refresh": (10, None),
    "ticket": (50, None),
    "search": (200, 10),
    "search_rows": (200, None),  # in-process (--read-only): no page, so no query budget
}  # p95 ms, SQL queries


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per row (default 200)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests first (default 5)")
    parser.add_argument(
        "--renice",
        type=int,
        default=0,
        metavar="N",
        help="run this process and its PostgreSQL backend at niceness N (e.g. -10, needs root "
        "and a local server): on a machine shared with other work, a fairer view of the code's speed",
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="with --searches-only: time the queue's rows in-process (queue_page, an existing agent), "
        "writing nothing (no bench user, no session): for a database that must not change",
    )
    parser.add_argument(
        "--searches-only",
        action="store_true",
        help="only the search rows (SEARCHES, open views and Resolved)",
    )
    options = parser.parse_args(argv)
    if options.renice:
        renice(options.renice)
    settings.DEBUG = False  # no query log kept per request, as in production
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    tickets = Ticket.objects.count()
    open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES).count()
    print(
        f"Database: {connection.vendor} {settings.DATABASES['default']['NAME']}, {tickets:,} tickets, "
        f"{open_tickets:,} open\n"
    )
    if options.searches_only and options.read_only:
        rows = search_rows_in_process(options)
        print_table(rows)
        return 0 if all(row["ok"] for row in rows) else 1
    client = agent_client()
    if options.searches_only:
        rows = search_rows(client, options)
        print_table(rows)
        return 0 if all(row["ok"] for row in rows) else 1
    rows = [
        measure(client, "Queue page (All open)", "/", options, "queue"),
        measure(client, "Queue page, Mine", "/?view=mine", options, "queue"),
        measure(
            client, "Queue page, Breached + channel email", "/?view=breached&channel=email", options, "queue"
        ),
        measure(client, "Queue page, second keyset page", second_page_url(client), options, "queue"),
        measure(client, "Queue page, Resolved (newest first)", "/?view=resolved", options, "queue"),
        *search_rows(client, options),
        measure(
            client,
            "Live refresh rows (htmx partial)",
            "/",
            options,
            None,
            headers={"HX-Request": "true", "HX-Target": "queue-live"},
        ),
        measure_refresh(client, options),
        measure_tickets(client, options),
        measure_claims(client, options),
    ]
    print_table(rows)
    if connection.vendor == "postgresql":
        print_sql_times()
    return 0 if all(row["ok"] for row in rows) else 1


# Searches of every kind (issue 18): words found in most of the history, a rare word, a customer's
# name, a phrase, several words, a number that is no ticket's (a ticket's number opens the ticket).
# In generated histories (bench/generate.py) "account" is in ~20% of the messages, "bill" ~7%,
# "power" ~5%, "culprit" ~0.02%.
SEARCHES = (
    "outage",
    "account",
    "power",
    "bill",
    "culprit",
    "Yamamoto",
    '"payment plan"',
    '"bill account"',  # a phrase of two common words seldom side by side
    "power bill",
    "999999999",
)


def search_rows(client, options):
    """Each of SEARCHES over All open and over Resolved (the whole history)."""
    rows = []
    for view in ("open", "resolved"):
        for q in SEARCHES:
            url = "/?" + urlencode({"q": q, **({"view": view} if view != "open" else {})})
            rows.append(
                measure(
                    client,
                    f"Search {q} ({'Resolved' if view == 'resolved' else 'All open'})",
                    url,
                    options,
                    "search",
                )
            )
    return rows


def search_rows_in_process(options):
    """Each of SEARCHES over All open and Resolved, timed in-process (queue_page: SQL and the rows'
    Python, no template), as an existing agent; nothing is written. The "SQL queries" column holds
    the PostgreSQL backend's CPU ms per search (the mean; /proc counts in 10 ms ticks) instead:
    with the Python CPU column, what a search costs whatever else the machine is doing."""
    from oss_inbox.inbox.queue import QueueFilters, queue_page

    user = get_user_model().objects.filter(is_active=True, groups__name=AGENT).order_by("pk").first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    rows = []
    for view in ("open", "resolved"):
        for q in SEARCHES:
            filters = QueueFilters(view=view, q=q)
            for _ in range(options.warmup):
                queue_page(user, filters)
            load = os.getloadavg()[0]
            before = backend_cpu_ms(backend)
            timings, _ = timed(lambda filters=filters: queue_page(user, filters), options.requests)
            used = (backend_cpu_ms(backend) - before) / options.requests
            name = f"Search {q} ({'Resolved' if view == 'resolved' else 'All open'})"
            row = summary(name, timings, "search_rows", 0, load)
            row["queries"] = round(used, 1)
            rows.append(row)
    return rows


def backend_cpu_ms(pid):
    """CPU milliseconds (user + system) the PostgreSQL backend `pid` has used so far (Linux, local)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def print_sql_times():
    """EXPLAIN ANALYZE of each query the queue's own code runs (not session, user, menus): the part that
    could grow with the history, apart from Python, templates and a busy machine."""
    from django.core.cache import cache
    from django.utils import timezone

    from oss_inbox.inbox.queue import QueueFilters, queue_page, view_counts
    from oss_inbox.inbox.selectors import open_queue_version

    user = get_user_model().objects.get(username=BENCH_AGENT)
    now = timezone.now()
    work = {
        "Queue rows, All open (first page)": lambda: queue_page(user, QueueFilters(), now=now),
        "Queue rows, Resolved (first page)": lambda: queue_page(user, QueueFilters(view="resolved"), now=now),
        'Queue rows, search "outage" (open)': lambda: queue_page(user, QueueFilters(q="outage"), now=now),
        "View list counts, not cached": lambda: (cache.clear(), view_counts(user, now=now)),
        "Refresh version": open_queue_version,
    }
    print("\n| Query (EXPLAIN ANALYZE, second run) | planning ms | execution ms |\n| --- | ---: | ---: |")
    for name, run in work.items():
        with CaptureQueriesContext(connection) as queries:
            run()
        planning = execution = 0.0
        with connection.cursor() as cursor:
            for query in queries.captured_queries:
                for _ in range(2):  # the second run: caches warm, as in a live server
                    cursor.execute("EXPLAIN (ANALYZE) " + query["sql"])
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                found = dict(re.findall(r"(Planning|Execution) Time: ([0-9.]+) ms", plan))
                planning += float(found.get("Planning", 0))
                execution += float(found.get("Execution", 0))
        print(f"| {name} ({len(queries.captured_queries)} queries) | {planning:.2f} | {execution:.2f} |")


def renice(niceness):
    os.setpriority(os.PRIO_PROCESS, 0, niceness)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            os.setpriority(os.PRIO_PROCESS, cursor.fetchone()[0], niceness)
    print(f"Running at niceness {niceness}, with this process's PostgreSQL backend.")


def agent_client():
    user, created = get_user_model().objects.get_or_create(
        username=BENCH_AGENT, defaults={"first_name": "Bench"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=AGENT))
    client = Client()
    client.force_login(user)
    return client


def second_page_url(client):
    """The queue's second page, through the cursor its first page links to."""
    found = re.search(r'href="([^"]+)" rel="next"', client.get("/").content.decode())
    return html.unescape(found.group(1)) if found else "/"


CPU_MS = []  # this process's CPU milliseconds of each timed call: Python's share, less bent by a busy machine


def timed(request, count):
    """(wall-clock milliseconds of each call, the last response)."""
    timings, response = [], None
    CPU_MS.clear()
    for _ in range(count):
        begin, cpu = time.perf_counter(), time.process_time()
        response = request()
        timings.append((time.perf_counter() - begin) * 1000)
        CPU_MS.append((time.process_time() - cpu) * 1000)
    return timings, response


def measure(client, name, url, options, target, headers=None, expect=200):
    for _ in range(options.warmup):
        check(client.get(url, headers=headers), url, expect)
    load = os.getloadavg()[0]
    timings, response = timed(lambda: client.get(url, headers=headers), options.requests)
    check(response, url, expect)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, headers=headers)
    return summary(name, timings, target, len(queries), load)


def measure_refresh(client, options):
    """The 5-second poll when nothing changed: If-None-Match with the current version -> 304."""
    etag = client.get("/queue/version/")["ETag"]
    return measure(
        client,
        "Unchanged refresh (304)",
        "/queue/version/",
        options,
        "refresh",
        headers={"If-None-Match": etag},
        expect=304,
    )


def measure_tickets(client, options):
    """The ticket page of the open tickets soonest due, one after another."""
    ids = list(
        Ticket.objects.filter(status__in=OPEN_STATUSES)
        .order_by("sla_due_at", "id")
        .values_list("pk", flat=True)[:50]
    )
    urls = [f"/tickets/{pk}/" for pk in ids]
    for url in urls[: options.warmup]:
        check(client.get(url), url)
    load = os.getloadavg()[0]
    turn = iter(range(options.requests))
    timings, response = timed(lambda: client.get(urls[next(turn) % len(urls)]), options.requests)
    check(response, urls[0])
    with CaptureQueriesContext(connection) as queries:
        client.get(urls[0])
    return summary("Ticket page", timings, "ticket", len(queries), load)


def measure_claims(client, options):
    """Claims of distinct unassigned open tickets (a redirect each); then every claim is undone."""
    count = min(options.requests, 100)
    chosen = list(
        Ticket.objects.filter(status__in=OPEN_STATUSES, assignee__isnull=True).order_by("id")[: count + 1]
    )
    if len(chosen) < 2:
        return summary("Claim (POST)", [], None, None, os.getloadavg()[0])
    last_event = TicketEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    load = os.getloadavg()[0]
    turn = iter(chosen[1:])
    try:
        timings, response = timed(lambda: client.post(f"/tickets/{next(turn).pk}/claim/"), len(chosen) - 1)
        check(response, "claim", 302)
        with CaptureQueriesContext(connection) as queries:
            client.post(f"/tickets/{chosen[0].pk}/claim/")
    finally:
        Ticket.objects.bulk_update(chosen, ["assignee", "status", "updated_at"])  # as they were
        TicketEvent.objects.filter(id__gt=last_event).delete()
    return summary("Claim (POST)", timings, None, len(queries), load)


def check(response, url, expect=200):
    if response.status_code != expect:
        raise SystemExit(f"{url} answered {response.status_code}, not {expect}")


def summary(name, timings, target, queries, load_before):
    ordered = sorted(timings)
    p50, p95, p99 = (percentile(ordered, f) for f in (0.5, 0.95, 0.99))
    target_ms, max_queries = TARGETS.get(target, (None, None))
    ok = (target_ms is None or (p95 is not None and p95 <= target_ms)) and (
        max_queries is None or queries <= max_queries
    )
    load = f"{load_before:.2f}-{os.getloadavg()[0]:.2f}"
    cpu = percentile(sorted(CPU_MS), 0.5) if timings else None
    return {
        "name": name,
        "p50": p50,
        "p95": p95,
        "p99": p99,
        "cpu": cpu,
        "queries": queries,
        "load": load,
        "target": f"p95 ≤ {target_ms} ms" + (f", ≤ {max_queries} queries" if max_queries else "")
        if target_ms
        else "",
        "ok": ok,
    }


def print_table(rows):
    print(
        "| Request | p50 ms | p95 ms | p99 ms | Python CPU p50 ms | SQL queries | load avg (1 min) | target |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    for row in rows:
        figures = " | ".join("—" if row[k] is None else f"{row[k]:.1f}" for k in ("p50", "p95", "p99", "cpu"))
        verdict = ("met" if row["ok"] else "MISSED") if row["target"] else ""
        print(
            f"| {row['name']} | {figures} | {row['queries'] if row['queries'] is not None else '—'} | "
            f"{row['load']} | {row['target']} {verdict} |"
        )


if __name__ == "__main__":
    sys.exit(main())
