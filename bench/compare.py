"""OSS Inbox side by side with django-helpdesk, over HTTP on loopback, served as production serves.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oss_bench1m .venv/bin/python bench/compare.py \
        [--peer-database postgres://postgres@127.0.0.1:5432/helpdesk_100k]

1. Refuse any database, cache or server address that is not on this machine (loopback only).
2. Start OSS Inbox with gunicorn and the repo's production config (gunicorn.conf.py; else the
   command of docker-compose.yml's web service), DEBUG=0, a Redis cache of its own; sign in an agent
   and a supervisor of the database (a session written as login writes one: no password needed).
3. With --peer-database: install django-helpdesk into bench/peer/.venv, migrate and prepare its
   database (bench/peer), start it with gunicorn with as many sync workers, log in through its form.
4. Time the same kinds of page on both, with one client and with eight: the queue (the peer's
   ticket list is its page plus the JSON request that fills its table), one ticket, the unchanged
   refresh check (OSS Inbox only), a search for a common and for a rare word over the whole
   history, the dashboard for 30 and 365 days (the peer's reports take no date range: its
   resolution-time report covers everything).
5. Print a markdown table: p50 / p95 ms and requests/s per app, the ratio (the peer's p50 over
   ours: how many times faster), both databases' sizes, the load average at start and end.

Each measurement stops after --requests requests or --seconds seconds, whichever comes first. How
each site is built, started and signed in to: bench/compare_sites.py. For a newcomer: bench/README.md.
"""

import argparse
import math
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from bench.compare_sites import (  # noqa: E402
    OSS_CACHE,
    PEER_CACHE,
    build_database,
    build_peer_database,
    flush_caches,
    oss_server,
    oss_setup,
    oss_size,
    peer_server,
    peer_setup,
    peer_size,
)

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
CLIENTS = (1, 8)
WARM_UP_LIMIT = 5  # seconds


@dataclass
class Stats:
    p50: float
    p95: float
    per_second: float
    count: int
    cpu_ms: tuple | None = None  # per request: (server processes, PostgreSQL backends)
    failed: int = 0  # requests that got no answer or a wrong one


@dataclass
class Row:
    page: str
    clients: int
    oss: Stats | None
    peer: Stats | None = None
    note: str = ""


def main(argv=None):
    options = parse(argv)
    for stop in (signal.SIGTERM, signal.SIGINT):  # leave through the `with` blocks that stop the servers
        signal.signal(stop, stopped)
    loads = [os.getloadavg()]
    for url in filter(None, (options.database, options.peer_database, OSS_CACHE, PEER_CACHE)):
        loopback_only(url)
    if options.build_tickets:
        build_database(options.database, options.build_tickets)
        if options.peer_database:
            build_peer_database(options.peer_database, options.peer_tickets)
    flush_caches(options.peer_database)
    sizes = {"OSS Inbox": oss_size(options.database)}
    oss_pages = oss_setup(options.database, options.read_only)
    peer_pages, peer_results = {}, {}
    with oss_server(options.database, options.workers) as server:
        oss_results = measure_all(server, oss_pages, options)
    if options.peer_database:
        from bench import peer

        peer.prepare(options.peer_database)
        sizes["django-helpdesk"] = peer_size(options.peer_database)
        with peer_server(options.peer_database, options.workers) as server:
            peer_pages = peer_setup(server.url, options.peer_database)
            peer_results = measure_all(server, peer_pages, options)
    rows = []
    for page in oss_pages:
        for clients in CLIENTS:
            peer_stats = peer_results.get((page, clients))
            note = peer_pages.get(page, {}).get("note", "")
            rows.append(Row(page, clients, oss_results.get((page, clients)), peer_stats, note))
    loads.append(os.getloadavg())
    print(format_table(rows, sizes, loads, workers=options.workers, peer=bool(options.peer_database)))


def stopped(number, frame):
    raise SystemExit(f"Stopped by signal {number}: servers stopped.")


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--peer-database", help="postgres://... of a django-helpdesk database (bench/peer)")
    parser.add_argument("--requests", type=int, default=100, help="requests per measurement (default 100)")
    parser.add_argument("--seconds", type=float, default=30, help="at most this long per measurement (30)")
    parser.add_argument(
        "--build-tickets",
        type=int,
        help="first create and fill DATABASE_URL with this many tickets if it is missing",
    )
    parser.add_argument(
        "--peer-tickets",
        type=int,
        default=100_000,
        help="with --build-tickets: tickets of a new peer database",
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="write nothing to OSS Inbox's database but what the app writes (sessions, last login)",
    )
    parser.add_argument("--workers", type=int, default=default_workers(), help="gunicorn workers, both apps")
    options = parser.parse_args(argv)
    options.database = os.environ.get("DATABASE_URL", "")
    if not options.database.startswith("postgres"):
        parser.error("set DATABASE_URL to OSS Inbox's PostgreSQL database (postgres://...)")
    return options


def default_workers():
    """What gunicorn.conf.py chooses: WEB_CONCURRENCY, or 2 x cores + 1."""
    return int(os.environ.get("WEB_CONCURRENCY") or 2 * len(os.sched_getaffinity(0)) + 1)


def loopback_only(url):
    """Refuse a URL whose host is not this machine: the benchmark loads servers and databases hard."""
    host = urlsplit(url).hostname
    if host not in LOOPBACK:
        raise SystemExit(f"Refusing {url!r}: bench/compare.py runs against this machine only (127.0.0.1).")
    return url


# --- the table -----------------------------------------------------------------------------------


def format_table(rows, sizes, loads, *, workers, peer):
    """The markdown table: per page and number of clients, each app's p50 / p95 ms, requests/s and
    CPU ms per request (server + PostgreSQL), and with a peer the ratios of medians and of CPU."""
    lines = [f"Databases: {'; '.join(f'{name} {size}' for name, size in sizes.items())}."]
    lines.append(
        f"gunicorn, {workers} sync workers each, DEBUG off, Redis cache. Load average (1, 5, 15 min) "
        f"at start {format_load(loads[0])}, at end {format_load(loads[-1])}."
    )
    lines.append("")
    app = "p50 / p95 ms | req/s | CPU ms/req"
    if peer:
        lines.append(f"| Page | clients | OSS Inbox {app} | django-helpdesk {app} | ratio p50 | ratio CPU |")
        lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    else:
        lines.append(f"| Page | clients | OSS Inbox {app} |")
        lines.append("| --- | ---: | ---: | ---: | ---: |")
    for row in rows:
        cells = [row.page, str(row.clients), *stats_cells(row.oss)]
        if peer:
            cells += [*stats_cells(row.peer, row.note), *ratios(row.peer, row.oss)]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("CPU ms/req: the server's processes + the PostgreSQL backends serving it, per request.")
    if peer:
        lines.append("ratio: the peer's over OSS Inbox's, how many times less OSS Inbox takes.")
    return "\n".join(lines)


def stats_cells(stats, note=""):
    if stats is None:
        return ["—", "—", "—"]
    notes = [note] if note else []
    if stats.failed:
        notes.append(f"{stats.failed} failed")
    if not stats.count:
        return [f"none answered ({', '.join(notes)})", "0", "—"]
    suffix = f" ({', '.join(notes)})" if notes else ""
    cpu = f"{stats.cpu_ms[0]:,.1f} + {stats.cpu_ms[1]:,.1f}" if stats.cpu_ms else "—"
    return [f"{stats.p50:,.1f} / {stats.p95:,.1f}{suffix}", f"{stats.per_second:,.1f}", cpu]


def ratios(peer, oss):
    """(of the medians, of the CPU per request), e.g. "12.5x"."""
    if peer is None or oss is None:
        return ["—", "—"]
    if not (peer.count and oss.count):
        return ["—", "—"]
    medians = f"{peer.p50 / oss.p50:,.1f}x" if oss.p50 > 0 else "—"
    cpu = "—"
    if peer.cpu_ms and oss.cpu_ms and sum(oss.cpu_ms) > 0:
        cpu = f"{sum(peer.cpu_ms) / sum(oss.cpu_ms):,.1f}x"
    return [medians, cpu]


def format_load(load):
    return " / ".join(f"{value:.2f}" for value in load)


def percentile(ordered, fraction):
    """Nearest rank of an ascending list."""
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


# --- measuring -----------------------------------------------------------------------------------


def measure_all(server, pages, options):
    base_url, results = server.url, {}
    pages = {name: with_headers(base_url, spec) for name, spec in pages.items() if spec}
    warm_up(base_url, pages, options.workers)
    for page, spec in pages.items():
        for clients in CLIENTS:
            sessions = [client_session(spec) for _ in range(clients)]
            server.cpu.start()
            stats = results[(page, clients)] = measure(base_url, spec, sessions, options)
            stats.cpu_ms = server.cpu.stop(stats.count)
            print(
                f"  {base_url} {page}, {clients} client(s): {stats.failed} failed, "
                f"p50 {stats.p50:.1f} ms, p95 {stats.p95:.1f} ms, "
                f"{stats.per_second:.1f}/s, CPU {stats.cpu_ms[0]:.1f} + {stats.cpu_ms[1]:.1f} ms "
                f"({stats.count} requests, load {os.getloadavg()[0]:.2f})",
                flush=True,
            )
    return results


def measure(base_url, spec, sessions, options):
    """Each client fetches the page's requests in turn until the count or the time is used up. A page
    that fails (an error, gunicorn's 60 s timeout) is counted as failed, not timed."""
    import requests

    timings, errors, lock = [], [], threading.Lock()
    deadline = time.monotonic() + options.seconds
    wanted = options.requests if len(sessions) == 1 else options.requests * 2

    def client(session, number):
        turn = number
        while time.monotonic() < deadline:
            with lock:
                if len(timings) >= wanted:
                    return
            begin = time.perf_counter()
            try:
                fetch(base_url, session, spec, turn)
            except (requests.RequestException, SystemExit) as error:  # counted, and the client goes on
                errors.append(error)
            else:
                with lock:
                    timings.append((time.perf_counter() - begin) * 1000)
            turn += len(sessions)

    begin = time.perf_counter()
    threads = [threading.Thread(target=client, args=(s, n)) for n, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - begin
    ordered = sorted(timings)
    if errors:
        print(f"  {len(errors)} failed, the first: {errors[0]}", flush=True)
    if not ordered:
        return Stats(math.nan, math.nan, 0.0, 0, failed=len(errors))
    return Stats(
        percentile(ordered, 0.5),
        percentile(ordered, 0.95),
        len(ordered) / elapsed,
        len(ordered),
        failed=len(errors),
    )


def with_headers(base_url, spec):
    headers = spec.get("headers") or {}
    return {**spec, "headers": headers(base_url, spec["cookies"]) if callable(headers) else headers}


def client_session(spec):
    import requests

    session = requests.Session()
    session.cookies.update(spec["cookies"])
    session.headers.update(spec["headers"])
    return session


def warm_up(base_url, pages, workers):
    """Each page as many times at once as there are workers, untimed: every worker has loaded its
    code and templates before the clock runs, as in a server that has been up for a while. A page
    slower than WARM_UP_LIMIT once is not repeated: loading is not what its time is made of."""
    import requests

    for spec in pages.values():
        begin = time.monotonic()
        try:
            fetch(base_url, client_session(spec), spec, 0, check=False)
        except requests.RequestException:
            continue
        if time.monotonic() - begin > WARM_UP_LIMIT:
            continue
        threads = []
        for number in range(workers):
            session = client_session(spec)
            threads.append(threading.Thread(target=fetch, args=(base_url, session, spec, number, False)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def fetch(base_url, session, spec, turn, check=True):
    """One page as a user waits for it: its requests one after another (the n-th of a list of pages)."""
    for path, expect in spec["requests"](turn):
        response = session.get(
            base_url + path, headers=spec.get("headers"), allow_redirects=False, timeout=120
        )
        if check and response.status_code != expect:
            raise SystemExit(f"{base_url}{path} answered {response.status_code}, not {expect}")


if __name__ == "__main__":
    main()
