"""The first fill of TicketFact and DailyRollup from the whole history, fast (PostgreSQL only).

`rollup_refresh()` walks the history 500 tickets at a time through the ORM and moves each
ticket's contribution into the rollup as a delta: right for beat's minute-by-minute changes, but
~1,700 tickets/s, so a million took 13 minutes. When there are no facts yet (or on `--rebuild`),
`first_fill()` computes the same facts with the same functions (`facts.ticket_fact`) and writes
them in bulk:

1. Lock the state row (beat's refresh waits) and delete any facts and rollup rows, in one
   transaction that the whole fill runs in: a crash rolls everything back, so running it again
   starts clean and nothing is counted twice.
2. Split the ticket ids into ranges. Worker processes (one per core, forked with the SLA rules
   and schedules already read, so their clocks are warm) each read a range with three plain SQL
   queries (tickets, messages, status events), compute each ticket's fact, and send back the
   facts as COPY text and the range's rollup totals.
3. The parent COPYs the facts in, adds up the totals, writes the rollup rows with COPY, and
   records the fill in the state row as a finished refresh would (what changes from the start
   on is checked again by beat; tickets added later are found by the id walk).

The facts equal what `rollup_refresh()` computes (tests/dashboards/test_first_fill.py compares
both paths row by row).
"""

import io
import multiprocessing
import os
from collections import defaultdict
from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from channels.models import ChannelAccount
from oss_inbox.tickets.models import Ticket

from .facts import History, ticket_fact
from .models import COUNT_FIELDS, DailyRollup, RollupState, TicketFact
from .rollup import RefreshResult, locked_state
from .sla_access import SlaReader

RANGE = 10_000  # ticket ids per worker task: a few seconds of work, a few MB of COPY text
FACT_COLUMNS = [
    "ticket_id",
    "source_updated_at",
    "created_at",
    "resolved_at",
    "status",
    "channel",
    "assignee_id",
    "is_key_account",
    "first_response_at",
    "first_response_due_at",
    "first_response_seconds",
    "first_response_coverage_seconds",
    "resolution_seconds",
    "resolution_coverage_seconds",
    "open_turn_at",
    "open_turn_due_at",
    "contribution",
]
ROLLUP_KEY = ["day", "channel", "assignee_id", "is_key_account"]
_COUNT_INDEX = {name: index for index, name in enumerate(COUNT_FIELDS)}

# Read once in the parent before the workers fork (so they inherit it, clocks warm).
_context = None


class _Ticket:
    """What ticket_fact and the SLA policy rules read of a ticket, without a model instance."""

    __slots__ = (
        "pk",
        "updated_at",
        "created_at",
        "status",
        "resolved_at",
        "account_id",
        "account",
        "assignee_id",
        "is_key_account",
        "first_response_at",
        "first_response_due_at",
        "safety",
        "priority",
    )

    def __init__(self, row, context):
        (
            self.pk,
            self.updated_at,
            self.created_at,
            self.status,
            self.resolved_at,
            self.account_id,
            self.assignee_id,
            self.is_key_account,
            self.first_response_at,
            self.first_response_due_at,
            self.safety,
            self.priority,
        ) = row
        self.account = context.account(self.account_id)


class _Context:
    """The SLA rules, schedules and accounts a fill computes with, shared by every range."""

    def __init__(self):
        self.reader = SlaReader()
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.accounts = self._accounts().in_bulk()
        self.schedules = {pk: self.reader.schedule(account) for pk, account in self.accounts.items()}
        self._targets = {}

    @staticmethod
    def _accounts():
        return ChannelAccount.objects.select_related("coverage_schedule").defer("credentials")

    def account(self, pk):
        """The account (read now if it was added after the fill began)."""
        if pk not in self.accounts:
            self.accounts[pk] = account = self._accounts().get(pk=pk)
            self.schedules[pk] = self.reader.schedule(account)
        return self.accounts[pk]

    def target(self, ticket):
        """The ticket's next-response target: the policy depends on these fields only."""
        key = (ticket.safety, ticket.is_key_account, ticket.priority, ticket.account_id)
        if key not in self._targets:
            self._targets[key] = self.reader.next_response_target(ticket)
        return self._targets[key]


def first_fill(*, workers=None, range_size=RANGE, progress=None):
    """Replace every fact and rollup row with ones computed from the whole history."""
    global _context
    now = timezone.now()
    workers = workers or min(2, os.cpu_count() or 1)
    _context = _Context()
    low, high = _id_bounds()
    ranges = (
        [(first, min(first + range_size - 1, high)) for first in range(low, high + 1, range_size)]
        if high
        else []
    )
    pool = None
    # Inside a caller's transaction the workers could not see its rows: compute here instead.
    if workers > 1 and len(ranges) > 1 and not connection.in_atomic_block:
        connections.close_all()  # each forked worker opens its own connection
        pool = multiprocessing.get_context("fork").Pool(workers, initializer=connections.close_all)
    try:
        with transaction.atomic():
            state = locked_state(now)
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {TicketFact._meta.db_table}")
                cursor.execute(f"DELETE FROM {DailyRollup._meta.db_table}")
            totals, done = defaultdict(lambda: [0] * len(COUNT_FIELDS)), 0
            results = pool.imap(_fill_range, ranges) if pool else map(_fill_range, ranges)
            for count, facts_text, range_totals in results:
                _copy(TicketFact._meta.db_table, FACT_COLUMNS, facts_text)
                for key, counts in range_totals.items():
                    row = totals[key]
                    for index, count_value in enumerate(counts):
                        row[index] += count_value
                done += count
                if progress:
                    progress(done)
            _write_rollups(totals)
            state.refreshed_from, state.refreshed_at = now, timezone.now()
            state.backfilled_through = max(state.backfilled_through, high or 0)
            state.facts_version += 1
            state.save()
    finally:
        if pool:
            pool.terminate()  # every result was read; after an error, the ranges still queued are dropped
            pool.join()
        _context = None
    return RefreshResult(done, caught_up=True)


def _id_bounds():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(id), max(id) FROM {Ticket._meta.db_table}")
        low, high = cursor.fetchone()
    return (low or 0), (high or 0)


def _fill_range(bounds):
    """(tickets, facts as COPY text, {rollup key: counts}) of the tickets with ids in `bounds`."""
    context = _context
    histories = _load(bounds, context)
    out, totals = io.StringIO(), defaultdict(lambda: [0] * len(COUNT_FIELDS))
    write, tz = out.write, context.tz
    for history in histories:
        ticket = history.ticket
        fields = ticket_fact(history, context.schedules[ticket.account_id], context.target(ticket), tz)
        write(_fact_line(ticket.pk, fields))
        dimensions = (fields["channel"], fields["assignee_id"], fields["is_key_account"])
        for day, counts in fields["contribution"].items():
            row = totals[(day, *dimensions)]
            for name, count in counts.items():
                row[_COUNT_INDEX[name]] += count
    return len(histories), out.getvalue(), dict(totals)


def _load(bounds, context):
    """The Histories of the tickets in the id range, from three queries in id order."""
    tickets = f"""
        SELECT id, updated_at, created_at, status, resolved_at, account_id, assignee_id, is_key_account,
               first_response_at, first_response_due_at, safety, priority
        FROM {Ticket._meta.db_table} WHERE id BETWEEN %s AND %s ORDER BY id"""
    messages = """
        SELECT ticket_id, sent_at, direction FROM tickets_message
        WHERE ticket_id BETWEEN %s AND %s AND direction IN ('inbound', 'outbound') AND NOT is_automatic"""
    events = """
        SELECT ticket_id, created_at, data->>'from', data->>'to' FROM tickets_ticketevent
        WHERE ticket_id BETWEEN %s AND %s AND kind = 'status' ORDER BY ticket_id, id"""
    with connection.cursor() as cursor:
        cursor.execute(tickets, bounds)
        histories = {row[0]: History(_Ticket(row, context)) for row in cursor.fetchall()}
        cursor.execute(messages, bounds)
        for ticket_id, sent_at, direction in cursor.fetchall():
            history = histories.get(ticket_id)
            if history is not None:  # a ticket written after its range was read
                history.messages.append((sent_at, direction))
        cursor.execute(events, bounds)
        for ticket_id, at, before, after in cursor.fetchall():
            history = histories.get(ticket_id)
            if history is not None:
                history.status_changes.append((at, before, after))
    return list(histories.values())


def _fact_line(pk, fields):
    """One COPY line in FACT_COLUMNS order. Status and channel are fixed codes: nothing to escape."""
    return (
        "\t".join(
            (
                str(pk),
                fields["source_updated_at"].isoformat(),
                fields["created_at"].isoformat(),
                _moment(fields["resolved_at"]),
                fields["status"],
                fields["channel"],
                str(fields["assignee_id"]),
                "t" if fields["is_key_account"] else "f",
                _moment(fields["first_response_at"]),
                _moment(fields["first_response_due_at"]),
                _number(fields["first_response_seconds"]),
                _number(fields["first_response_coverage_seconds"]),
                _number(fields["resolution_seconds"]),
                _number(fields["resolution_coverage_seconds"]),
                _moment(fields["open_turn_at"]),
                _moment(fields["open_turn_due_at"]),
                _copy_json(fields["contribution"]),
            )
        )
        + "\n"
    )


def _moment(value):
    return "\\N" if value is None else value.isoformat()


def _number(value):
    return "\\N" if value is None else str(value)


def _copy_json(contribution):
    """The contribution as JSON ({day: {field: count}}; dates, field names and integers need no
    escaping), written directly: json.dumps took a tenth of the fill."""
    days = []
    for day, counts in contribution.items():
        fields = ",".join([f'"{name}":{count}' for name, count in counts.items()])
        days.append(f'"{day}":{{{fields}}}')
    return "{" + ",".join(days) + "}"


def _escape(text):
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _copy(table, columns, text):
    if not text:
        return
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", io.StringIO(text))


def _write_rollups(totals):
    lines = []
    for (day, channel, assignee_id, is_key), counts in sorted(totals.items()):
        if any(counts):
            key = [
                date.fromisoformat(day).isoformat(),
                _escape(channel),
                str(assignee_id),
                "t" if is_key else "f",
            ]
            lines.append("\t".join([*key, *map(str, counts)]) + "\n")
    _copy(DailyRollup._meta.db_table, [*ROLLUP_KEY, *COUNT_FIELDS], "".join(lines))


# Tickets the id walk has still to see, from which recomputing everything in bulk is quicker than
# walking on (a first deployment, or beat having started on a big history before anyone filled it).
FIRST_FILL_FROM = 20_000


def first_fill_pays():
    """Whether first_fill() should do the work of a refresh: on PostgreSQL, with many tickets unseen."""
    if connection.vendor != "postgresql":
        return False
    walked = RollupState.objects.filter(pk=1).values_list("backfilled_through", flat=True).first() or 0
    return Ticket.objects.filter(pk__gt=walked)[:FIRST_FILL_FROM].count() >= FIRST_FILL_FROM
