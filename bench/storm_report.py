"""The post-event report's cost at a storm's size, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h5_report_bench \\
        .venv/bin/python bench/storm_report.py [--tickets 5000] [--rebuild] [--runs 7]

The database is migrated if new. Built once (again with --rebuild): a restored incident of N tickets
on five message kinds (X mentions and DMs, Facebook comments, Messenger, email), each ticket one outage
report spread over six hours, a person's reply on 80% of them, three broadcast updates each with one
delivery per ticket (90% sent, 3% failed, 5% skipped, 2% still queued) and its reply, the tickets
resolved at restoration (a status event each), and a storm period around it; about 60,000 rows.

Then, each `--runs` times: build_report (every figure) for the incident and for the storm period, and
the whole answers of the page, the printable version and the CSV (the views, called directly). Prints
the median and worst wall time, the median CPU time of this process and time waiting on SQL, the
queries each made, and the load average (the machine may be shared).
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oss_inbox.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.client import RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from channels.models import ChannelAccount  # noqa: E402
from oss_inbox.incidents import report_pages  # noqa: E402
from oss_inbox.incidents.models import (  # noqa: E402
    Area,
    Incident,
    IncidentDelivery,
    IncidentTicket,
    IncidentUpdate,
    OutageReport,
)
from oss_inbox.incidents.report_rows import build_report, incident_scope, storm_scope  # noqa: E402
from oss_inbox.sla.models import StormPeriod  # noqa: E402
from oss_inbox.tickets.models import Contact, Message, Ticket, TicketEvent  # noqa: E402

START = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)  # the night the clocks fall back, for good measure
TITLE = "Bench: feeder H-11 storm"
# (account kind, message kind) and their shares of the reports
KINDS = [("twitter", "mention", 35), ("twitter", "dm", 10), ("facebook", "comment", 25),
         ("facebook", "messenger", 15), ("email", "email", 15)]  # fmt: skip


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true")
    options = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        sys.exit("Run it on PostgreSQL: set DATABASE_URL (see the docstring).")
    call_command("migrate", verbosity=0)
    incident = Incident.objects.filter(title=TITLE).first()
    if incident is None or options.rebuild or _tickets_of(incident) != options.tickets:
        started = time.perf_counter()
        incident = build(options.tickets)
        with connection.cursor() as cursor:  # the planner's statistics, as autovacuum would make them
            cursor.execute("ANALYZE")
        print(f"built {options.tickets} tickets in {time.perf_counter() - started:.1f} s")
    storm = StormPeriod.objects.get(reason=TITLE)
    measure(incident, storm, options.runs)


def _tickets_of(incident):
    return IncidentTicket.objects.filter(incident=incident).count()


@transaction.atomic
def build(count, seed=20):
    rng = random.Random(seed)
    Incident.objects.filter(title=TITLE).delete()
    StormPeriod.objects.filter(reason=TITLE).delete()
    accounts = {
        kind: ChannelAccount.objects.get_or_create(name=f"bench report {kind}", defaults={"kind": kind})[0]
        for kind in ("twitter", "facebook", "email")
    }
    area, _ = Area.objects.get_or_create(key="bench feeder h-11", defaults={"name": "Bench feeder H-11"})
    restored = START + timedelta(hours=8)
    incident = Incident.objects.create(
        title=TITLE, area=area, status=Incident.Status.RESTORED, created_at=START + timedelta(minutes=20),
        confirmed_at=START + timedelta(minutes=25), restored_at=restored, customers_out=12_400,
    )  # fmt: skip
    contacts = Contact.objects.bulk_create([Contact(name=f"Bench customer {n}") for n in range(count)])
    chosen = rng.choices(KINDS, weights=[share for *_, share in KINDS], k=count)
    arrivals = sorted(START + timedelta(seconds=rng.betavariate(2, 5) * 6 * 3600) for _ in range(count))
    tickets = Ticket.objects.bulk_create(
        Ticket(account=accounts[account], contact=contact, thread_key=f"bench-report:{n}", created_at=at,
               status=Ticket.Status.RESOLVED, resolved_at=restored + timedelta(seconds=rng.uniform(0, 1800)))
        for n, ((account, _, _), contact, at) in enumerate(zip(chosen, contacts, arrivals, strict=True))
    )  # fmt: skip
    inbound = Message.objects.bulk_create(
        Message(ticket=ticket, account=ticket.account, external_id=f"bench-report-{ticket.pk}", kind=kind,
                direction=Message.Direction.INBOUND, text="Power's out on Elm St", sent_at=ticket.created_at)
        for ticket, (_, kind, _) in zip(tickets, chosen, strict=True)
    )  # fmt: skip
    OutageReport.objects.bulk_create(
        OutageReport(message=message, ticket_id=message.ticket_id, area=area, matched="power's out",
                     why="bench", received_at=message.sent_at)
        for message in inbound
    )  # fmt: skip
    IncidentTicket.objects.bulk_create(
        IncidentTicket(incident=incident, ticket=ticket, linked_by="detector",
                       linked_at=max(ticket.created_at, incident.created_at))
        for ticket in tickets
    )  # fmt: skip
    Message.objects.bulk_create(
        Message(ticket=ticket, account=ticket.account, kind=kind, direction=Message.Direction.OUTBOUND,
                text="We're on it.", delivery_state="sent",
                sent_at=ticket.created_at + timedelta(minutes=rng.expovariate(1 / 40)))
        for ticket, (_, kind, _) in zip(tickets, chosen, strict=True)
        if rng.random() < 0.8
    )  # fmt: skip
    _broadcasts(rng, incident, tickets, chosen)
    TicketEvent.objects.bulk_create(
        TicketEvent(ticket=ticket, kind=TicketEvent.Kind.STATUS, data={"from": "open", "to": "resolved"})
        for ticket in tickets
    )
    with connection.cursor() as cursor:  # auto_now_add wrote today: the events happened at resolution
        cursor.execute(
            "UPDATE tickets_ticketevent e SET created_at = t.resolved_at FROM tickets_ticket t "
            "WHERE e.ticket_id = t.id AND t.thread_key LIKE 'bench-report:%%'"
        )
    StormPeriod.objects.create(active=False, started_at=START, ended_at=restored, reason=TITLE)
    return incident


def _broadcasts(rng, incident, tickets, chosen):
    for number, minutes in enumerate((90, 210, 400)):
        when = START + timedelta(minutes=minutes)
        update = IncidentUpdate.objects.create(
            incident=incident, text=f"Update {number + 1}: crews are working.", broadcast=True,
            status=Incident.Status.CREWS_WORKING, etr=START + timedelta(hours=9 - number), created_at=when,
        )  # fmt: skip
        reached = [(t, kind) for t, (_, kind, _) in zip(tickets, chosen, strict=True) if t.created_at < when]
        outcomes = rng.choices(["sent", "failed", "skipped", "queued"], weights=[90, 3, 5, 2], k=len(reached))
        replies = Message.objects.bulk_create(
            Message(ticket=ticket, account=ticket.account, kind=kind, direction=Message.Direction.OUTBOUND,
                    text=update.text, delivery_state=outcome, sent_at=when + timedelta(seconds=n * 0.2))
            for n, ((ticket, kind), outcome) in enumerate(zip(reached, outcomes, strict=True))
            if outcome != "skipped"
        )  # fmt: skip
        by_ticket = {reply.ticket_id: reply for reply in replies}
        IncidentDelivery.objects.bulk_create(
            IncidentDelivery(update=update, ticket=ticket, channel=kind, created_at=when,
                             state="skipped" if outcome == "skipped" else "queued",
                             reason="Messenger's 24-hour window closed" if outcome == "skipped" else "",
                             message=by_ticket.get(ticket.pk))
            for (ticket, kind), outcome in zip(reached, outcomes, strict=True)
        )  # fmt: skip


def _timed(runs, work):
    """(median wall ms, worst wall ms, median CPU ms of this process, median ms waiting on SQL, queries of
    the last run) of `runs` calls: on a shared machine the CPU time moves less with the load."""
    times, cpu, sql, queries = [], [], [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started, started_cpu = time.perf_counter(), time.process_time()
            work()
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        queries = len(captured.captured_queries)
        sql.append(sum(float(query["time"]) for query in captured.captured_queries) * 1000)
    return statistics.median(times), max(times), statistics.median(cpu), statistics.median(sql), queries


def measure(incident, storm, runs):
    user = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser("bench-report")
    factory = RequestFactory()

    def view(function, pk):
        def call():
            request = factory.get("/")
            request.user = user
            response = function(request, pk)
            assert response.status_code == 200, response.status_code
            return response.content

        return call

    cases = [
        ("figures, incident", lambda: build_report(incident_scope(incident), now=timezone.now())),
        (
            "figures, storm period",
            lambda: build_report(storm_scope(storm, timezone.now()), now=timezone.now()),
        ),
        ("page, incident", view(report_pages.incident_report, incident.pk)),
        ("print, incident", view(report_pages.incident_report_print, incident.pk)),
        ("CSV, incident", view(report_pages.incident_report_csv, incident.pk)),
        ("page, storm period", view(report_pages.storm_report, storm.pk)),
    ]
    tickets = _tickets_of(incident)
    deliveries = IncidentDelivery.objects.filter(update__incident=incident).count()
    print(
        f"{tickets} tickets, {deliveries} deliveries, "
        f"PostgreSQL {connection.pg_version // 10000}; {runs} runs each"
    )
    for name, work in cases:
        work()  # warm: templates compiled, caches filled
        median, worst, cpu, sql, queries = _timed(runs, work)
        print(
            f"  {name:<24} median {median:7.1f} ms  worst {worst:7.1f} ms  "
            f"CPU here {cpu:6.1f} ms  SQL {sql:6.1f} ms in {queries:3d} queries"
        )
    print(f"load average {' '.join(f'{value:.2f}' for value in os.getloadavg())} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
