"""`make run`: prepare the embedded database, then keep web, worker, beat and the sandbox
running until Ctrl-C.

Steps: migrate; create demo users and data on the first run (their logins saved, 0600, in
var/demo-logins.txt); point the demo channel accounts at the sandbox (fake X, Facebook and mail
servers on loopback); start every process in its own session, its output prefixed with its name;
say where the app runs and print the demo logins last.

A supervisor, not a fuse: a process that dies is started again after a pause that doubles with each
quick death (1 s up to 30 s), and the others keep running. Only a process that keeps dying (five
deaths in a row, each within a minute of its start) stops everything, with a non-zero exit status.
Ctrl-C (or TERM, HUP) stops every process quietly: TERM, then KILL after a grace period.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HOST, PORT = "127.0.0.1", int(os.environ.get("PORT", "8000"))
PYTHON = sys.executable
GRACE_SECONDS = 10
FIRST_PAUSE, LONGEST_PAUSE = 1.0, 30.0
QUICK_DEATH_SECONDS = 60  # a process that lived longer than this was healthy: its next pause starts over
GIVE_UP_AFTER = 5  # quick deaths in a row
# Quiet by default: the console shows warnings and errors, not every request, task and poll.
LOG_LEVEL = os.environ.get("LOG_LEVEL", "WARNING")
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def processes():
    celery = [PYTHON, "-m", "celery", "--quiet", "-A", "oss_inbox"]
    return {
        "web": [PYTHON, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"],
        "worker": [
            *celery,
            "worker",
            "--queues=celery,polling,sending",
            f"--loglevel={LOG_LEVEL}",
            "--concurrency=2",
            "--hostname=worker@%h",
            "--without-gossip",
            "--without-mingle",
        ],
        "beat": [*celery, "beat", f"--loglevel={LOG_LEVEL}", "--pidfile="],
        # Fake X, Graph API, IMAP and SMTP servers with customers writing to them (no internet needed).
        "sandbox": [PYTHON, "-m", "channels.sandbox"],
    }


def logins_file():
    from django.conf import settings

    return Path(settings.VAR_DIR) / "demo-logins.txt"


def prepare():
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], check=True)
    tickets = os.environ.get("DEMO_TICKETS", "300")
    subprocess.run(
        [PYTHON, "manage.py", "demo_setup", "--tickets", tickets, "--logins-file", str(logins_file())],
        check=True,
    )
    subprocess.run([PYTHON, "manage.py", "connect_sandbox"], check=True)


def port_is_free():
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, PORT))
        except OSError:
            return False
    return True


@dataclass
class Child:
    """One supervised process: its command, the running Popen, and its record of deaths."""

    name: str
    command: list
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    quick_deaths: int = 0
    restart_at: float | None = None

    def start(self):
        self.process = subprocess.Popen(
            self.command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
            start_new_session=True, env={**os.environ, "LOG_LEVEL": LOG_LEVEL},
        )  # fmt: skip
        self.started_at, self.restart_at = time.monotonic(), None
        threading.Thread(target=_relay, args=(self.name, self.process.stdout), daemon=True).start()

    def died(self, now):
        """Note a death; returns the pause before the next start, or None to give up."""
        lived = now - self.started_at
        self.quick_deaths = self.quick_deaths + 1 if lived < QUICK_DEATH_SECONDS else 1
        if self.quick_deaths >= GIVE_UP_AFTER:
            return None
        pause = min(FIRST_PAUSE * 2 ** (self.quick_deaths - 1), LONGEST_PAUSE)
        self.restart_at = now + pause
        return pause


def _relay(name, stream):
    for line in stream:
        sys.stdout.write(f"{name:<7}| {line}")
        sys.stdout.flush()


def supervise(children, stopping):
    """Restart what dies until `stopping` is set; returns the name of a process that keeps dying, or None."""
    while not stopping.wait(0.5):
        now = time.monotonic()
        for child in children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.start()
                continue
            status = child.process.poll()
            if status is None:
                continue
            _signal(child.process.pid, signal.SIGKILL)  # what it leaves behind, e.g. a killed worker's pool
            pause = child.died(now)
            if pause is None:
                say(f"{child.name} died {GIVE_UP_AFTER} times in a row (exit status {status}); giving up.")
                return child.name
            say(f"{child.name} stopped (exit status {status}); starting it again in {pause:.0f} s.")
    return None


def stop_all(children):
    """TERM to each process itself (the worker then stops its own pool: TERM to the pool too would
    log errors for a normal stop), then KILL to whatever is left in each process group."""
    running = [child.process for child in children if child.process and child.process.poll() is None]
    for process in running:
        _signal(process.pid, signal.SIGTERM, group=False)
    deadline = time.monotonic() + GRACE_SECONDS
    for process in running:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    for child in children:
        if child.process:
            _signal(child.process.pid, signal.SIGKILL)
            child.process.wait()


def _signal(pid, signum, group=True):
    try:
        if group:
            os.killpg(pid, signum)  # the whole group: celery's pool children too
        else:
            os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def say(line):
    print(f"make run| {line}", flush=True)


def wait_until_answering(timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, PORT), timeout=1):
                return True
        except OSError:
            time.sleep(0.3)
    return False


def logins_box():
    """The demo logins in a box, for the last lines of the start (None when there are none)."""
    try:
        rows = logins_file().read_text().splitlines()
    except OSError:
        return None
    lines = [f"Demo logins (also in {_shown(logins_file())}):", "", *rows]
    width = max(len(line) for line in lines)
    return "\n".join(
        [
            "+" + "-" * (width + 2) + "+",
            *(f"| {line:<{width}} |" for line in lines),
            "+" + "-" * (width + 2) + "+",
        ]
    )


def _shown(path):
    """`path` relative to the checkout when it is inside it (var/demo-logins.txt), else whole."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main():
    if not port_is_free():
        sys.exit(f"Port {PORT} on {HOST} is in use: stop what runs there, or set PORT=8001.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oss_inbox.settings")
    import django

    django.setup()
    for signum in STOP_SIGNALS:
        # Explicitly: a process started in the background inherits SIGINT as ignored.
        signal.signal(signum, _interrupt)
    children = [Child(name, command) for name, command in processes().items()]
    stopping = threading.Event()
    gave_up = None
    try:
        prepare()
        for child in children:
            child.start()
        wait_until_answering()
        time.sleep(1)  # let the processes' own start-up lines pass before ours
        box = logins_box()
        print(f"\nOSS Inbox is running at http://{HOST}:{PORT}/ (Ctrl-C stops everything)\n", flush=True)
        if box:
            print(box + "\n", flush=True)
        gave_up = supervise(children, stopping)
    except KeyboardInterrupt:
        print("\nStopping...", flush=True)
    except subprocess.CalledProcessError as error:
        sys.exit(
            f"make run stopped: {' '.join(error.cmd[1:3])} failed (exit status {error.returncode}); see "
            "above."
        )
    finally:
        for signum in STOP_SIGNALS:
            # A second Ctrl-C while the processes stop must not cut the stopping short and leave
            # them running (they are in sessions of their own: the terminal's Ctrl-C never reaches them).
            signal.signal(signum, signal.SIG_IGN)
        stopping.set()
        stop_all(children)
    if gave_up:
        sys.exit(f"make run stopped: {gave_up} keeps dying (see its last lines above).")


if __name__ == "__main__":
    main()
