"""Memory of one email poll: six 20 MB messages read, parsed and stored by one fresh process.

    .venv/bin/python bench/imap_memory.py                 # Dovecot if installed, else pymap
    .venv/bin/python bench/imap_memory.py --server pymap --messages 6 --megabytes 20
    .venv/bin/python bench/imap_memory.py --worker        # the poll in a real Celery worker
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oss_imapbench .venv/bin/python bench/imap_memory.py

1. Start a real IMAP server on loopback (Dovecot, as the tests use, or the sandbox's pymap) and
   APPEND the messages: a short text and one large attachment (random bytes, base64), each about
   `--megabytes` MB on the server.
2. In a child process: migrate a new database (a temporary SQLite file unless DATABASE_URL is
   set; a PostgreSQL database is dropped and created again) and add an email account.
3. In a fresh child process: one `channels.polling.account_poll`, as a worker runs it. It reports
   its resident memory before the poll, at its peak (getrusage ru_maxrss) and afterwards, and
   checks that every attachment was stored with its bytes.
   With --worker, instead: a real Celery worker (prefork, one pool process, the embedded broker in
   a temporary folder) takes `poll_account` from the broker, as in production; the figures are the
   high-water marks (VmHWM) of the worker's pool process, which polls, and of its main process.
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
    parser.add_argument("--worker", action="store_true", help="Poll in a real Celery worker.")
    parser.add_argument("--child", choices=["deliver", "setup", "poll", "enqueue"], help=argparse.SUPPRESS)
    parser.add_argument("--settings", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "deliver":
        return print(json.dumps(child_deliver(json.loads(args.settings))))
    if args.child == "setup":
        return print(json.dumps(child_setup(json.loads(args.settings))))
    if args.child == "poll":
        return print(json.dumps(child_poll(json.loads(args.settings))))
    if args.child == "enqueue":
        return print(json.dumps(child_enqueue(json.loads(args.settings))))
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
        if args.worker:
            return report_worker(poll_in_worker(env, work, {**settings, "account_id": account_id}), args)
        report = child(env, "poll", {**settings, "account_id": account_id})
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    load = " / ".join(f"{figure:.2f}" for figure in os.getloadavg())
    database = env["DATABASE_URL"].split(":", 1)[0]
    print(
        "| server | database | messages | MB each | RSS before poll | peak RSS | RSS after | stored "
        "| load average (1/5/15 min) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| {args.server} | {database} | {args.messages} | {args.megabytes:g} "
          f"| {report['rss_before_mb']:.0f} MB | **{report['peak_rss_mb']:.0f} MB** "
          f"| {report['rss_after_mb']:.0f} MB | {report['stored']} in {report['seconds']:.1f} s "
          f"| {load} |")  # fmt: skip
    if abs(report["peak_rss_mb"] - report["high_water_mb"]) > 5:
        print(
            f"ru_maxrss {report['peak_rss_mb']:.0f} MB but VmHWM {report['high_water_mb']:.0f} MB: "
            "inherited from this process?"
        )
    if report["problems"]:
        sys.exit("Not stored as sent: " + "; ".join(report["problems"]))


def poll_in_worker(env, work, settings):
    """Start a worker, hand it the poll through the broker, wait for the poll to finish; its figures."""
    env = {**env, "OSS_VAR_DIR": str(work), "LOG_LEVEL": "WARNING"}
    env.pop("CELERY_BROKER_URL", None)  # the embedded broker, in `work`
    command = [sys.executable, "-m", "celery", "--quiet", "-A", "oss_inbox", "worker", "--queues=polling",
               "--concurrency=1", "--without-gossip", "--without-mingle", "--loglevel=WARNING"]  # fmt: skip
    worker = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        report = child(env, "enqueue", settings)
        pool = [int(pid) for task in Path(f"/proc/{worker.pid}/task").iterdir()
                for pid in (task / "children").read_text().split()]  # fmt: skip
        report["pool_peak_mb"] = max(_rss_mb("VmHWM", pid) for pid in pool)
        report["pool_after_mb"] = max(_rss_mb("VmRSS", pid) for pid in pool)
        report["main_peak_mb"] = _rss_mb("VmHWM", worker.pid)
        return report
    finally:
        os.killpg(worker.pid, 9)
        worker.wait()


def report_worker(report, args):
    load = " / ".join(f"{figure:.2f}" for figure in os.getloadavg())
    print(
        "| server | messages | MB each | worker pool process: peak RSS | after "
        "| worker main process: peak | stored | load average |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {args.server} | {args.messages} | {args.megabytes:g} | **{report['pool_peak_mb']:.0f} MB** "
          f"| {report['pool_after_mb']:.0f} MB | {report['main_peak_mb']:.0f} MB "
          f"| {report['stored']} in {report['seconds']:.1f} s | {load} |")  # fmt: skip
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
        settings={key: value for key, value in settings.items() if key.startswith("imap_")}
        | {"smtp_host": "127.0.0.1"},
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


def child_enqueue(settings, timeout=600):
    """Send poll_account through the broker, as the dispatcher does; wait until the poll has finished."""
    import django

    django.setup()
    from channels.models import ChannelAccount
    from channels.tasks import poll_account
    from oss_inbox.tickets.models import Attachment, Message

    started = time.monotonic()
    poll_account.delay(settings["account_id"])
    while ChannelAccount.objects.filter(
        pk=settings["account_id"], last_success_at__isnull=True, last_error=""
    ).exists():
        if time.monotonic() - started > timeout:
            raise SystemExit("the worker did not finish the poll in time")
        time.sleep(0.5)
    account = ChannelAccount.objects.get(pk=settings["account_id"])
    if account.last_error:
        raise SystemExit(f"the poll failed: {account.last_error}")
    return {
        "seconds": time.monotonic() - started, "stored": Message.objects.filter(direction="inbound").count(),
        "problems": _problems(Attachment, settings["digests"]),
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


def _rss_mb(field="VmRSS", pid="self"):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


if __name__ == "__main__":
    main()
