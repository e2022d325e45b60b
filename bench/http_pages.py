"""A page over HTTP from one gunicorn worker, one plain client (http.client, a connection per request),
with the worker's CPU per request read from /proc: the page's own cost, without a benchmark client
or other workers sharing the two cores (bench/compare.py runs 5 workers and a `requests` client).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oss_bench1m .venv/bin/python bench/http_pages.py

Times the queue page, the unchanged refresh (304) and the ticket page over the 50 soonest-due open
tickets (each visited first, then again), as the bench agent of bench/inbox.py. Loopback only.
"""

import argparse
import http.client
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.update(
    DEBUG="0", SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50), SECURE_COOKIES="0",
    CACHE_URL=os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/12"), ALLOWED_HOSTS="127.0.0.1",
    STATIC_ROOT=str(ROOT / "var" / "bench-static"), LOG_LEVEL="WARNING", ACCESS_LOG="",
    DJANGO_SETTINGS_MODULE="oss_inbox.settings",
)  # fmt: skip

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from bench.inbox import agent_client  # noqa: E402
from oss_inbox.tickets.models import Ticket  # noqa: E402

PORT = 8671
TICKS = os.sysconf("SC_CLK_TCK")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests of the queue and the 304")
    options = parser.parse_args(argv)
    client = agent_client()
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    tickets = Ticket.objects.exclude(status="resolved").order_by("sla_due_at", "id")
    # The 51st warms the worker's templates for the ticket page; the 50 before it are timed.
    *ticket_paths, warming = [f"/tickets/{pk}/" for pk in tickets.values_list("pk", flat=True)[:51]]
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, check=True)
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    server = subprocess.Popen(
        [gunicorn, "-c", "gunicorn.conf.py", "oss_inbox.wsgi:application", "--workers", "1",
         "--bind", f"127.0.0.1:{PORT}"],
        cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port()
        etag = get("/queue/version/", cookie).getheader("ETag")
        print(
            "| Request | p50 ms | p95 ms | worker CPU ms | load average |\n| --- | ---: | ---: | ---: | --- |"
        )
        timed("Queue page (All open)", ["/"] * options.requests, cookie, server)
        timed("Unchanged refresh (304)", ["/queue/version/"] * options.requests, cookie, server, etag)
        get(warming, cookie)
        timed("Ticket page, 50 tickets, first visits", ticket_paths, cookie, server, warm=False)
        timed("Ticket page, 50 tickets, again", ticket_paths, cookie, server, warm=False)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()


def timed(name, paths, cookie, server, etag=None, warm=True):
    headers = {"If-None-Match": etag} if etag else {}
    if warm:
        for path in paths[:20]:
            get(path, cookie, headers)
    begin, took = worker_cpu(server), []
    for path in paths:
        start = time.perf_counter()
        get(path, cookie, headers)
        took.append((time.perf_counter() - start) * 1000)
    cpu = (worker_cpu(server) - begin) * 1000 / len(paths)
    took.sort()
    p50, p95 = took[len(took) // 2], took[min(len(took) - 1, int(len(took) * 0.95))]
    load = "/".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"| {name} | {p50:.1f} | {p95:.1f} | {cpu:.1f} | {load} |", flush=True)


def get(path, cookie, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    try:
        connection.request("GET", path, headers={"Cookie": cookie, **(headers or {})})
        response = connection.getresponse()
        response.read()
        return response
    finally:
        connection.close()


def worker_cpu(server):
    """CPU seconds of the server's process group (the master and its worker)."""
    total = 0.0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry.name}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == server.pid:
            total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def wait_for_port(seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).connect()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not start on port {PORT}")


if __name__ == "__main__":
    main()
