"""Two web processes, each with its own per-process (locmem) cache, and one composed reply posted
four times at once across them (a double click, a browser retrying, a load balancer resending):
one reply reaches the customer (issue 13, acceptance item 2).

Two gunicorn processes serve one SQLite file in a temporary folder; the suite's own test database
is not involved. About 15 seconds.
"""

import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
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


@pytest.fixture
def two_web_processes(tmp_path):
    """(base URLs of two web processes, the ticket's id, the database file)."""
    database = tmp_path / "inbox.sqlite3"
    env = {
        **os.environ, "OSS_VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{database}", "CACHE_URL": "locmem://",
        "CELERY_BROKER_URL": "memory://", "DEBUG": "1", "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "WARNING",
    }  # fmt: skip
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "-v0"], ["shell", "-c", SETUP]):
        done = subprocess.run([*manage, *command], cwd=ROOT, env=env, timeout=300, capture_output=True, text=True)
        assert done.returncode == 0, f"manage.py {command[0]} failed:\n{done.stdout}\n{done.stderr}"
    ticket_id = int(re.search(r"ticket (\d+)", done.stdout).group(1))
    ports = [free_port(), free_port()]
    logs = [open(tmp_path / f"web-{port}.log", "w") for port in ports]
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "oss_inbox.wsgi"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        for port, log in zip(ports, logs)
    ]
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, log in zip(urls, logs):
            _wait_until_up(url, Path(log.name))
        yield urls, ticket_id, database
    finally:
        for server in servers:
            server.terminate()
        for server, log in zip(servers, logs):
            server.wait(timeout=30)
            log.close()


def _wait_until_up(url, log, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(f"{url}/login/", timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not start:\n{log.read_text()[-3000:]}")


def _logged_in(url):
    browser = requests.Session()
    browser.get(f"{url}/login/", timeout=10)
    token = browser.cookies["csrftoken"]
    answer = browser.post(f"{url}/login/", {"username": "dana", "password": PASSWORD, "csrfmiddlewaretoken": token},
                          allow_redirects=False, timeout=10)  # fmt: skip
    assert answer.status_code == 302, answer.text[:500]
    return browser


def test_four_concurrent_posts_of_one_composed_reply_across_two_processes_store_one_reply(two_web_processes):
    urls, ticket_id, database = two_web_processes
    browser = _logged_in(urls[0])
    page = browser.get(f"{urls[0]}/tickets/{ticket_id}/", timeout=10).text
    once = re.search(r'name="once" value="([^"]+)"', page).group(1)
    form = {"text": "Crews are on their way.", "action": "reply", "once": once,
            "seen_outbound": "0", "csrfmiddlewaretoken": browser.cookies["csrftoken"]}  # fmt: skip
    start, answers = threading.Barrier(4), [None] * 4

    def post(index):
        clicker = requests.Session()
        clicker.cookies.update(browser.cookies)
        start.wait()
        answers[index] = clicker.post(f"{urls[index % 2]}/tickets/{ticket_id}/compose/", form,
                                      allow_redirects=False, timeout=60)  # fmt: skip

    threads = [threading.Thread(target=post, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [(answer.status_code, answer.headers.get("Location")) for answer in answers] == [
        (302, f"/tickets/{ticket_id}/")
    ] * 4
    with sqlite3.connect(database) as db:
        replies = db.execute(
            "SELECT text FROM tickets_message WHERE ticket_id = ? AND direction = 'outbound'", [ticket_id]
        ).fetchall()
    assert replies == [("Crews are on their way.",)]
