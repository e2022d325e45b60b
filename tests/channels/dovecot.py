"""A real Dovecot IMAP server on loopback, for the email adapter's tests.

Dovecot refuses to run mail processes as root, so when the tests run as root the whole server
runs as `nobody` ("rootless" Dovecot: master, login and mail processes as one user, no chroot);
otherwise as the user running the tests. Everything lives in a temporary directory: the config,
the passwd-file with one user, the Maildir, sockets and the log. Needs Debian's dovecot-imapd.

`CuttingProxy` stands between the adapter and Dovecot and cuts the connection after a number of
bytes, to drop a connection in the middle of a FETCH at a point that is the same on every run.
"""

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from imapclient import IMAPClient

from channels.sandbox.mail import HOST, MAILBOX, free_port, wait_until_listening

from ..outside import require, seconds_ahead_of_the_real_clock

DOVECOT = "/usr/sbin/dovecot"
FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
PASSWORD = "dovecot-test-password"

CONFIG = """\
protocols = imap
# The clock, when a test run moves it ahead (--clock-ahead-days), reaches the processes Dovecot forks.
import_environment = TZ LD_PRELOAD FAKETIME NO_FAKE_STAT
listen = {host}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# A refused login (one test makes one on purpose) must not slow down the logins of the next tests:
# no failure delay here, and no auth penalty (its anvil socket is off, below).
auth_failure_delay = 0
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {uid}
last_valid_uid = {uid}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


class Dovecot:
    def __init__(self, root, *, clock_ahead_seconds=0):
        self.root = Path(root)
        self.clock_ahead_seconds = clock_ahead_seconds
        self.host, self.port = HOST, free_port()
        self.username, self.password = MAILBOX, PASSWORD
        self.account = pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
        self._process = None
        self._write_config()

    def _write_config(self):
        group = _group_name(self.account.pw_gid)
        values = dict(
            host=self.host,
            port=self.port,
            root=self.root,
            user=self.account.pw_name,
            group=group,
            uid=self.account.pw_uid,
        )
        (self.root / "dovecot.conf").write_text(CONFIG.format(**values))
        uid, gid = self.account.pw_uid, self.account.pw_gid
        (self.root / "users").write_text(
            f"{self.username}:{{PLAIN}}{self.password}:{uid}:{gid}::{self.root}/home::\n"
        )
        os.chown(self.root, uid, gid)
        for path in self.root.iterdir():
            os.chown(path, uid, gid)

    def start(self):
        as_user = (
            {"user": self.account.pw_uid, "group": self.account.pw_gid, "extra_groups": []}
            if os.geteuid() == 0
            else {}
        )
        self._process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **self._clock()},
            **as_user,
        )  # fmt: skip
        try:
            wait_until_listening(self.host, self.port, process=self._process)
        except RuntimeError as error:
            self.stop()
            raise RuntimeError(f"Dovecot did not start: {error}\n{self.log()}") from error

    def _clock(self):
        """Dovecot's clock runs as far ahead as the tests' when they run days ahead of today
        (--clock-ahead-days): it stamps mail with its own time and refuses a date in its future.
        libfaketime, which suits a C server (not CPython 3.11). Hours ahead need nothing: a date
        Dovecot refuses becomes its now, the same day."""
        if self.clock_ahead_seconds < 86_400:
            return {}
        require(
            os.path.exists(FAKETIME),
            "a clock days ahead needs libfaketime for Dovecot: apt-get install faketime",
        )
        # Not stat(): a maildir keeps each mail's date as its file's time, which must read as written.
        return {"LD_PRELOAD": FAKETIME, "FAKETIME": f"+{self.clock_ahead_seconds}", "NO_FAKE_STAT": "1"}

    def stop(self):
        if self._process is None:
            return
        self._process.terminate()  # the master stops its login and mail processes with it
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def restart(self):
        self.stop()
        self.start()

    @property
    def running(self):
        return self._process is not None and self._process.poll() is None

    def log(self):
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def client(self):
        client = IMAPClient(self.host, self.port, ssl=False, timeout=5)
        client.login(self.username, self.password)
        return client

    def deliver(self, raw, folder="INBOX", *, received_at=None):
        """APPEND a message, as the mail server delivering to the mailbox would; returns its UID.

        Received now by the test's clock (which may run ahead of Dovecot's: --clock-ahead-days), as
        the app's first poll looks for mail of the last days by that clock."""
        received_at = received_at or datetime.now(UTC)
        with self.client() as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            answer = client.append(folder, raw, msg_time=received_at)
        return int(answer.split(b"]")[0].split()[-1])  # "[APPENDUID <validity> <uid>] ..."

    def flags(self, folder="INBOX"):
        """{uid: flags} of every message in `folder`, read without changing them."""
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            return client.get_flags(client.search(["ALL"]))

    def uidvalidity(self, folder="INBOX"):
        with self.client() as client:
            return client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"]

    def recreate_folder(self, folder):
        """Delete and create `folder` again: the server gives it a new UIDVALIDITY."""
        with self.client() as client:
            client.delete_folder(folder)
            client.create_folder(folder)

    def empty(self):
        """Between tests: no messages in INBOX, no other folder."""
        if not self.running:
            self.start()
        with self.client() as client:
            for _flags, _delimiter, name in client.list_folders():
                if name != "INBOX":
                    client.delete_folder(name)
            client.select_folder("INBOX")
            client.delete_messages(client.search(["ALL"]))
            client.expunge()

    def settings(self, **overrides):
        found = {
            "imap_host": self.host,
            "imap_port": str(self.port),
            "imap_security": "none",
            "imap_username": self.username,
        }
        return {**found, **overrides}

    def credentials(self):
        return {"imap_password": self.password}


def _group_name(gid):
    return grp.getgrgid(gid).gr_name


@pytest.fixture(scope="module")
def dovecot_server():
    require(os.path.exists(DOVECOT), "needs Dovecot: apt-get install dovecot-imapd")
    # Not pytest's tmp_path: its parents are private to root, and Dovecot runs as nobody.
    root = tempfile.mkdtemp(prefix="oss-dovecot-")
    server = Dovecot(root, clock_ahead_seconds=int(seconds_ahead_of_the_real_clock()))
    server.start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def dovecot(dovecot_server):
    """The module's Dovecot, running, with an empty mailbox."""
    dovecot_server.empty()
    return dovecot_server


class CuttingProxy:
    """A TCP proxy on loopback that closes both sides once `cut_after` bytes came from the server.

    cut_after=None passes everything. One thread per connection and direction; test-sized.
    `from_client` keeps what the clients sent (their commands), to count them.
    """

    def __init__(self, target_port, *, cut_after=None):
        self.target_port, self.cut_after = target_port, cut_after
        self.from_client = bytearray()
        self._listener = socket.create_server((HOST, 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self._listener.close()

    def _accept(self):
        while True:
            try:
                client, _address = self._listener.accept()
            except OSError:
                return  # closed
            server = socket.create_connection((HOST, self.target_port))
            threading.Thread(
                target=self._pump, args=(client, server, None, self.from_client), daemon=True
            ).start()
            threading.Thread(target=self._pump, args=(server, client, self.cut_after), daemon=True).start()

    @staticmethod
    def _pump(source, target, budget, record=None):
        try:
            while budget is None or budget > 0:
                data = source.recv(65536)
                if not data:
                    break
                if record is not None:
                    record.extend(data)
                data = data if budget is None else data[:budget]
                budget = None if budget is None else budget - len(data)
                target.sendall(data)
        except OSError:
            pass
        for end in (source, target):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            end.close()
