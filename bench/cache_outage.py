"""Pages while the Redis cache is down: status codes and the slowest answer, phase by phase.

    .venv/bin/python bench/cache_outage.py              # 20 s outages, as issue 13 measured

1. Start redis-server on a free port and two gunicorn workers with CACHE_URL pointing at it, on a
   new SQLite database in a temporary folder (an agent, an X account, one ticket).
2. An agent requests the ticket page and the queue in a loop through five phases: Redis up; Redis
   not answering (SIGSTOP, as behind a broken network: every call would time out); Redis back
   (SIGCONT); Redis killed (refused); Redis started again.
Prints one markdown row per phase, then the cache's log lines (one per worker per outage edge).
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct-horse-battery"
SETUP = f"""
from django.contrib.auth.models import Group, User
from oss_inbox.staff.roles import AGENT
from tests import factories
from tests.inbox.conftest import open_ticket
User.objects.create_user("dana", password="{PASSWORD}").groups.add(Group.objects.get(name=AGENT))
print("ticket", open_ticket(factories.account("twitter")).pk)
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis(port, folder):
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", folder]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    return process


def sweep(browser, base, ticket_id, label, seconds):
    codes, slowest, started = {}, 0.0, time.monotonic()
    while time.monotonic() - started < seconds:
        for path in (f"/tickets/{ticket_id}/", "/"):
            began = time.monotonic()
            status = browser.get(base + path, timeout=30).status_code
            slowest = max(slowest, time.monotonic() - began)
            codes[status] = codes.get(status, 0) + 1
    print(f"| {label} | {sum(codes.values())} | {codes} | {slowest * 1000:.0f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20, help="length of each outage")
    seconds = parser.parse_args().seconds
    folder = tempfile.mkdtemp(prefix="cache-outage-")
    redis_port, web_port = free_port(), free_port()
    redis_server = start_redis(redis_port, folder)
    env = {
        **os.environ, "OSS_VAR_DIR": folder, "DATABASE_URL": f"sqlite:///{folder}/inbox.sqlite3",
        "CACHE_URL": f"redis://127.0.0.1:{redis_port}/6", "CELERY_BROKER_URL": "memory://", "DEBUG": "1",
        "LOG_LEVEL": "WARNING",
    }  # fmt: skip
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    made = subprocess.run([sys.executable, "manage.py", "shell", "-c", SETUP], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)  # fmt: skip
    ticket_id = int(re.search(r"ticket (\d+)", made.stdout).group(1))
    log_path = Path(folder) / "web.log"
    with open(log_path, "w") as log:
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{web_port}", "--workers", "2", "oss_inbox.wsgi"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{web_port}"
    try:
        browser = signed_in(base)
        print("| phase | requests | status codes | slowest (ms) |\n| --- | --- | --- | --- |")
        sweep(browser, base, ticket_id, "Redis up", 5)
        redis_server.send_signal(signal.SIGSTOP)
        sweep(browser, base, ticket_id, f"Redis not answering (SIGSTOP) {seconds} s", seconds)
        redis_server.send_signal(signal.SIGCONT)
        sweep(browser, base, ticket_id, "Redis answering again", 5)
        redis_server.kill()
        redis_server.wait()
        sweep(browser, base, ticket_id, f"Redis killed {seconds} s", seconds)
        redis_server = start_redis(redis_port, folder)
        sweep(browser, base, ticket_id, "Redis started again", 8)
    finally:
        web.terminate()
        web.wait()
        redis_server.kill()
        redis_server.wait()
    print("\n".join(line for line in log_path.read_text().splitlines() if "oss_inbox.cache_backend" in line))
    shutil.rmtree(folder, ignore_errors=True)


def signed_in(base):
    for _ in range(200):
        try:
            requests.get(f"{base}/login/", timeout=2)
            break
        except requests.RequestException:
            time.sleep(0.3)
    browser = requests.Session()
    browser.get(f"{base}/login/")
    form = {"username": "dana", "password": PASSWORD, "csrfmiddlewaretoken": browser.cookies["csrftoken"]}
    assert browser.post(f"{base}/login/", form, allow_redirects=False).status_code == 302
    return browser


if __name__ == "__main__":
    main()
