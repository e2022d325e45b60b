"""Mail servers on loopback, in place of a provider's: an SMTP sink and an in-memory IMAP server.

`SmtpSink` keeps what it receives in memory and can be told to fail (a temporary or permanent
refusal, a hang-up after the content, the whole server down). `ImapSandbox` is pymap's in-memory
("dict") backend with one user, for `make run`; the tests read from a real Dovecot instead.

    python -m channels.sandbox.mail --imap-port 1143 --smtp-port 2525
runs both until Ctrl-C and prints the settings for an email channel account.
"""

import argparse
import email
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from imapclient import IMAPClient

HOST = "127.0.0.1"
MAILBOX = "help@utility.example"
START_TIMEOUT_SECONDS = 10


def free_port(host=HOST):
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def wait_until_listening(host, port, *, process=None, timeout=START_TIMEOUT_SECONDS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server on port {port} exited with code {process.returncode}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {host}:{port} after {timeout} s")


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC), compare=False)

    def message(self):
        return email.message_from_bytes(self.data, policy=policy.default)


class SmtpSink:
    """An SMTP server that keeps every message it accepts, thread-safe, with failures on demand."""

    def __init__(self, host=HOST, port=0, *, username="", password=""):
        self.host, self.port = host, port or free_port(host)
        self.username, self.password = username, password
        self._lock = threading.Lock()
        self._received = []
        self._refusals = []  # (code, text) answered to the next RCPT TO commands
        self._hang_ups = 0
        self._controller = None

    def start(self):
        # A stopped aiosmtpd Controller has closed its loop: each start gets a new one, same port.
        auth = {"authenticator": self._authenticate, "auth_require_tls": False} if self.username else {}
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port, **auth)
        self._controller.start()
        return self

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def fail_next(self, count, code=451, text="Requested action aborted: try again later"):
        """Refuse the next `count` recipients (RCPT TO) with `code`: 4xx temporary, 5xx permanent."""
        with self._lock:
            self._refusals += [(code, text)] * count

    def hang_up_next(self, count=1):
        """Keep the next `count` messages, then close the connection instead of answering 250."""
        with self._lock:
            self._hang_ups += count

    @property
    def running(self):
        return self._controller is not None

    def clear_faults(self):
        """Forget the refusals and hang-ups still waiting."""
        with self._lock:
            self._refusals, self._hang_ups = [], 0

    def faults(self):
        with self._lock:
            return {"running": self.running, "refusing": len(self._refusals), "hang_ups": self._hang_ups}

    @property
    def received(self):
        with self._lock:
            return list(self._received)

    def settings(self):
        """Settings of an email channel account that sends through this sink."""
        return {
            "smtp_host": self.host,
            "smtp_port": str(self.port),
            "smtp_security": "none",
            "smtp_username": self.username,
        }

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        login = getattr(auth_data, "login", b"").decode()
        password = getattr(auth_data, "password", b"").decode()
        # handled=False: aiosmtpd then answers a refusal with 535 itself.
        return AuthResult(success=(login, password) == (self.username, self.password), handled=False)

    def _take_refusal(self):
        with self._lock:
            return self._refusals.pop(0) if self._refusals else None

    def _keep(self, envelope):
        with self._lock:
            self._received.append(
                ReceivedMail(envelope.mail_from, tuple(envelope.rcpt_tos), bytes(envelope.content))
            )
            hang_up = self._hang_ups > 0
            self._hang_ups -= hang_up
            return hang_up


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refusal = self.sink._take_refusal()
        if refusal is not None:
            return f"{refusal[0]} {refusal[1]}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.sink._keep(envelope):
            server.transport.close()  # the mail is kept, but the client never hears so
        return "250 Message accepted for delivery"


class ImapSandbox:
    """pymap's in-memory IMAP server with one user, in a child process.

    pymap's server installs signal handlers on its asyncio loop, which only the main thread of a
    process may do: it cannot run in a thread of ours. Its mail is gone when it stops.
    """

    def __init__(self, host=HOST, port=0, *, username=MAILBOX, password="sandbox-password"):
        self.host, self.port = host, port or free_port(host)
        self.username, self.password = username, password
        self._process = None

    def start(self):
        command = [
            sys.executable, "-c", "from pymap.main import main; main()",
            "--host", self.host, "--port", str(self.port), "--no-tls",
            "dict", "--demo-user", self.username, "--demo-password", self.password,
        ]  # fmt: skip
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_until_listening(self.host, self.port, process=self._process)
        except RuntimeError as error:
            self.stop()
            raise RuntimeError(f"pymap did not start: {error}") from error
        return self

    def stop(self):
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process.stderr.close()
            self._process = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def deliver(self, raw, folder="INBOX"):
        """APPEND a message, as a mail server delivering to the mailbox would."""
        with IMAPClient(self.host, self.port, ssl=False, timeout=5) as client:
            client.login(self.username, self.password)
            client.append(folder, raw, msg_time=datetime.now(UTC))  # received now, by our clock

    def settings(self):
        return {
            "imap_host": self.host,
            "imap_port": str(self.port),
            "imap_security": "none",
            "imap_username": self.username,
        }

    def credentials(self):
        return {"imap_password": self.password}


def main():
    parser = argparse.ArgumentParser(description="Run the sandbox IMAP and SMTP servers until Ctrl-C.")
    parser.add_argument("--imap-port", type=int, default=1143)
    parser.add_argument("--smtp-port", type=int, default=2525)
    args = parser.parse_args()
    with ImapSandbox(port=args.imap_port) as imap, SmtpSink(port=args.smtp_port) as sink:
        print(
            f"IMAP {imap.host}:{imap.port} ({imap.username} / {imap.password}), SMTP {sink.host}:{sink.port}",
            flush=True,
        )
        print({**imap.settings(), **sink.settings()}, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
