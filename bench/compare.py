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

Each measurement stops after --requests requests or --seconds seconds, whichever comes first.
"""

import argparse
import math
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
OSS_PORT, PEER_PORT = 8231, 8232  # this benchmark's ports: 8231-8239
REDIS = "redis://127.0.0.1:6379"
OSS_CACHE, PEER_CACHE, OSS_BROKER = f"{REDIS}/11", f"{REDIS}/12", f"{REDIS}/13"
COMMON_WORD, RARE_WORD = "account", "transformer"  # in ~17% and ~0.2% of the generated texts
CLIENTS = (1, 8)
START_TIMEOUT = 180


@dataclass
class Stats:
    p50: float
    p95: float
    per_second: float
    count: int


@dataclass
class Row:
    page: str
    clients: int
    oss: Stats | None
    peer: Stats | None = None
    note: str = ""


def main(argv=None):
    options = parse(argv)
    loads = [os.getloadavg()]
    for url in filter(None, (options.database, options.peer_database, OSS_CACHE, PEER_CACHE)):
        loopback_only(url)
    flush_caches(options.peer_database)
    sizes = {"OSS Inbox": oss_size(options.database)}
    oss_pages = oss_setup(options.database)
    peer_pages, peer_results = {}, {}
    with oss_server(options.database, options.workers) as oss_url:
        oss_results = measure_all(oss_url, oss_pages, options)
    if options.peer_database:
        from bench import peer

        peer.prepare(options.peer_database)
        sizes["django-helpdesk"] = peer_size(options.peer_database)
        with peer_server(options.peer_database, options.workers) as peer_url:
            peer_pages = peer_setup(peer_url, options.peer_database)
            peer_results = measure_all(peer_url, peer_pages, options)
    rows = []
    for page in oss_pages:
        for clients in CLIENTS:
            peer_stats = peer_results.get((page, clients))
            note = peer_pages.get(page, {}).get("note", "")
            rows.append(Row(page, clients, oss_results.get((page, clients)), peer_stats, note))
    loads.append(os.getloadavg())
    print(format_table(rows, sizes, loads, workers=options.workers, peer=bool(options.peer_database)))


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--peer-database", help="postgres://... of a django-helpdesk database (bench/peer)")
    parser.add_argument("--requests", type=int, default=100, help="requests per measurement (default 100)")
    parser.add_argument("--seconds", type=float, default=30, help="at most this long per measurement (30)")
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
    """The markdown table: per page and number of clients, p50 / p95 ms and requests/s of each app."""
    lines = [f"Databases: {'; '.join(f'{name} {size}' for name, size in sizes.items())}."]
    lines.append(
        f"gunicorn, {workers} sync workers each, DEBUG off, Redis cache. Load average (1, 5, 15 min) "
        f"at start {format_load(loads[0])}, at end {format_load(loads[-1])}."
    )
    lines.append("")
    if peer:
        lines.append(
            "| Page | clients | OSS Inbox p50 / p95 ms | req/s | django-helpdesk p50 / p95 ms | req/s "
            "| ratio (p50) |"
        )
        lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    else:
        lines.append("| Page | clients | OSS Inbox p50 / p95 ms | req/s |")
        lines.append("| --- | ---: | ---: | ---: |")
    for row in rows:
        cells = [row.page, str(row.clients), *stats_cells(row.oss)]
        if peer:
            peer_cells = stats_cells(row.peer, row.note)
            cells += [*peer_cells, ratio(row.peer, row.oss)]
        lines.append("| " + " | ".join(cells) + " |")
    if peer:
        lines.append("")
        lines.append("ratio: the peer's p50 over OSS Inbox's, how many times faster OSS Inbox answers.")
    return "\n".join(lines)


def stats_cells(stats, note=""):
    if stats is None:
        return ["—", "—"]
    suffix = f" ({note})" if note else ""
    return [f"{stats.p50:,.1f} / {stats.p95:,.1f}{suffix}", f"{stats.per_second:,.1f}"]


def ratio(peer, oss):
    if peer is None or oss is None or oss.p50 <= 0:
        return "—"
    return f"{peer.p50 / oss.p50:,.1f}x"


def format_load(load):
    return " / ".join(f"{value:.2f}" for value in load)


def percentile(ordered, fraction):
    """Nearest rank of an ascending list."""
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


# --- measuring -----------------------------------------------------------------------------------


def measure_all(base_url, pages, options):
    results = {}
    pages = {name: with_headers(base_url, spec) for name, spec in pages.items() if spec}
    warm_up(base_url, pages, options.workers)
    for page, spec in pages.items():
        for clients in CLIENTS:
            sessions = [client_session(spec) for _ in range(clients)]
            stats = results[(page, clients)] = measure(base_url, spec, sessions, options)
            print(
                f"  {base_url} {page}, {clients} client(s): p50 {stats.p50:.1f} ms, p95 {stats.p95:.1f} ms, "
                f"{stats.per_second:.1f}/s ({stats.count} requests, load {os.getloadavg()[0]:.2f})",
                flush=True,
            )
    return results


def measure(base_url, spec, sessions, options):
    """Each client fetches the page's requests in turn until the count or the time is used up."""
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
            except BaseException as error:  # SystemExit included: reported by the main thread
                errors.append(error)
                return
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
        raise SystemExit(f"{base_url}: {errors[0]}")
    return Stats(percentile(ordered, 0.5), percentile(ordered, 0.95), len(ordered) / elapsed, len(ordered))


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
    code and templates before the clock runs, as in a server that has been up for a while."""
    for spec in pages.values():
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


# --- OSS Inbox -----------------------------------------------------------------------------------


SECRET_KEY = secrets.token_urlsafe(50)


def oss_environment(database_url):
    return {
        **os.environ, "DATABASE_URL": database_url, "DEBUG": "0", "SECRET_KEY": SECRET_KEY,
        "CACHE_URL": OSS_CACHE, "CELERY_BROKER_URL": OSS_BROKER, "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(ROOT / "var" / "bench-static"), "LOG_LEVEL": "WARNING", "ACCESS_LOG": "",
        "PYTHONUNBUFFERED": "1",
    }  # fmt: skip


def oss_setup(database_url):
    """Sign in an agent and a supervisor; the pages to time, with their cookies."""
    os.environ.update(oss_environment(database_url))
    os.environ["DJANGO_SETTINGS_MODULE"] = "oss_inbox.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from oss_inbox.tickets.models import Ticket

    agent, supervisor = bench_users()
    cookies = {}
    for role, user in (("agent", agent), ("supervisor", supervisor)):
        client = Client()
        client.force_login(user)
        cookies[role] = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
    tickets = list(
        Ticket.objects.exclude(status="resolved")
        .order_by("sla_due_at", "id")
        .values_list("pk", flat=True)[:50]
    )
    today = timezone.localdate()

    def dashboard(days):
        return f"/dashboards/?start={today - timedelta(days=days - 1)}&end={today}"

    return {
        "Queue page (All open)": page(cookies["agent"], "/"),
        "Ticket page": page(cookies["agent"], *[f"/tickets/{pk}/" for pk in tickets]),
        "Unchanged refresh (304)": {
            **page(cookies["agent"], "/queue/version/", expect=304),
            "headers": unchanged_since,
        },
        f'Search "{COMMON_WORD}", whole history': page(cookies["agent"], f"/?view=resolved&q={COMMON_WORD}"),
        f'Search "{RARE_WORD}", whole history': page(cookies["agent"], f"/?view=resolved&q={RARE_WORD}"),
        "Dashboard, 30 days": page(cookies["supervisor"], dashboard(30)),
        "Dashboard, 365 days": page(cookies["supervisor"], dashboard(365)),
    }


def page(cookies, *paths, expect=200):
    """A page spec: each turn fetches the next of `paths` (one request per page); None if no path."""
    if not paths:
        return None
    return {"cookies": cookies, "requests": lambda turn: [(paths[turn % len(paths)], expect)]}


def bench_users():
    """An agent and a supervisor of the database; the supervisor is added (as bench/dashboards.py does)
    only if the database has none."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from oss_inbox.staff.roles import AGENT, SUPERVISOR

    users = get_user_model().objects.filter(is_active=True).order_by("id")
    agent = users.filter(groups__name=AGENT).first()
    supervisor = users.filter(groups__name=SUPERVISOR).first()
    if supervisor is None:
        print("No supervisor in the database: adding bench-supervisor (unusable password).")
        supervisor, _ = get_user_model().objects.get_or_create(username="bench-supervisor")
        supervisor.set_unusable_password()
        supervisor.save()
        supervisor.groups.add(Group.objects.get(name=SUPERVISOR))
    if agent is None:
        raise SystemExit("No agent in the database: fill it with bench/generate.py first.")
    return agent, supervisor


def unchanged_since(base_url, cookies):
    """The refresh check's header when the page in the browser is current: the version's own ETag."""
    import requests

    answer = requests.get(base_url + "/queue/version/", cookies=cookies, timeout=30)
    return {"If-None-Match": answer.headers["ETag"]}


class Server:
    """A gunicorn started in its own process group, stopped with it."""

    def __init__(self, command, cwd, env, url, log):
        self.url, self.log = url, log
        self.process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def __enter__(self):
        try:
            return self.wait_until_ready()
        except BaseException:
            self.__exit__()
            raise

    def wait_until_ready(self):
        import requests

        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"The server on {self.url} stopped at start; see {self.log.name}")
            try:
                requests.get(self.url + "/login/", timeout=30)
                return self.url
            except requests.RequestException:
                time.sleep(0.5)
        raise SystemExit(f"The server on {self.url} did not answer within {START_TIMEOUT} s")

    def __exit__(self, *exc):
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, 15)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait()


def oss_server(database_url, workers):
    env = oss_environment(database_url)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    if (ROOT / "gunicorn.conf.py").exists():
        command = [gunicorn, "-c", "gunicorn.conf.py", "oss_inbox.wsgi:application"]
    else:  # docker-compose.yml's web service
        command = [gunicorn, "oss_inbox.wsgi:application", "--timeout", "60"]
    # gunicorn's control socket has one path per user by default: another gunicorn of the machine's.
    command += ["--bind", f"127.0.0.1:{OSS_PORT}", "--workers", str(workers), "--no-control-socket"]
    (ROOT / "var").mkdir(exist_ok=True)
    log = open(ROOT / "var" / "bench-compare-oss.log", "w")
    return Server(command, ROOT, env, f"http://127.0.0.1:{OSS_PORT}", log)


def oss_size(database_url):
    return table_sizes(database_url, tickets="tickets_ticket", messages="tickets_message")


# --- django-helpdesk -----------------------------------------------------------------------------


def peer_server(database_url, workers):
    from bench import peer

    env = peer.environment(database_url, CACHE_URL=PEER_CACHE)
    command = [
        str(peer.VENV / "bin" / "gunicorn"), "peerdesk.wsgi:application", "--bind", f"127.0.0.1:{PEER_PORT}",
        "--workers", str(workers), "--worker-class", "sync", "--timeout", "60", "--no-control-socket",
    ]  # fmt: skip
    log = open(ROOT / "var" / "bench-compare-peer.log", "w")
    return Server(command, peer.PEER, env, f"http://127.0.0.1:{PEER_PORT}", log)


def peer_setup(base_url, database_url):
    """Log in through the peer's form; its pages, with the JSON request its ticket list makes."""
    import psycopg2

    from bench import peer

    cookies = peer_login(base_url, peer.PEER_USERNAME, peer.PEER_PASSWORD)
    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT id FROM helpdesk_ticket ORDER BY status IN (1, 2) DESC, id DESC LIMIT 50")
        tickets = [row[0] for row in cursor.fetchall()]  # the newest open ones
    report = "/helpdesk/reports/daysuntilticketclosedbymonth/"
    whole = "whole history"
    return {
        "Queue page (All open)": ticket_list(base_url, cookies, "/helpdesk/tickets/"),
        "Ticket page": page(cookies, *[f"/helpdesk/tickets/{pk}/" for pk in tickets]),
        f'Search "{COMMON_WORD}", whole history': ticket_list(
            base_url, cookies, f"/helpdesk/tickets/?q={COMMON_WORD}"
        ),
        f'Search "{RARE_WORD}", whole history': ticket_list(
            base_url, cookies, f"/helpdesk/tickets/?q={RARE_WORD}"
        ),
        "Dashboard, 30 days": {**page(cookies, report), "note": whole},
        "Dashboard, 365 days": {**page(cookies, report), "note": whole},
    }


def peer_login(base_url, username, password):
    import requests

    session = requests.Session()
    form = session.get(base_url + "/login/", timeout=30).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    answer = session.post(
        base_url + "/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302:
        raise SystemExit(f"Could not log in to the peer as {username}: {answer.status_code}")
    return session.cookies.get_dict()


def ticket_list(base_url, cookies, path):
    """django-helpdesk's ticket list: the page, then the JSON its table asks for (25 rows)."""
    import requests

    html = requests.get(base_url + path, cookies=cookies, timeout=120).text
    data = re.search(r'"url": "(/helpdesk/datatables_ticket_list/[^"]+)"', html).group(1)
    data += "?draw=1&start=0&length=25"
    return {"cookies": cookies, "requests": lambda turn: [(path, 200), (data, 200)]}


def peer_size(database_url):
    return table_sizes(
        database_url, tickets="helpdesk_ticket", messages="helpdesk_followup", label="follow-ups"
    )


def table_sizes(database_url, *, tickets, messages, label="messages"):
    import psycopg2

    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute(f"SELECT (SELECT count(*) FROM {tickets}), (SELECT count(*) FROM {messages})")
        ticket_count, message_count = cursor.fetchone()
    return f"{ticket_count:,} tickets, {message_count:,} {label}"


def flush_caches(peer_database):
    """Empty this benchmark's own Redis databases, so no page comes from an earlier run's cache."""
    import redis

    for url in (OSS_CACHE, OSS_BROKER) + ((PEER_CACHE,) if peer_database else ()):
        redis.Redis.from_url(url).flushdb()


if __name__ == "__main__":
    main()
