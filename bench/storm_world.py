"""bench/storm.py's world: a fresh PostgreSQL database and the processes that serve it.

`environment(database)` is what every process of the run reads (this one before django.setup(), the
Celery worker, gunicorn and the sandbox): the bench's own database, Redis db 15 as the broker and
db 4 as the cache, the sandbox's ports (18751-18756) and gunicorn's (18750), DEBUG off.
`prepare(url)` creates the database, migrates it and lays the world: the demo team, one channel
account of each kind pointed at the sandbox, the sample gazetteer. `Processes` starts and stops the
worker, gunicorn and the sandbox, each in its own session, and kills the worker by its pid.
"""

import http.client
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
WEB_PORT = 18750
SANDBOX_PORTS = {
    "X": 18751,
    "GRAPH": 18752,
    "INSTAGRAM": 18753,
    "IMAP": 18754,
    "SMTP": 18755,
    "CONTROL": 18756,
}
BROKER = "redis://127.0.0.1:6379/15"
CACHE = "redis://127.0.0.1:6379/4"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
GAZETTEER = ROOT / "oss_inbox" / "incidents" / "fixtures" / "gazetteer_sample.csv"


def environment(database_url):
    """The settings every process of the run shares (set here before django.setup())."""
    if urlsplit(database_url).hostname not in LOOPBACK:
        raise SystemExit(f"Only a database on this machine: {database_url} is not on 127.0.0.1.")
    env = {
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": BROKER,
        "CACHE_URL": CACHE,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("STORM_SECRET_KEY") or secrets.token_urlsafe(50),
        "SECURE_COOKIES": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(ROOT / "var" / "storm-bench-static"),
        "LOG_LEVEL": "WARNING",
        "ACCESS_LOG": "",
        "PORT": str(WEB_PORT),
        "DJANGO_SETTINGS_MODULE": "oss_inbox.settings",
        "PYTHONUNBUFFERED": "1",
        **{f"SANDBOX_{name}_PORT": str(port) for name, port in SANDBOX_PORTS.items()},
    }
    os.environ.update(env)
    return env


def create_database(url):
    """Drop and create the run's database (it is the bench's own: storm_bench*)."""
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("storm_bench"):
        raise SystemExit(f"The storm bench drops its database first: name it storm_bench*, not {name!r}.")
    admin = parts._replace(path="/postgres").geturl()
    connection = psycopg2.connect(admin)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()


def prepare():
    """Migrate, then lay the world: team, accounts on the sandbox, gazetteer. Returns the supervisor
    and an agent."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from channels.models import ChannelAccount
    from oss_inbox.demo.world import ensure_users
    from oss_inbox.staff.roles import AGENT, SUPERVISOR

    quiet = open(os.devnull, "w")  # noqa: SIM115
    call_command("migrate", verbosity=0, interactive=False)
    ensure_users()
    call_command("connect_sandbox", stdout=quiet)
    # No polls in this run (no beat): the scenario's items are handed to ingest as a poll would.
    ChannelAccount.objects.update(webhooks_enabled=False, next_poll_at=timezone.now() + timedelta(days=1))
    call_command("load_gazetteer", str(GAZETTEER), stdout=quiet)
    users = get_user_model().objects
    return users.filter(groups__name=SUPERVISOR).first(), users.filter(groups__name=AGENT).first()


def storm_mode_on(supervisor):
    """Storm mode as a utility turns it on for the night: proposals confirm themselves, each report is
    acknowledged (asking where the customer is when the report names no single area)."""
    from oss_inbox.sla.storm import storm_start

    storm_start(
        by=supervisor,
        reason="bench/storm.py: a storm night",
        auto_confirm=True,
        auto_acknowledge=True,
        outage_map_url="https://outages.example.com/map",
    )


def session_cookie(user):
    """A signed-in session for `user`, as login writes one (no password needed)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    # The backend that finds users (the first one only throttles logins).
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


class Processes:
    """The Celery worker and beat, gunicorn and the sandbox of the run; logs under var/storm-bench-*.log."""

    def __init__(self, env):
        self.env = {**os.environ, **env}
        self.running = {}

    def start_worker(self):
        self._start(
            "worker",
            [sys.executable, "-m", "celery", "--quiet", "-A", "oss_inbox", "worker",
             "--queues=celery,polling,sending", "--concurrency=2", "--loglevel=WARNING",
             "--hostname=stormbench@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        )  # fmt: skip

    def start_beat(self):
        """Beat as production runs it: the sweepers find what a killed worker left (the broker is
        never the record)."""
        self._start("beat", [sys.executable, "-m", "celery", "--quiet", "-A", "oss_inbox", "beat",
                             "--loglevel=WARNING", "--pidfile="])  # fmt: skip

    def start_web(self):
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=self.env,
            check=True,
        )
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self._start("web", [gunicorn, "-c", "gunicorn.conf.py", "oss_inbox.wsgi:application"])
        wait_for_port(WEB_PORT)

    def start_sandbox(self):
        self._start(
            "sandbox", [sys.executable, "-m", "channels.sandbox", "--quiet-customers", "--no-webhooks"]
        )
        wait_for_port(SANDBOX_PORTS["CONTROL"])

    def _start(self, name, command):
        log = open(ROOT / "var" / f"storm-bench-{name}.log", "a")  # noqa: SIM115
        self.running[name] = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def kill_worker(self):
        """SIGKILL to the worker and its pool, at once: a machine losing power, not a shutdown."""
        _signal_group(self.running["worker"].pid, signal.SIGKILL)
        self.running.pop("worker").wait()

    def stop(self):
        for process in self.running.values():
            _signal_group(process.pid, signal.SIGTERM)
        for process in self.running.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)
                process.wait()
        self.running.clear()


class Renicer:
    """Gives the run's processes priority on a machine shared with other work, as bench/load.py does:
    this script, the worker, beat, gunicorn, the sandbox, their children, and the PostgreSQL backends
    of the run's database, every 2 s (backends and pool processes come and go). With the kernel's
    autogroups a nice value counts only within its session: each session leader's group gets it too."""

    def __init__(self, processes, database, niceness):
        self.processes, self.database, self.niceness = processes, database, niceness
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._keep, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.stopping.set()
        self.thread.join()

    def _keep(self):
        while not self.stopping.is_set():
            leaders = [os.getpid(), *(process.pid for process in list(self.processes.running.values()))]
            for pid in {*_descendants(leaders), *self._backends()}:
                try:
                    os.setpriority(os.PRIO_PROCESS, pid, self.niceness)
                except (ProcessLookupError, PermissionError):
                    pass
            for pid in leaders:
                try:
                    Path(f"/proc/{pid}/autogroup").write_text(str(self.niceness))
                except OSError:
                    pass
            self.stopping.wait(2)

    def _backends(self):
        name = urlsplit(self.database).path.lstrip("/")
        query = f"SELECT pid FROM pg_stat_activity WHERE datname = '{name}'"
        found = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-Atc", query],
            capture_output=True, text=True, timeout=10,
        )  # fmt: skip
        return [int(pid) for pid in found.stdout.split()]


def _descendants(pids):
    found, waiting = set(), list(pids)
    while waiting:
        pid = waiting.pop()
        found.add(pid)
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                waiting += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def _signal_group(pid, signum):
    try:
        os.killpg(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def wait_for_port(port, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"Nothing answered on port {port} after {seconds} s (see var/storm-bench-*.log).")
