"""One update to 5,000 customers on PostgreSQL: the preview, the plan and the queueing, timed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h1_fanout_bench .venv/bin/python bench/fanout.py

Creates the database if it is missing, migrates it and flushes it, then lays 5,000 customers' tickets
through ingest on four accounts (X mentions 40 %, Messenger 25 %, Facebook comments 15 %, Instagram
comments 10 %, email 10 %), all in one incident, and times, each in CPU seconds of this process
(time.process_time: the ORM's work, not PostgreSQL's) and wall seconds, with the queries counted:

- reach_preview: whom the update reaches, per channel, and why the others not;
- broadcast_send: the timeline entry and the plan (one delivery per ticket, its paced slot);
- fanout_run: every reply queued through tickets.services.ticket_reply, exactly once;
- fanout_run again (nothing left: idempotent) and broadcast_progress.

The broker is not measured: the outbox's "send now" message is counted, not sent, and the worker is
this process. The load average is printed beside the figures (the machine may be shared).
"""

import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oss_inbox.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

CUSTOMERS = int(os.environ.get("FANOUT_CUSTOMERS", "5000"))
MIX = (("mention", 0.40), ("messenger", 0.25), ("comment", 0.15), ("ig_comment", 0.10), ("email", 0.10))


def database_ready(url):
    """The bench's own database on this machine, created if missing."""
    parts = urlsplit(url)
    if not url.startswith("postgres") or parts.hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database on this machine (see the docstring).")
    import psycopg2

    name = parts.path.lstrip("/")
    connection = psycopg2.connect(parts._replace(path="/postgres").geturl())
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def timed(what, work, results):
    from django.db import connection

    queries = []

    def count(execute, sql, params, many, context):
        queries.append(1)
        return execute(sql, params, many, context)

    cpu, wall = time.process_time(), time.perf_counter()
    with connection.execute_wrapper(count):
        value = work()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    results.append((what, cpu, wall, len(queries)))
    return value


def world(now):
    """5,000 customers' tickets, stored by ingest, all in one confirmed incident."""
    from channels.base import Author, Inbound
    from channels.models import ChannelAccount
    from oss_inbox.incidents.models import Area, Incident, IncidentTicket
    from oss_inbox.tickets.models import Ticket
    from oss_inbox.tickets.services import ingest

    accounts = {
        "twitter": ChannelAccount.objects.create(kind="twitter", name="X", self_external_id="1500"),
        "facebook": ChannelAccount.objects.create(kind="facebook", name="Page", self_external_id="1040"),
        "instagram": ChannelAccount.objects.create(kind="instagram", name="IG", self_external_id="1784"),
        "email": ChannelAccount.objects.create(kind="email", name="Mail", self_external_id="help@u.example"),
    }
    where = {"mention": "twitter", "messenger": "facebook", "comment": "facebook", "ig_comment": "instagram"}
    items = {kind: [] for kind in accounts}
    number = 0
    for kind, share in MIX:
        for _ in range(round(CUSTOMERS * share)):
            number += 1
            who = Author(external_id=f"{kind}{number}", handle=f"c{number}", name=f"Pat Quinn {number}")
            thread = {
                "mention": f"x:{number}:{who.external_id}",
                "messenger": f"fbm:{number}",
                "comment": f"fb:post1:{number}",
                "ig_comment": f"ig:media1:{number}",
                "email": f"email:{number}@mail.example",
            }[kind]
            sent_at = now - timedelta(minutes=30 + number % 600)
            items[where.get(kind, "email")].append(
                Inbound(external_id=f"{kind}-{number}", kind=kind if kind != "email" else "email",
                        thread_key=thread, author=who, sent_at=sent_at, text="Power's out on Elm St")
            )  # fmt: skip
    for account_kind, batch in items.items():
        for start in range(0, len(batch), 500):
            ingest(accounts[account_kind], batch[start : start + 500])
    area = Area.objects.create(name="Harlan North", key="harlan north")
    incident = Incident.objects.create(
        title="Harlan North feeder 12", area=area, status="crews_working", etr=now + timedelta(hours=3),
        created_at=now, confirmed_at=now,
    )  # fmt: skip
    IncidentTicket.objects.bulk_create(
        IncidentTicket(incident=incident, ticket_id=pk, linked_by="detector", linked_at=now)
        for pk in Ticket.objects.values_list("pk", flat=True)
    )
    return incident


def main():
    database_ready(os.environ.get("DATABASE_URL", ""))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from oss_inbox.incidents import fanout
    from oss_inbox.tickets.models import Message
    from oss_inbox.tickets.services import lifecycle

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    enqueued = []
    lifecycle.outbox_enqueue = lambda name, item_id: enqueued.append(item_id)  # the broker is not measured
    fanout._ask_worker = lambda update_id: None  # this process is the worker

    now = timezone.now()
    built = time.perf_counter()
    incident = world(now)
    built = time.perf_counter() - built
    text = "Hi {{first_name}}, crews in {{area}} now expect power back by {{etr}}."
    results = []
    reach = timed("reach_preview", lambda: fanout.reach_preview(incident, text), results)
    send = lambda: fanout.broadcast_send(incident=incident, text=text, author=None)  # noqa: E731
    update = timed("broadcast_send (plan)", send, results)
    handled = timed("fanout_run (queue)", lambda: fanout.fanout_run(update.pk), results)
    again = timed("fanout_run again", lambda: fanout.fanout_run(update.pk), results)
    update.refresh_from_db()
    progress = timed("broadcast_progress", lambda: fanout.broadcast_progress(update), results)

    print(
        f"PostgreSQL {connection.pg_version // 10000}, {CUSTOMERS:,} tickets "
        f"(built by ingest in {built:.1f} s)"
    )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, CPUs: {os.cpu_count()}")
    print(f"{'step':24} {'CPU s':>8} {'wall s':>8} {'queries':>8}")
    for what, cpu, wall, queries in results:
        print(f"{what:24} {cpu:8.3f} {wall:8.3f} {queries:8,}")
    print(f"reach: {reach.reachable:,} of {reach.total:,}; by channel {dict(reach.by_channel)}")
    print(
        f"queued {handled:,}, again {again}; replies {Message.objects.filter(direction='outbound').count():,}"
    )
    print(f"progress: queued {progress.queued:,}, skipped {progress.skipped:,}; sent now {len(enqueued):,}")
    print(f"last paced send: {update.finishes_at - now} after sending (the X lane, 100 per 15 min at 90 %)")


if __name__ == "__main__":
    main()
