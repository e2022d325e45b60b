"""Gunicorn web processes on a new SQLite database in a folder of their own, with an agent and one
open X ticket: for bench/cache_outage.py and tests/inbox/test_compose_two_processes.py.

1. `web_env(folder, **settings)`: the environment, with settings such as CACHE_URL on top.
2. `ticket_database(env)`: migrate the database, add the agent and the ticket; the ticket's id.
3. `web_processes(env, count)`: start them on free ports, each logging to web-<port>.log in the
   folder; their base URLs once every one answers; stopped on leaving the `with`.
4. `signed_in(url)`: a session logged in as the agent.
"""

import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

from bench.stack import free_ports

ROOT = Path(__file__).resolve().parents[1]
DATABASE_FILE = "inbox.sqlite3"
USERNAME, PASSWORD = "dana", "correct-horse-battery"
SETUP = f"""
from django.contrib.auth.models import Group, User
from oss_inbox.staff.roles import AGENT
from tests import factories
from tests.inbox.conftest import open_ticket

User.objects.create_user("{USERNAME}", password="{PASSWORD}").groups.add(Group.objects.get(name=AGENT))
print("ticket", open_ticket(factories.account("twitter")).pk)
"""
SETUP_TIMEOUT = 300  # migrate on a busy machine
START_TIMEOUT = 120
STOP_GRACE = 30


class ServerError(Exception):
    """A setup step failed or a web process did not start; the message has its output."""


def web_env(folder, **settings):
    return {
        **os.environ, "OSS_VAR_DIR": str(folder), "DATABASE_URL": f"sqlite:///{folder}/{DATABASE_FILE}",
        "CELERY_BROKER_URL": "memory://", "DEBUG": "1", "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "WARNING",
        **settings,
    }  # fmt: skip


def ticket_database(env):
    for command in (["migrate", "-v0"], ["shell", "-c", SETUP]):
        done = subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env,
                              timeout=SETUP_TIMEOUT, capture_output=True, text=True)  # fmt: skip
        if done.returncode:
            raise ServerError(f"manage.py {command[0]} failed:\n{done.stdout}\n{done.stderr}")
    return int(re.search(r"ticket (\d+)", done.stdout).group(1))


@contextmanager
def web_processes(env, count, *, workers=1):
    folder = Path(env["OSS_VAR_DIR"])
    ports = free_ports(count)
    logs = [open(folder / f"web-{port}.log", "w") for port in ports]
    servers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "oss_inbox.wsgi",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for port, log in zip(ports, logs, strict=True)
    ]
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, log in zip(urls, logs, strict=True):
            _wait_until_up(url, Path(log.name))
        yield urls
    finally:
        for server in servers:
            server.terminate()
        for server, log in zip(servers, logs, strict=True):
            server.wait(timeout=STOP_GRACE)
            log.close()


def _wait_until_up(url, log):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            requests.get(f"{url}/login/", timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise ServerError(f"{url} did not start:\n{log.read_text()[-3000:]}")


def signed_in(url):
    browser = requests.Session()
    browser.get(f"{url}/login/", timeout=10)
    form = {"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": browser.cookies["csrftoken"]}
    answer = browser.post(f"{url}/login/", form, allow_redirects=False, timeout=10)
    if answer.status_code != 302:
        raise ServerError(f"logging in as {USERNAME} answered {answer.status_code}:\n{answer.text[:500]}")
    return browser
