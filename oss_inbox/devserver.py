"""`make run`: prepare the embedded database, then run web, worker, beat and the sandbox until Ctrl-C.

Steps: migrate; create demo users and data on the first run (passwords printed once); point the
demo channel accounts at the sandbox (fake X, Facebook and mail servers on loopback); start every
process in its own session, its output prefixed with its name; on Ctrl-C or when any process
dies, stop them all (TERM, then KILL after a grace period).
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time

HOST, PORT = "127.0.0.1", int(os.environ.get("PORT", "8000"))
PYTHON = sys.executable
GRACE_SECONDS = 10


def processes():
    celery = [PYTHON, "-m", "celery", "-A", "oss_inbox"]
    return {
        "web": [PYTHON, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"],
        "worker": [*celery, "worker", "--queues=celery,polling,sending", "--loglevel=INFO", "--concurrency=2", "--hostname=worker@%h"],
        "beat": [*celery, "beat", "--loglevel=INFO", "--pidfile="],
        # Fake X, Graph API, IMAP and SMTP servers with customers writing to them (no internet needed).
        "sandbox": [PYTHON, "-m", "channels.sandbox"],
    }


def prepare():
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], check=True)
    subprocess.run([PYTHON, "manage.py", "demo_setup", "--tickets", os.environ.get("DEMO_TICKETS", "300")], check=True)
    subprocess.run([PYTHON, "manage.py", "connect_sandbox"], check=True)


def port_is_free():
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, PORT))
        except OSError:
            return False
    return True


def start(name, command):
    child = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1, start_new_session=True
    )
    threading.Thread(target=_relay, args=(name, child.stdout), daemon=True).start()
    return child


def _relay(name, stream):
    for line in stream:
        sys.stdout.write(f"{name:<7}| {line}")
        sys.stdout.flush()


def stop_all(children):
    for child in children.values():
        _signal(child, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal(child, signal.SIGKILL)
            child.wait()


def _signal(child, signum):
    try:
        os.killpg(child.pid, signum)  # the whole group: celery's pool children too
    except ProcessLookupError:
        pass


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main():
    if not port_is_free():
        sys.exit(f"Port {PORT} on {HOST} is in use: stop what runs there, or set PORT=8001.")
    prepare()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        # Explicitly: a process started in the background inherits SIGINT as ignored.
        signal.signal(signum, _interrupt)
    children = {name: start(name, command) for name, command in processes().items()}
    print(f"\nOSS Inbox is running at http://{HOST}:{PORT}/ (Ctrl-C stops everything)\n", flush=True)
    try:
        while all(child.poll() is None for child in children.values()):
            time.sleep(0.5)
        dead = [name for name, child in children.items() if child.poll() is not None]
        print(f"\n{', '.join(dead)} stopped; stopping the rest.", flush=True)
    except KeyboardInterrupt:
        print("\nStopping...", flush=True)
    finally:
        stop_all(children)


if __name__ == "__main__":
    main()
