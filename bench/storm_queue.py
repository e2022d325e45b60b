"""The queue page's own cost during a storm: CPU per page while reports arrive and are grouped.

bench/storm.py times the page over HTTP at the load a whole storm makes (gunicorn's CPU per page
there also counts what the machine's other work does to it); this isolates the page. On a copy of
a storm's database (by default `h8_storm`, made with `createdb -T storm_bench h8_storm` after
bench/storm.py: six open incidents, ~3,900 linked tickets), storm mode on (turned on if it is not),
an agent's queue page through Django's test client in this one process:

1. **Quiet**: `--pages` pages in a row, nothing arriving.
2. **Storm**: before each page, `--batch` of the storm scenario's items arrive (not timed): the
   parsers, `tickets.services.ingest` and the grouping (`read_outage_reports`, run eagerly here as
   the worker would), so each page finds the queue changed, as an agent's page every second does
   while reports arrive every second.

Per page: CPU ms (`time.process_time`: this process only renders; the machine's load changes wall
time more than CPU), wall ms, queries. `--profile FILE` writes a CPU cProfile of the storm pages
(`python -m pstats FILE`; the profiler itself makes them several times slower).
`--http`: the pages over HTTP from gunicorn as production runs it (gunicorn.conf.py: 5 sync
workers) on port 18950, its process group's CPU per page, as bench/storm.py reads it (no queries
counted then); the arrivals still run in this process.

    createdb -h 127.0.0.1 -U postgres -T storm_bench h8_storm
    .venv/bin/python bench/storm_queue.py --database postgres://postgres@127.0.0.1:5432/h8_storm
"""

import argparse
import cProfile
import logging
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/h8_storm"
DEFAULT_CACHE = "redis://127.0.0.1:6379/2"
INDEX_BASE = 1_000_000  # the items' channel ids start here, never a stored storm's
HTTP_PORT = 18950


def setup(database, cache):
    os.environ.update(
        {
            "DATABASE_URL": database,
            "CACHE_URL": cache,
            "DEBUG": "0",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-storm-queue-" + "x" * 50,
            "SECURE_COOKIES": "0",
            "ALLOWED_HOSTS": "testserver,127.0.0.1",
            "LOG_LEVEL": "WARNING",
            "STATIC_ROOT": str(ROOT / "var" / "storm-bench-static"),  # collected by bench/storm.py
            "DJANGO_SETTINGS_MODULE": "oss_inbox.settings",
        }
    )
    import django

    django.setup()
    # Storm acknowledgements are sent eagerly here, to accounts whose keys this run does not hold.
    logging.getLogger("oss_inbox.tickets.services.outbox").setLevel(logging.ERROR)


def main():
    args = arguments()
    setup(args.database, args.cache)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from oss_inbox.incidents.models import Incident, IncidentTicket
    from oss_inbox.staff.roles import AGENT, SUPERVISOR

    users = get_user_model().objects
    agent = users.filter(groups__name=AGENT).order_by("pk").first()
    supervisor = users.filter(groups__name=SUPERVISOR).order_by("pk").first()
    storm_on(supervisor, args.storm)
    if args.http:
        client = HttpPages(agent)
    else:
        client = Client()
        client.force_login(agent)
    print(
        f"agent {agent}, storm mode {'on' if args.storm else 'off'}, "
        f"{Incident.objects.exclude(status='restored').count()} open incidents, "
        f"{IncidentTicket.objects.count()} linked tickets; load {fmt_load()}",
        flush=True,
    )
    for _ in range(30 if args.http else 10):  # templates loaded, each process's copies made
        page(client, connection)
    report("quiet", [page(client, connection) for _ in range(args.pages)])
    arrivals = Arrivals()
    profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not wall
    storm = []
    for _ in range(args.pages):
        arrivals.next(args.batch)
        storm.append(page(client, connection, profiler))
    report(f"storm ({args.batch} items before each page)", storm)
    if args.http:
        client.stop()
    if profiler:
        profiler.dump_stats(args.profile)
        print(f"profile of the storm pages: {args.profile}")


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=os.environ.get("STORM_QUEUE_DATABASE", DEFAULT_DATABASE))
    parser.add_argument("--cache", default=DEFAULT_CACHE, help=f"CACHE_URL (default {DEFAULT_CACHE}).")
    parser.add_argument("--pages", type=int, default=100, help="Pages in each phase (default 100).")
    parser.add_argument("--batch", type=int, default=17, help="Items arriving before each storm page (17).")
    parser.add_argument("--no-storm-mode", dest="storm", action="store_false", help="Storm mode off.")
    parser.add_argument("--profile", help="Write a CPU cProfile of the storm pages here.")
    parser.add_argument("--http", action="store_true", help=f"Pages from gunicorn on port {HTTP_PORT}.")
    return parser.parse_args()


def storm_on(supervisor, wanted):
    from oss_inbox.sla.models import StormPeriod
    from oss_inbox.sla.storm import storm_end, storm_start

    active = StormPeriod.objects.filter(active=True).exists()
    if wanted and not active:
        storm_start(by=supervisor, reason="bench/storm_queue.py: a feeder storm")
    elif not wanted and active:
        storm_end(by=supervisor, reason="bench/storm_queue.py: storm mode off")


def page(client, connection, profiler=None):
    """One queue page: (CPU ms, wall ms, queries)."""
    from django.test.utils import CaptureQueriesContext

    if isinstance(client, HttpPages):
        return client.page()

    with CaptureQueriesContext(connection) as queries:
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        response = client.get("/")
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if response.status_code != 200:
        raise SystemExit(f"The queue page answered {response.status_code}.")
    return cpu * 1000, wall * 1000, len(queries)


class HttpPages:
    """gunicorn serving this run's settings; a page is (its process group's CPU ms, wall ms, 0)."""

    def __init__(self, agent):
        import subprocess

        from bench.storm_world import session_cookie, wait_for_port

        env = {**os.environ, "PORT": str(HTTP_PORT), "ACCESS_LOG": ""}
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        command = [gunicorn, "-c", "gunicorn.conf.py", "oss_inbox.wsgi:application"]
        self.server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
        wait_for_port(HTTP_PORT)
        self.cookie = session_cookie(agent)

    def page(self):
        import http.client

        from bench.storm_play import group_cpu

        cpu, wall = group_cpu(self.server.pid), time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=60)
        try:
            connection.request("GET", "/", headers={"Cookie": self.cookie})
            response = connection.getresponse()
            response.read()
        finally:
            connection.close()
        wall = time.perf_counter() - wall
        if response.status != 200:
            raise SystemExit(f"The queue page answered {response.status}.")
        return (group_cpu(self.server.pid) - cpu) * 1000, wall * 1000, 0

    def stop(self):
        import signal

        os.killpg(self.server.pid, signal.SIGTERM)
        self.server.wait(30)


class Arrivals:
    """The storm scenario's items, `batch` at a time, through the parsers, ingest and (eagerly, in
    this process, before the page is timed) the grouping."""

    def __init__(self):
        from datetime import UTC, datetime, timedelta

        from channels.models import ChannelAccount
        from channels.sandbox.storm import storm_scenario
        from oss_inbox.celery import app
        from oss_inbox.tickets.models import Message

        app.conf.task_always_eager = True  # the grouping runs here, as the worker would
        self.accounts = {account.kind: account for account in ChannelAccount.objects.all()}
        self.items = storm_scenario(seed=1, reports=5000, minutes=30, noise_share=0.2)
        self.sent_at = datetime.now(UTC) - timedelta(minutes=5)
        self.base = INDEX_BASE + Message.objects.order_by("-pk").values_list("pk", flat=True).first()
        self.done = 0

    def next(self, batch):
        from bench.storm_play import ACCOUNT_OF, inbound
        from oss_inbox.tickets.services import ingest

        by_kind = {}
        for index in range(self.done, self.done + batch):
            item = self.items[index % len(self.items)]
            by_kind.setdefault(item.kind, []).append((index, item))
        for kind, pairs in by_kind.items():
            parsed = [inbound(item, self.base + index, self.sent_at, self.accounts) for index, item in pairs]
            ingest(self.accounts[ACCOUNT_OF[kind]], parsed)
        self.done += batch


def report(phase, pages):
    cpu = [p[0] for p in pages]
    wall = sorted(p[1] for p in pages)
    queries = [p[2] for p in pages]
    print(
        f"{phase}: {len(pages)} pages; CPU ms a page mean {statistics.mean(cpu):.1f} "
        f"p50 {statistics.median(cpu):.1f}; wall p50 {statistics.median(wall):.0f} "
        f"p95 {wall[max(0, int(len(wall) * 0.95) - 1)]:.0f} ms; queries a page {min(queries)}-{max(queries)} "
        f"(mean {statistics.mean(queries):.1f}); load {fmt_load()}",
        flush=True,
    )


def fmt_load():
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
