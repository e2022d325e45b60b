"""Acceptance of `make run` (issue 4, item 4): the whole stack, as a new user starts it.

`python -m oss_inbox.devserver` (what `make run` runs) in a temporary folder, on free ports: it
migrates a new SQLite database, creates the demo team, points the demo accounts at the sandbox and
starts web, worker, beat and sandbox. Through the sandbox's control page a customer then tweets,
comments on the Page, writes on Messenger and emails; each must be a ticket in the queue within 60
seconds. An agent logs in over HTTP with the password the start printed and answers each; each
answer must reach the sandbox (fake X API, Graph API, SMTP sink).

No PostgreSQL or Redis: like `make run`, it uses the embedded database and broker. It takes about
a minute (longer on a busy machine: the start-up wait is generous, the 60 seconds are not).
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 300  # migrate and demo data on a busy two-core machine
TICKET_WITHIN = 60  # the promise: a new message is a ticket within a minute
REPLY_WITHIN = 60
STOP_GRACE = 30
# What each kind of message becomes in the sandbox's /sent listing when answered.
SENT_LIST = {"mention": "tweets", "dm": "dms", "comment": "facebook", "messenger": "facebook", "email": "mail"}

pytestmark = pytest.mark.stack


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    try:
        for probe in sockets:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in sockets]
    finally:
        for probe in sockets:
            probe.close()


class Stack:
    """`make run` in the background; its output kept for the passwords and for failure reports."""

    def __init__(self, var_dir):
        web, x, graph, imap, smtp, control = free_ports(6)
        self.web = f"http://127.0.0.1:{web}"
        self.control = f"http://127.0.0.1:{control}"
        env = {name: value for name, value in os.environ.items() if name not in _STACK_SETTINGS}
        env.update(
            OSS_VAR_DIR=str(var_dir), PORT=str(web), DEMO_TICKETS="3", DEBUG="1", PYTHONUNBUFFERED="1",
            SANDBOX_X_PORT=str(x), SANDBOX_GRAPH_PORT=str(graph), SANDBOX_IMAP_PORT=str(imap),
            SANDBOX_SMTP_PORT=str(smtp), SANDBOX_CONTROL_PORT=str(control),
        )  # fmt: skip
        self.lines = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "oss_inbox.devserver"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, bufsize=1, start_new_session=True,
        )  # fmt: skip
        self.children = set()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def output(self, last=80):
        return "\n".join(self.lines[-last:])

    def wait_until_up(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"make run stopped (exit {self.process.returncode}):\n{self.output()}")
            self._note_children()
            if any("OSS Inbox is running" in line for line in self.lines) and self._answers():
                return
            time.sleep(1)
        pytest.fail(f"make run was not up after {START_TIMEOUT} s:\n{self.output()}")

    def _answers(self):
        try:
            return (requests.get(f"{self.control}/sent", timeout=5).ok
                    and requests.get(f"{self.web}/login/", timeout=5).ok)  # fmt: skip
        except requests.RequestException:
            return False

    def _note_children(self):
        """Web, worker, beat and sandbox run in sessions of their own: remember them, to be sure to stop them."""
        try:
            for task in Path(f"/proc/{self.process.pid}/task").iterdir():
                self.children.update(int(pid) for pid in (task / "children").read_text().split())
        except OSError:
            pass

    def password_of(self, username):
        for line in self.lines:  # the box of demo logins: "| dana      Agent       Dana ...   PASSWORD |"
            match = re.match(rf"\|\s+{username}\s+\S+\s+.*\s(\S+)\s+\|$", line)
            if match:
                return match.group(1)
        pytest.fail(f"no password printed for {username}:\n{self.output()}")

    def write(self, kind, text):
        answer = requests.post(f"{self.control}/write/{kind}", data=json.dumps({"text": text}), timeout=30)
        answer.raise_for_status()
        return answer.json()

    def sent(self):
        return requests.get(f"{self.control}/sent", timeout=10).json()

    def pid_of(self, name):
        """The pid of make run's `name` process (e.g. "worker"), by its command line."""
        self._note_children()
        for pid in sorted(self.children, reverse=True):  # the newest first: a restarted one
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if name.encode() in command:
                return pid
        pytest.fail(f"no {name} process:\n{self.output()}")

    def stop(self):
        """TERM makes devserver stop its processes (TERM, then KILL); anything left is killed here."""
        if self.process.poll() is not None:
            return
        self._note_children()
        _signal_group(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            _signal_group(self.process.pid, signal.SIGKILL)
            self.process.wait()
        for child in self.children:  # each the leader of its own session and group
            _signal_group(child, signal.SIGKILL)


# Settings that would take the stack away from make run's defaults (a test database, Redis).
_STACK_SETTINGS = {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "MEDIA_ROOT", "STATIC_ROOT", "OSS_REQUIRE_ALL",
                   "DJANGO_SETTINGS_MODULE", "PORT", "DEMO_TICKETS"}  # fmt: skip


def _signal_group(pid, signum):
    try:
        os.killpg(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


@pytest.fixture
def stack(tmp_path):
    running = Stack(tmp_path)
    try:
        running.wait_until_up()
        yield running
    finally:
        running.stop()


class Agent:
    """An agent in a browser session, by plain HTTP: log in, search the queue, reply."""

    def __init__(self, base, username, password):
        self.base, self.http = base, requests.Session()
        self.http.get(f"{base}/login/", timeout=30)
        answer = self.http.post(
            f"{base}/login/", data={"username": username, "password": password, "csrfmiddlewaretoken": self._csrf()},
            timeout=30,
        )  # fmt: skip
        assert answer.ok and "/login/" not in answer.url, f"{username} could not log in"

    def _csrf(self):
        return self.http.cookies["csrftoken"]

    def tickets_mentioning(self, words):
        page = self.http.get(f"{self.base}/", params={"view": "open", "q": words}, timeout=30)
        page.raise_for_status()
        return sorted(set(re.findall(r'href="/tickets/(\d+)/"', page.text)))

    def reply(self, ticket_id, text):
        self.http.get(f"{self.base}/tickets/{ticket_id}/", timeout=30).raise_for_status()
        answer = self.http.post(
            f"{self.base}/tickets/{ticket_id}/compose/",
            data={"text": text, "action": "reply", "confirmed": "1", "csrfmiddlewaretoken": self._csrf()},
            timeout=30,
        )  # fmt: skip
        assert answer.ok, f"reply to ticket {ticket_id} refused ({answer.status_code}): {answer.text[:500]}"


def wait_for(what, within, check, stack):
    deadline = time.monotonic() + within
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not within {within} s. Last output of make run:\n{stack.output()}")
        time.sleep(2)


def test_messages_on_every_channel_become_tickets_and_replies_reach_the_sandbox(stack):
    run = uuid.uuid4().hex[:8]
    words = {kind: f"check{kind}{run}" for kind in ("mention", "comment", "messenger", "email")}
    written_at = {}
    for kind, word in words.items():
        stack.write(kind, f"Our power has been out since this morning ({word}), is there an estimate?")
        written_at[kind] = time.monotonic()

    agent = Agent(stack.web, "dana", stack.password_of("dana"))
    tickets = {}
    for kind, word in words.items():
        remaining = TICKET_WITHIN - (time.monotonic() - written_at[kind])
        found = wait_for(f"a ticket for the {kind}", max(remaining, 0), lambda: agent.tickets_mentioning(word), stack)
        assert len(found) == 1, f"the {kind} is on {len(found)} tickets"
        tickets[kind] = found[0]

    answers = {kind: f"Crews are on it, sorry for the wait (answer{kind}{run})." for kind in words}
    for kind, text in answers.items():
        agent.reply(tickets[kind], text)

    def delivered():
        sent = stack.sent()
        return all(any(answers[kind] in item["text"] for item in sent[SENT_LIST[kind]]) for kind in answers) and sent

    sent = wait_for("every reply in the sandbox", REPLY_WITHIN, delivered, stack)
    mail = next(item for item in sent["mail"] if answers["email"] in item["text"])
    assert mail["subject"].startswith("Re:") and mail["in_reply_to"], "the email reply threads onto the customer's mail"
    messenger = next(item for item in sent["facebook"] if answers["messenger"] in item["text"])
    comment = next(item for item in sent["facebook"] if answers["comment"] in item["text"])
    assert (messenger["kind"], comment["kind"]) == ("messenger", "comment")

    # The worker is killed: make run starts it again, and the next message is still a ticket in time.
    os.kill(stack.pid_of("worker"), signal.SIGKILL)
    word = f"checkafterkill{run}"
    stack.write("mention", f"Still no power on our street ({word})")
    wait_for("a ticket after the worker was killed", TICKET_WITHIN, lambda: agent.tickets_mentioning(word), stack)
    assert any("worker stopped (exit status -9); starting it again" in line for line in stack.lines)

    # Ctrl-C: everything stops, quietly.
    stopping_from = len(stack.lines)
    stack.stop()
    assert stack.process.returncode == 0, stack.output()
    after = "\n".join(stack.lines[stopping_from:])
    assert "ERROR" not in after and "Traceback" not in after, after
