"""`make run`'s whole stack in a temporary folder on free ports, for the stack test and bench/soak.py.

`python -m oss_inbox.devserver` (what `make run` runs) with its own var/ folder: a new SQLite
database and embedded broker, the demo team, the sandbox. Its output is kept, for the demo logins
and for failure reports. `Agent` is a person at the app over plain HTTP: log in, search, reply.
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
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 300  # migrate and demo data on a busy two-core machine
STOP_GRACE = 30


class StackError(Exception):
    """make run did not start, stopped, or did not do what was asked; the message has its last lines."""


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

    def __init__(self, var_dir, **settings):
        web, x, graph, imap, smtp, control, instagram = free_ports(7)
        self.web = f"http://127.0.0.1:{web}"
        self.control = f"http://127.0.0.1:{control}"
        env = {name: value for name, value in os.environ.items() if name not in _STACK_SETTINGS}
        env.update(
            OSS_VAR_DIR=str(var_dir), PORT=str(web), DEMO_TICKETS="3", DEBUG="1", PYTHONUNBUFFERED="1",
            SANDBOX_X_PORT=str(x), SANDBOX_GRAPH_PORT=str(graph), SANDBOX_IMAP_PORT=str(imap),
            SANDBOX_SMTP_PORT=str(smtp), SANDBOX_CONTROL_PORT=str(control),
            SANDBOX_INSTAGRAM_PORT=str(instagram),
        )  # fmt: skip
        env.update(settings)
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
                raise StackError(f"make run stopped (exit {self.process.returncode}):\n{self.output()}")
            self._note_children()
            if any("OSS Inbox is running" in line for line in self.lines) and self._answers():
                return
            time.sleep(1)
        raise StackError(f"make run was not up after {START_TIMEOUT} s:\n{self.output()}")

    def _answers(self):
        try:
            return (requests.get(f"{self.control}/sent", timeout=5).ok
                    and requests.get(f"{self.web}/login/", timeout=5).ok)  # fmt: skip
        except requests.RequestException:
            return False

    def _note_children(self):
        """Web, worker, beat and sandbox run in sessions of their own: remember them, to be sure to stop
        them."""
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
        raise StackError(f"no password printed for {username}:\n{self.output()}")

    def write(self, kind, text):
        answer = requests.post(f"{self.control}/write/{kind}", data=json.dumps({"text": text}), timeout=30)
        answer.raise_for_status()
        return answer.json()

    def sent(self):
        return requests.get(f"{self.control}/sent", timeout=10).json()

    def written(self):
        return requests.get(f"{self.control}/written", timeout=10).json()

    def pause_customers(self):
        requests.post(f"{self.control}/pause", timeout=10).raise_for_status()

    def running_children(self):
        """The pids of every process make run started, and of theirs (the worker's pool)."""
        self._note_children()
        found = set(self.children)
        for pid in self.children:
            try:
                for task in Path(f"/proc/{pid}/task").iterdir():
                    found.update(int(child) for child in (task / "children").read_text().split())
            except OSError:
                pass
        return found

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
        raise StackError(f"no {name} process:\n{self.output()}")

    def stop(self):
        """TERM makes devserver stop its processes (TERM, then KILL); anything left is killed here."""
        if self.process.poll() is None:
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
_STACK_SETTINGS = {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "MEDIA_ROOT", "STATIC_ROOT",
                   "OSS_REQUIRE_ALL", "DJANGO_SETTINGS_MODULE", "PORT", "DEMO_TICKETS"}  # fmt: skip


def _signal_group(pid, signum):
    try:
        os.killpg(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


class Agent:
    """An agent in a browser session, by plain HTTP: log in, search the queue, reply."""

    def __init__(self, base, username, password):
        self.base, self.http = base, requests.Session()
        self.http.get(f"{base}/login/", timeout=30)
        answer = self.http.post(
            f"{base}/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": self._csrf()},
            timeout=30,
        )
        assert answer.ok and "/login/" not in answer.url, f"{username} could not log in"

    def _csrf(self):
        return self.http.cookies["csrftoken"]

    def tickets_mentioning(self, words):
        page = self.http.get(f"{self.base}/", params={"view": "open", "q": words}, timeout=30)
        page.raise_for_status()
        return sorted(set(re.findall(r'href="/tickets/(\d+)/"', page.text)))

    def open_tickets(self):
        """The ids on the first page of the open queue."""
        page = self.http.get(f"{self.base}/", params={"view": "open"}, timeout=30)
        page.raise_for_status()
        return sorted(set(re.findall(r'href="/tickets/(\d+)/"', page.text)))

    def reply(self, ticket_id, text, *, action="reply", check=True):
        """Answer a ticket as its page's composer does; True when the app took the answer."""
        self.http.get(f"{self.base}/tickets/{ticket_id}/", timeout=30).raise_for_status()
        answer = self.http.post(
            f"{self.base}/tickets/{ticket_id}/compose/",
            data={"text": text, "action": action, "confirmed": "1", "csrfmiddlewaretoken": self._csrf()},
            timeout=30,
        )  # fmt: skip
        if check:
            assert answer.ok, (
                f"reply to ticket {ticket_id} refused ({answer.status_code}): {answer.text[:500]}"
            )
        return answer.ok
