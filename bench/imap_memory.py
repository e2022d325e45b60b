"""Memory of one email poll: six 20 MB messages read, parsed and stored by one fresh process.

    .venv/bin/python bench/imap_memory.py                 # Dovecot if installed, else pymap
    .venv/bin/python bench/imap_memory.py --server pymap --messages 6 --megabytes 20
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oss_imapbench .venv/bin/python bench/imap_memory.py

1. Start a real IMAP server on loopback (Dovecot, as the tests use, or the sandbox's pymap) and
   APPEND the messages: a short text and one large attachment (random bytes, base64), each about
   `--megabytes` MB on the server.
2. In a child process: migrate a new database (a temporary SQLite file unless DATABASE_URL is
   set; a PostgreSQL database is dropped and created again) and add an email account.
3. In a fresh child process: one `channels.polling.account_poll`, as a worker runs it. It reports
   its resident memory before the poll, at its peak (getrusage ru_maxrss) and afterwards, and
   checks that every attachment was stored with its bytes.
Prints a markdown row, with the load average beside it (the machine may be shared).
"""

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from email import policy
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MAILBOX = "help@utility.example"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default_server = "dovecot" if os.path.exists("/usr/sbin/dovecot") else "pymap"
    parser.add_argument("--server", choices=["dovecot", "pymap"], default=default_server)
    parser.add_argument("--messages", type=int, default=6)
    parser.add_argument("--megabytes", type=float, default=20)
    parser.add_argument("--child", choices=["deliver", "setup", "poll"], help=argparse.SUPPRESS)
    parser.add_argument("--settings", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "deliver":
        return print(json.dumps(child_deliver(json.loads(args.settings))))
    if args.child == "setup":
        return print(json.dumps(child_setup(json.loads(args.settings))))
    if args.child == "poll":
        return print(json.dumps(child_poll(json.loads(args.settings))))
    run(args)


# ---- the parent: server, mail, children ---------------------------------------------------------


def run(args):
    work = Path(tempfile.mkdtemp(prefix="oss-imapbench-"))
    os.chmod(work, 0o755)  # Dovecot runs as nobody when we are root
    env = {**os.environ, "MEDIA_ROOT": str(work / "media"), "DJANGO_SETTINGS_MODULE": "oss_inbox.settings"}
    env.setdefault("DATABASE_URL", f"sqlite:///{work / 'bench.sqlite3'}")
    server = start_server(args.server, work)
    try:
        settings = {**server.settings(), **server.credentials()}
        # The mail is made in a child: Linux gives a child the peak memory of the process that
        # started it (ru_maxrss survives fork and exec), so this one must stay small.
        size = int(args.megabytes * 1024 * 1024)
        settings["digests"] = child(env, "deliver", {**settings, "count": args.messages, "size": size})
        account_id = child(env, "setup", settings)["account_id"]
        report = child(env, "poll", {**settings, "account_id": account_id})
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    load = " / ".join(f"{figure:.2f}" for figure in os.getloadavg())
    database = env["DATABASE_URL"].split(":", 1)[0]
    print("| server | database | messages | MB each | RSS before poll | peak RSS | RSS after | stored | load average (1/5/15 min) |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| {args.server} | {database} | {args.messages} | {args.megabytes:g} | {report['rss_before_mb']:.0f} MB "
          f"| **{report['peak_rss_mb']:.0f} MB** | {report['rss_after_mb']:.0f} MB | {report['stored']} in {report['seconds']:.1f} s "
          f"| {load} |")  # fmt: skip
    if abs(report["peak_rss_mb"] - report["high_water_mb"]) > 5:
        print(f"ru_maxrss {report['peak_rss_mb']:.0f} MB but VmHWM {report['high_water_mb']:.0f} MB: inherited from this process?")
    if report["problems"]:
        sys.exit("Not stored as sent: " + "; ".join(report["problems"]))


def start_server(kind, work):
    if kind == "dovecot":
        from tests.channels.dovecot import Dovecot

        (work / "dovecot").mkdir()
        server = Dovecot(work / "dovecot")
        server.start()
        return server
    from channels.sandbox.mail import ImapSandbox

    return ImapSandbox().start()


def child_deliver(settings):
    """APPEND `count` messages of about `size` bytes; {filename: sha256 of the attachment}."""
    from imapclient import IMAPClient

    rng = random.Random(13)
    digests = {}
    with IMAPClient(settings["imap_host"], int(settings["imap_port"]), ssl=False, timeout=30) as client:
        client.login(settings["imap_username"], settings["imap_password"])
        for number in range(1, settings["count"] + 1):
            data = rng.randbytes(settings["size"] * 3 // 4 - 4096)  # base64 makes 4 bytes of every 3
            filename = f"meter-photos-{number}.zip"
            digests[filename] = hashlib.sha256(data).hexdigest()
            client.append("INBOX", large_message(number, filename, data))
    return digests


def large_message(number, filename, data):
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = "Maria Lopez <maria@example.com>"
    message["To"] = MAILBOX
    message["Subject"] = f"Meter photos, part {number}"
    message["Message-ID"] = f"<photos-{number}@example.com>"
    message.set_content("The photos of the meter you asked for are attached.\n")
    message.add_attachment(data, maintype="application", subtype="zip", filename=filename)
    return message.as_bytes()


def child(env, step, settings):
    command = [sys.executable, __file__, "--child", step, "--settings", json.dumps(settings)]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"The {step} step failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---- the children ---------------------------------------------------------------------------------


def child_setup(settings):
    import django

    _recreate_postgres_database()
    django.setup()
    from django.core.management import call_command

    from channels.models import ChannelAccount

    call_command("migrate", verbosity=0)
    account = ChannelAccount.objects.create(
        kind="email", name="Help desk mail", self_external_id=MAILBOX,
        settings={key: value for key, value in settings.items() if key.startswith("imap_")} | {"smtp_host": "127.0.0.1"},
        credentials={"imap_password": settings["imap_password"]},
    )  # fmt: skip
    return {"account_id": account.pk}


def _recreate_postgres_database():
    url = os.environ["DATABASE_URL"]
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import psycopg2

    base, name = url.rsplit("/", 1)
    connection = psycopg2.connect(f"{base}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def child_poll(settings):
    import gc

    import django

    django.setup()
    from channels.polling import account_poll
    from oss_inbox.tickets.models import Attachment

    gc.collect()
    before = _rss_mb()
    started = time.monotonic()
    result = account_poll(settings["account_id"], force=True)
    seconds = time.monotonic() - started
    gc.collect()
    after = _rss_mb()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {
        "rss_before_mb": before, "peak_rss_mb": peak, "rss_after_mb": after, "seconds": seconds,
        "high_water_mb": _rss_mb("VmHWM"),  # this process image's own peak: a check on ru_maxrss
        "stored": result.stored if result else 0, "problems": _problems(Attachment, settings["digests"]),
    }  # fmt: skip


def _problems(attachment_model, digests):
    found = {}
    for attachment in attachment_model.objects.exclude(file=""):
        digest = hashlib.sha256()
        with attachment.file.open("rb") as content:
            for chunk in iter(lambda: content.read(1024 * 1024), b""):  # noqa: B023 - read at once
                digest.update(chunk)
        found[attachment.filename] = digest.hexdigest()
    wrong = [name for name, sha in digests.items() if found.get(name) != sha]
    return [f"{name}: {'different bytes' if name in found else 'missing'}" for name in wrong]


def _rss_mb(field="VmRSS"):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


if __name__ == "__main__":
    main()
