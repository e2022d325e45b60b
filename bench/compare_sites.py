"""The two sites bench/compare.py measures: how each is built, started, signed in to and which of
its pages are timed.

1. `build_database` / `build_peer_database`: create and fill a database unless it exists.
2. `oss_server` / `peer_server`: gunicorn as production serves each, as a `with` block.
3. `oss_setup` / `peer_setup`: the signed-in cookies and the pages (`page` specs) of each.
"""

import os
import re
import secrets
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
OSS_PORT, PEER_PORT = 8231, 8232  # this benchmark's ports: 8231-8239
REDIS = "redis://127.0.0.1:6379"
OSS_CACHE, PEER_CACHE, OSS_BROKER = f"{REDIS}/11", f"{REDIS}/12", f"{REDIS}/13"
COMMON_WORD, RARE_WORD = "account", "transformer"  # in ~17% and ~0.2% of the generated texts
START_TIMEOUT = 180
# libpq names each server's connections (PGAPPNAME), so CpuMeter counts only their PostgreSQL backends,
# not autovacuum's nor another program's reading the same database.
OSS_APP_NAME, PEER_APP_NAME = "bench-compare-oss", "bench-compare-peer"


def build_database(database_url, tickets):
    """`make bench`'s first step, skipped when the database exists: create it, migrate, fill it with
    bench/generate.py and run the dashboards' first fill."""
    if create_database(database_url, tickets):
        run_steps(database_url, build_steps(tickets))


def build_peer_database(database_url, tickets):
    """The same for the peer: bench/peer/generate.py (which migrates it) into a new database."""
    if create_database(database_url, tickets):
        generate = ["bench/peer/generate.py", "--tickets", str(tickets), "--database", database_url]
        run_steps(database_url, [generate])


def create_database(database_url, tickets):
    """Create the database unless it exists; whether it was created."""
    import psycopg2

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    connection = psycopg2.connect(parts._replace(path="/postgres").geturl())
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                print(f"{name} exists: measured as it is (drop it to build it again).", flush=True)
                return False
            print(f"Building {name} with {tickets:,} tickets (bench/README.md says how long).", flush=True)
            cursor.execute(f'CREATE DATABASE "{name}"')
            return True
    finally:
        connection.close()


def run_steps(database_url, steps):
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}
    for step in steps:
        print("$", " ".join(step), flush=True)
        begin = time.perf_counter()
        subprocess.run([sys.executable, *step], cwd=ROOT, env=env, check=True)
        print(f"  {time.perf_counter() - begin:,.0f} s", flush=True)


def build_steps(tickets):
    """One generator run through the history import's writer, the foreign keys and full-text indexes
    taken off and built again at the end (--rebuild-indexes): a million in about five minutes here
    (docs/BENCHMARKS.md "History generator"), 10,000 tickets a transaction; then the dashboards'
    first fill (about a minute) and the statistics the planner needs."""
    return [
        ["manage.py", "migrate", "--verbosity", "0"],
        ["bench/generate.py", "--tickets", str(tickets), "--batch-size", "10000", "--rebuild-indexes"],
        ["manage.py", "dashboards_rollup"],
    ]


# --- OSS Inbox -----------------------------------------------------------------------------------


SECRET_KEY = secrets.token_urlsafe(50)


def oss_environment(database_url):
    return {
        **os.environ, "DATABASE_URL": database_url, "DEBUG": "0", "SECRET_KEY": SECRET_KEY,
        "CACHE_URL": OSS_CACHE, "CELERY_BROKER_URL": OSS_BROKER, "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(ROOT / "var" / "bench-static"), "LOG_LEVEL": "WARNING", "ACCESS_LOG": "",
        "PYTHONUNBUFFERED": "1", "PGAPPNAME": OSS_APP_NAME,
    }  # fmt: skip


def oss_setup(database_url, read_only=False):
    """Sign in an agent and a supervisor; the pages to time, with their cookies."""
    os.environ.update(oss_environment(database_url))
    os.environ["DJANGO_SETTINGS_MODULE"] = "oss_inbox.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from oss_inbox.tickets.models import Ticket

    agent, supervisor = bench_users(read_only)
    cookies = {}
    for role, user in (("agent", agent), ("supervisor", supervisor)):
        if user is None:
            continue
        client = Client()
        client.force_login(user)
        cookies[role] = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
    tickets = list(
        Ticket.objects.exclude(status="resolved")
        .order_by("sla_due_at", "id")
        .values_list("pk", flat=True)[:50]
    )
    today = timezone.localdate()

    def dashboard(days):  # None (not timed) without a supervisor
        path = f"/dashboards/?start={today - timedelta(days=days - 1)}&end={today}"
        return page(cookies["supervisor"], path) if supervisor else None

    return {
        "Queue page (All open)": page(cookies["agent"], "/"),
        "Ticket page": page(cookies["agent"], *[f"/tickets/{pk}/" for pk in tickets]),
        "Unchanged refresh (304)": {
            **page(cookies["agent"], "/queue/version/", expect=304),
            "headers": unchanged_since,
        },
        f'Search "{COMMON_WORD}", whole history': page(cookies["agent"], f"/?view=resolved&q={COMMON_WORD}"),
        f'Search "{RARE_WORD}", whole history': page(cookies["agent"], f"/?view=resolved&q={RARE_WORD}"),
        "Dashboard, 30 days": dashboard(30),
        "Dashboard, 365 days": dashboard(365),
    }


def page(cookies, *paths, expect=200):
    """A page spec: each turn fetches the next of `paths` (one request per page); None if no path."""
    if not paths:
        return None
    return {"cookies": cookies, "requests": lambda turn: [(paths[turn % len(paths)], expect)]}


def bench_users(read_only):
    """An agent and a supervisor of the database; the supervisor is added (as bench/dashboards.py does)
    if the database has none, unless read-only (then None: the dashboards are not timed)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from oss_inbox.staff.roles import AGENT, SUPERVISOR

    users = get_user_model().objects.filter(is_active=True).order_by("id")
    agent = users.filter(groups__name=AGENT).first()
    supervisor = users.filter(groups__name=SUPERVISOR).first()
    if supervisor is None and read_only:
        print("No supervisor in the database and --read-only: the dashboards are not timed.")
    elif supervisor is None:
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


class CpuMeter:
    """CPU seconds used by a server's processes (its process group) and by the PostgreSQL backends
    serving its database, read from /proc between `start()` and `stop(count)`: the cost of a request
    on a machine whose other work bends the wall clock (PostgreSQL must run on this machine).

    Backends come and go (a kept connection is replaced after CONN_MAX_AGE), so they are sampled
    every SAMPLE_SECONDS while the clock runs and each one's last reading is kept: a backend that
    ends loses at most its last fraction of a second; a parallel worker shorter than that is missed.
    """

    SAMPLE_SECONDS = 0.2

    def __init__(self, process_group, database_url, app_name):
        import psycopg2

        self.process_group, self.app_name = process_group, app_name
        self.database = urlsplit(database_url).path.lstrip("/")
        self.connection = psycopg2.connect(database_url)
        self.connection.autocommit = True
        self.thread = None

    def start(self):
        server, backends = self.server_processes(), self.backends()
        self.first, self.last = ({**server}, {**backends}), (server, backends)
        self.running = True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def stop(self, count):
        """(server, PostgreSQL) CPU milliseconds per request since `start()`."""
        self.running = False
        self.thread.join()
        self.record(self.last[0], self.first[0], self.server_processes())
        self.record(self.last[1], self.first[1], self.backends())
        return tuple(
            sum(seconds - first.get(pid, 0.0) for pid, seconds in last.items()) * 1000 / max(count, 1)
            for first, last in zip(self.first, self.last, strict=True)
        )

    def sample(self):
        while self.running:
            time.sleep(self.SAMPLE_SECONDS)
            self.record(self.last[1], self.first[1], self.backends())

    @staticmethod
    def record(last, first, reading):
        for pid, seconds in reading.items():
            first.setdefault(pid, 0.0)  # begun since start(): all its time counts
            last[pid] = seconds

    def server_processes(self):
        found = {}
        for entry in os.scandir("/proc"):
            if entry.name.isdigit() and (stat := proc_stat(entry.name)) and stat[0] == self.process_group:
                found[int(entry.name)] = stat[1]
        return found

    def backends(self):
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = %s AND application_name = %s AND pid <> pg_backend_pid()",
                [self.database, self.app_name],
            )
            pids = [row[0] for row in cursor.fetchall()]
        return {pid: stat[1] for pid in pids if (stat := proc_stat(pid))}


TICKS = os.sysconf("SC_CLK_TCK")


def proc_stat(pid):
    """(process group, user + system CPU seconds) of a process, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            fields = file.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[2]), (int(fields[11]) + int(fields[12])) / TICKS


class Server:
    """A gunicorn started in its own process group, stopped with it; `with` gives the server itself."""

    def __init__(self, command, cwd, env, url, log, database_url, app_name):
        self.url, self.log = url, log
        self.process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.cpu = CpuMeter(self.process.pid, database_url, app_name)

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
                return self
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
    return Server(command, ROOT, env, f"http://127.0.0.1:{OSS_PORT}", log, database_url, OSS_APP_NAME)


def oss_size(database_url):
    return table_sizes(database_url, tickets="tickets_ticket", messages="tickets_message")


# --- django-helpdesk -----------------------------------------------------------------------------


def peer_server(database_url, workers):
    from bench import peer

    env = peer.environment(database_url, CACHE_URL=PEER_CACHE, PGAPPNAME=PEER_APP_NAME)
    command = [
        str(peer.VENV / "bin" / "gunicorn"), "peerdesk.wsgi:application", "--bind", f"127.0.0.1:{PEER_PORT}",
        "--workers", str(workers), "--worker-class", "sync", "--timeout", "60", "--no-control-socket",
    ]  # fmt: skip
    log = open(ROOT / "var" / "bench-compare-peer.log", "w")
    return Server(command, peer.PEER, env, f"http://127.0.0.1:{PEER_PORT}", log, database_url, PEER_APP_NAME)


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
