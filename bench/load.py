"""A hundred agents keeping the queue open, against a server on this machine (loopback only).

    python bench/load.py --url http://127.0.0.1:8211 --agents 100 --duration 150 --create-agents

Each simulated agent signs in once (its own session), opens the queue, then for --duration seconds
does what the browser does while the queue is open:

- the queue's refresh check, GET /queue/version/ with the last ETag, 5 s after the previous answer
  (static/js/inbox.js: a 304 while nothing changed);
- with a ticket open in the pane, its state poll GET /tickets/<id>/state/ 5 s after the previous
  answer (hx-trigger "every 5s" in templates/inbox/_ticket_state.html);
- every 10-30 s (about 20 s), one page: the full queue page (which closes the pane), the queue's
  htmx fragment (the live rows), or a ticket from the queue's rows opened in the pane.

Agents start spread over the first 5 s (--ramp), each poll with its own phase, so the requests are
not in lockstep. Printed: per request kind the count, p50 / p95 / p99 / max in ms and errors;
requests/s; the load average at start and end; the CPU this script used, the server's (with
--server-pid, the gunicorn master: its workers' CPU) and the whole machine's busy share.

On a machine shared with other work, --renice -10 (root) gives this script, the server and the server's
PostgreSQL backends priority, as a machine serving only the app would; start the server and this
script each with `setsid` (the kernel shares CPU between sessions first, then by niceness inside one).

Bounded: at most 500 agents and 30 minutes, and the URL must be a loopback address (127.0.0.0/8,
::1, or localhost resolving only to those); anything else is refused before a request is sent.
--create-agents (needs DATABASE_URL pointing at the server's database) makes the agents
load-agent-001... with the Agent role and the --password, or reactivates them; --retire-agents
deactivates them again at the end, so they leave colleagues' lists (their sessions stay valid until
signed in again: a deactivated user's requests are refused).
"""

import argparse
import asyncio
import ipaddress
import json
import os
import random
import re
import resource
import socket
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MAX_AGENTS = 500
MAX_DURATION = 1800  # seconds
POLL_EVERY = 5.0  # the queue's refresh check and the ticket's state poll
PAGE_EVERY = (10.0, 30.0)  # seconds between one agent's page loads: about 20
TIMEOUT = 30.0  # one request; a slower answer counts as an error
KINDS = ("refresh", "state", "queue", "queue-fragment", "ticket")
PAGE_KINDS = (("queue", 0.25), ("queue-fragment", 0.25), ("ticket", 0.5))
TICKET_ID = re.compile(r'data-ticket-id="(\d+)"')
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SEEN_OUTBOUND = re.compile(r'name="seen_outbound" value="([^"]*)"')


class Refused(Exception):
    """The URL is not one this script may load."""


def loopback_only(url):
    """The URL's scheme://host:port if its host is a loopback address; Refused otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(f"{url!r} is not an http:// or https:// URL")
    host = parts.hostname
    try:
        addresses = {ipaddress.ip_address(host)}
    except ValueError:
        if host.lower() != "localhost":
            raise Refused(
                f"{host!r} is not a loopback address: this script loads only this machine"
            ) from None
        try:
            found = socket.getaddrinfo(host, parts.port or 80, proto=socket.IPPROTO_TCP)
        except OSError as error:
            raise Refused(f"{host!r} does not resolve: {error}") from None
        addresses = {ipaddress.ip_address(info[4][0].split("%")[0]) for info in found}
    outside = sorted(str(address) for address in addresses if not address.is_loopback)
    if outside or not addresses:
        raise Refused(
            f"{host!r} is not a loopback address ({', '.join(outside)}): this script loads only this machine"
        )
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class Results:
    times: dict = field(default_factory=lambda: defaultdict(list))  # kind -> seconds
    errors: dict = field(default_factory=lambda: defaultdict(int))  # kind -> count
    statuses: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    samples: dict = field(default_factory=dict)  # kind -> one error's description
    recording: bool = False


async def pause(seconds, until):
    """Sleep `seconds`, or until the run's end if that comes first."""
    await asyncio.sleep(max(0.0, min(seconds, until - time.monotonic())))


class Agent:
    def __init__(self, number, base, http, results, rng):
        self.username = f"load-agent-{number:03d}"
        self.base, self.http, self.results, self.rng = base, http, results, rng
        self.cookies = {}
        self.etag = None
        self.ticket_ids = []
        self.open_ticket = None  # (id, seen_outbound) of the ticket in the pane
        self.open_changed = asyncio.Event()

    async def request(self, kind, method, path, *, headers=None, data=None, ok=(200,)):
        """One request; its time recorded under `kind` while recording. The body, or None on error."""
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        sent = {"Cookie": cookie, **(headers or {})} if cookie else dict(headers or {})
        if method == "POST":
            sent["Referer"] = self.base + path
        started = time.perf_counter()
        status, body, failure = None, None, None
        try:
            async with self.http.request(
                method, self.base + path, headers=sent, data=data, allow_redirects=False
            ) as response:
                body = await response.text()
                status = response.status
                for name, morsel in response.cookies.items():
                    self.cookies[name] = morsel.value
                if kind == "refresh" and response.headers.get("ETag"):
                    self.etag = response.headers["ETag"]
        except (TimeoutError, OSError, Exception) as error:  # aiohttp.ClientError and timeouts
            failure = f"{type(error).__name__}: {error}"
        elapsed = time.perf_counter() - started
        if status is not None and status not in ok:
            failure = f"HTTP {status} on {method} {path}"
        if self.results.recording:
            self.results.times[kind].append(elapsed)
            self.results.statuses[kind][status or "failed"] += 1
            if failure:
                self.results.errors[kind] += 1
                self.results.samples.setdefault(kind, failure)
        return None if failure else body

    async def sign_in(self, password):
        page = await self.request("login", "GET", "/login/")
        token = CSRF_INPUT.search(page or "")
        if not token:
            raise RuntimeError(f"{self.username}: no sign-in form at /login/")
        form = {"csrfmiddlewaretoken": token.group(1), "username": self.username, "password": password}
        await self.request("login", "POST", "/login/", data=form, ok=(302,))
        if "sessionid" not in self.cookies:
            raise RuntimeError(
                f"{self.username} could not sign in (no session cookie): does the user exist with this "
                "password (--create-agents), and does the server send cookies over http (SECURE_COOKIES=0)?"
            )

    async def open_queue(self, kind="queue"):
        headers = {"HX-Request": "true", "HX-Target": "queue-live"} if kind == "queue-fragment" else None
        body = await self.request(kind, "GET", "/", headers=headers)
        if body:
            self.ticket_ids = TICKET_ID.findall(body) or self.ticket_ids
        if kind == "queue":
            self.open_ticket = None  # a full page: the pane is empty again

    async def open_a_ticket(self):
        if not self.ticket_ids:
            return await self.open_queue()
        ticket = self.rng.choice(self.ticket_ids)
        body = await self.request(
            "ticket", "GET", f"/tickets/{ticket}/", headers={"HX-Request": "true", "HX-Target": "ticket-pane"}
        )
        if body is not None:
            seen = SEEN_OUTBOUND.search(body)
            self.open_ticket = (ticket, seen.group(1) if seen else None)
            self.open_changed.set()

    async def refresh_loop(self, until):
        await pause(self.rng.uniform(0, POLL_EVERY), until)
        while time.monotonic() < until:
            headers = {"Cache-Control": "no-cache"}
            if self.etag:
                headers["If-None-Match"] = self.etag
            await self.request("refresh", "GET", "/queue/version/", headers=headers, ok=(200, 304))
            await pause(POLL_EVERY, until)

    async def state_loop(self, until):
        while time.monotonic() < until:
            if self.open_ticket is None:
                self.open_changed.clear()
                try:
                    await asyncio.wait_for(self.open_changed.wait(), timeout=max(until - time.monotonic(), 0))
                except TimeoutError:
                    return
                await pause(POLL_EVERY, until)  # hx-trigger "every 5s": the first poll 5 s after opening
                continue
            ticket, seen = self.open_ticket
            query = f"?seen_outbound={seen}" if seen is not None else ""
            await self.request("state", "GET", f"/tickets/{ticket}/state/{query}")
            await pause(POLL_EVERY, until)

    async def page_loop(self, until):
        await pause(self.rng.uniform(0, PAGE_EVERY[1]), until)
        kinds, weights = zip(*PAGE_KINDS, strict=True)
        while time.monotonic() < until:
            kind = self.rng.choices(kinds, weights)[0]
            if kind == "ticket":
                await self.open_a_ticket()
            else:
                await self.open_queue(kind)
            await pause(self.rng.uniform(*PAGE_EVERY), until)

    async def run(self, until):
        await asyncio.gather(self.refresh_loop(until), self.state_loop(until), self.page_loop(until))


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))] if ordered else 0.0


def loadavg():
    return Path("/proc/loadavg").read_text().split()[:3]


def process_cpu(pid):
    """CPU seconds of a process and its live children (a gunicorn master and its workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(child) for child in children.read_text().split()]
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def machine_cpu():
    """(busy, total) jiffies of the whole machine, all cores."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)


def renice_all(niceness, server_pid, application_name):
    """Give the measured stack priority on a machine shared with other work: this script, the gunicorn
    master and workers, and the PostgreSQL backends the workers opened (DATABASE_URL's
    ?application_name=...). Backends come and go (CONN_MAX_AGE): called every few seconds."""
    pids = [os.getpid()]
    if server_pid:
        children = Path(f"/proc/{server_pid}/task/{server_pid}/children")
        pids += [server_pid, *(int(child) for child in children.read_text().split())]
    if application_name:
        query = f"SELECT pid FROM pg_stat_activity WHERE application_name = '{application_name}'"
        found = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-Atc", query],
            capture_output=True, text=True, timeout=10,
        )  # fmt: skip
        pids += [int(pid) for pid in found.stdout.split()]
    for pid in pids:
        try:
            if os.getpriority(os.PRIO_PROCESS, pid) != niceness:
                os.setpriority(os.PRIO_PROCESS, pid, niceness)
        except (ProcessLookupError, PermissionError):
            pass
    # With the kernel's autogroups (sched_autogroup_enabled) a process's nice counts only inside its
    # session's group: the groups of this script and of the server (start each with setsid, so that
    # nothing else shares them) get the niceness too.
    for pid in {os.getpid(), server_pid} - {None}:
        try:
            Path(f"/proc/{pid}/autogroup").write_text(str(niceness))
        except OSError:
            pass


async def keep_reniced(options):
    while True:
        await asyncio.to_thread(renice_all, options.renice, options.server_pid, options.pg_application_name)
        await asyncio.sleep(2)


def own_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def make_agents(count, password, retire=False):
    """Create (or reactivate) load-agent-001..count with the Agent role; or deactivate them (retire)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oss_inbox.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from oss_inbox.staff.roles import AGENT

    users = get_user_model().objects
    names = [f"load-agent-{number:03d}" for number in range(1, count + 1)]
    if retire:
        users.filter(username__in=names).update(is_active=False)
        return
    hashed = make_password(password)  # one hash for all: 100 hashes would take a minute of CPU
    group = Group.objects.get(name=AGENT)
    for number, name in enumerate(names, start=1):
        defaults = {
            "first_name": "Load",
            "last_name": f"Agent {number}",
            "password": hashed,
            "is_active": True,
        }
        user, _ = users.update_or_create(username=name, defaults=defaults)
        user.groups.add(group)


async def load(options, base):
    import aiohttp

    results = Results()
    rng = random.Random(options.seed)
    connector = aiohttp.TCPConnector(limit=0, force_close=not options.keep_alive)
    timeout = aiohttp.ClientTimeout(total=TIMEOUT)
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
    ) as http:
        if options.renice is not None:
            reniced = asyncio.create_task(keep_reniced(options))
        agents = [
            Agent(number, base, http, results, random.Random(rng.random()))
            for number in range(1, options.agents + 1)
        ]
        print(f"Signing in {len(agents)} agents at {base} ...", flush=True)
        signing = asyncio.Semaphore(4)  # password hashing is the server's slowest page: not all at once

        kept = (
            json.loads(options.sessions.read_text()) if options.sessions and options.sessions.exists() else {}
        )

        async def sign_in(agent):
            if agent.username in kept:  # a session of an earlier run, if the server still knows it
                agent.cookies["sessionid"] = kept[agent.username]
                await agent.open_queue()
                if agent.ticket_ids:
                    return
                agent.cookies.clear()
            async with signing:
                await agent.sign_in(options.password)
            await agent.open_queue()

        await asyncio.gather(*(sign_in(agent) for agent in agents))
        if options.sessions:
            options.sessions.write_text(
                json.dumps({agent.username: agent.cookies["sessionid"] for agent in agents})
            )

        async def started(agent, delay, until):
            await asyncio.sleep(delay)
            await agent.run(until)

        print(f"Running {options.duration} s (load average {' '.join(loadavg())}) ...", flush=True)
        began = {"load": loadavg(), "cpu": own_cpu(), "machine": machine_cpu(), "clock": time.monotonic()}
        began["server"] = process_cpu(options.server_pid) if options.server_pid else None
        results.recording = True
        until = began["clock"] + options.duration
        await asyncio.gather(*(started(agent, rng.uniform(0, options.ramp), until) for agent in agents))
        results.recording = False
        ended = {"load": loadavg(), "cpu": own_cpu(), "machine": machine_cpu(), "clock": time.monotonic()}
        ended["server"] = process_cpu(options.server_pid) if options.server_pid else None
        if options.renice is not None:
            reniced.cancel()
    return results, began, ended


def report(options, base, results, began, ended):
    wall = ended["clock"] - began["clock"]
    total = sum(len(values) for values in results.times.values())
    errors = sum(results.errors.values())
    print(f"\n{options.agents} agents, {wall:.0f} s against {base} (bench/load.py, seed {options.seed})")
    header = ("kind", "count", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors")
    print(f"{header[0]:<15}" + "".join(f"{name:>9}" for name in header[1:]) + "  statuses")

    def row(name, times, errors="", statuses=""):
        ms = [value * 1000 for value in times]
        figures = [percentile(ms, 0.50), percentile(ms, 0.95), percentile(ms, 0.99), max(ms)]
        print(
            f"{name:<15}{len(ms):>9}"
            + "".join(f"{value:>9.1f}" for value in figures)
            + f"{errors:>9}  {statuses}"
        )

    for kind in KINDS:
        if results.times.get(kind):
            counts = sorted(results.statuses[kind].items(), key=str)
            statuses = ", ".join(f"{status}: {count}" for status, count in counts)
            row(kind, results.times[kind], results.errors[kind], statuses)
    pages = [value for kind in ("queue", "queue-fragment", "ticket") for value in results.times.get(kind, [])]
    if pages:
        row("all pages", pages)
    print(f"requests/s: {total / wall:.1f}   errors: {errors}")
    for kind, sample in results.samples.items():
        print(f"  first {kind} error: {sample}")
    print(f"load average: start {' '.join(began['load'])}, end {' '.join(ended['load'])}")
    own = ended["cpu"] - began["cpu"]
    print(f"this script's CPU: {own:.1f} s = {100 * own / wall:.1f}% of one core")
    if began["server"] is not None:
        server = ended["server"] - began["server"]
        print(
            f"server CPU (gunicorn pid {options.server_pid} and its workers): {server:.1f} s = "
            f"{100 * server / wall:.1f}% of one core, {1000 * server / max(total, 1):.2f} ms per request"
        )
    busy = ended["machine"][0] - began["machine"][0]
    share = 100 * busy / max(ended["machine"][1] - began["machine"][1], 1)
    print(f"whole machine busy: {share:.0f}% of {os.cpu_count()} cores (everything on it)")


def bounded(low, high):
    def parse(raw):
        value = int(raw)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{raw} is not between {low} and {high}")
        return value

    return parse


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8211", help="the server (loopback only)")
    parser.add_argument("--agents", type=bounded(1, MAX_AGENTS), default=100, help="agents (default 100)")
    parser.add_argument(
        "--duration", type=bounded(1, MAX_DURATION), default=150, help="seconds (default 150)"
    )
    parser.add_argument("--ramp", type=float, default=5.0, help="agents start spread over this many seconds")
    parser.add_argument("--password", default="load-agent-password", help="the agents' password")
    parser.add_argument("--create-agents", action="store_true", help="create or reactivate the agents first")
    parser.add_argument("--retire-agents", action="store_true", help="deactivate the agents at the end")
    parser.add_argument(
        "--sessions",
        type=Path,
        help="a file keeping the agents' sessions between runs (signing 100 agents in costs the server "
        "a minute of CPU: password hashing is slow on purpose)",
    )
    parser.add_argument("--server-pid", type=int, help="gunicorn master's pid: report its workers' CPU")
    parser.add_argument(
        "--renice",
        type=int,
        metavar="N",
        help="run this script, the server (--server-pid) and its PostgreSQL backends at niceness N (e.g. "
        "-10; needs root): on a machine shared with other work, the figures of a machine serving only this",
    )
    parser.add_argument(
        "--pg-application-name",
        default="oss-load",
        help="with --renice: the server's PostgreSQL backends, by the application_name in its DATABASE_URL "
        "(postgres://.../db?application_name=oss-load)",
    )
    parser.add_argument(
        "--keep-alive", action="store_true", help="reuse connections (gthread/gevent workers)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    options = parser.parse_args(argv)
    try:
        base = loopback_only(options.url)
    except Refused as refusal:
        parser.exit(2, f"bench/load.py: refused: {refusal}\n")
    if options.create_agents:
        make_agents(options.agents, options.password)
    try:
        results, began, ended = asyncio.run(load(options, base))
    finally:
        if options.retire_agents:
            make_agents(options.agents, options.password, retire=True)
    report(options, base, results, began, ended)
    return 1 if sum(results.errors.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
