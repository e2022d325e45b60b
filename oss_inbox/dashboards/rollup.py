"""Keeps TicketFact and DailyRollup in step with the tickets (beat every minute, and on demand).

`rollup_refresh()` steps:
1. Lock the state row: one refresh at a time, so read-modify-write of rollup rows is safe.
2. Pick stale tickets (fact missing, or computed from an older `updated_at`) among: open tickets
   whose first-response due time changed without an update (a policy or schedule change, whose
   bulk recompute leaves updated_at alone); tickets updated since the last complete pass, minus
   a margin for transactions that committed late; and, walking ids upward, every ticket once
   (the first fill, and tickets written with a past updated_at such as imported history).
3. Per batch: load the tickets with their messages and status events (three queries), compute
   each fact (`facts.py`), move each ticket's old contribution out of DailyRollup and its new
   one in, and save the facts - all in one transaction.
4. When nothing is stale, record where the next pass starts.
Running it twice does nothing the second time: a fact equal to its ticket is skipped.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from channels.models import ChannelAccount
from oss_inbox.tickets.models import OPEN_STATUSES, Message, Ticket, TicketEvent

from .facts import History, ticket_fact
from .models import DailyRollup, RollupState, TicketFact
from .sla_access import SlaReader

BATCH = 500
# A pass re-checks tickets updated this long before the previous pass began: a transaction that
# set updated_at before that pass but committed after it is still seen (ingest commits in seconds).
LATE_COMMIT_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class RefreshResult:
    refreshed: int
    caught_up: bool


def rollup_refresh(*, now=None, budget=None):
    """Refresh stale facts and rollups, at most `budget` tickets (None: until caught up)."""
    now = now or timezone.now()
    reader, tz = SlaReader(), ZoneInfo(settings.TIME_ZONE)
    due_changed = due_changed_ids()
    refreshed = 0
    while budget is None or refreshed < budget:
        size = BATCH if budget is None else min(BATCH, budget - refreshed)
        with transaction.atomic():
            state = locked_state(now)
            ids = stale_ids(state, due_changed, size)
            if not ids:
                state.refreshed_from, state.refreshed_at = now, timezone.now()
                state.save()
                return RefreshResult(refreshed, caught_up=True)
            refresh_tickets(ids, reader, tz)
            state.facts_version += 1  # snapshots of percentiles taken before are out of date
            state.save()
        refreshed += len(ids)
    return RefreshResult(refreshed, caught_up=False)


def locked_state(now):
    state = RollupState.objects.select_for_update().filter(pk=1).first()
    if state is None:
        state, _ = RollupState.objects.get_or_create(pk=1)
        state = RollupState.objects.select_for_update().get(pk=1)
    if state.refreshed_from is None:
        state.refreshed_from = now  # the first fill starts: what changes from now on is checked again
    return state


def due_changed_ids():
    """Open tickets whose stored first-response due time differs from their fact's."""
    current = dict(Ticket.objects.filter(status__in=OPEN_STATUSES).values_list("pk", "first_response_due_at"))
    stored = dict(
        TicketFact.objects.filter(ticket__status__in=OPEN_STATUSES).values_list("pk", "first_response_due_at")
    )
    return sorted(pk for pk, due in current.items() if pk in stored and stored[pk] != due)


def stale_ids(state, due_changed, size):
    """Up to `size` ids of tickets whose fact is missing or out of date; advances the id walk."""
    ids = dict.fromkeys(due_changed[:size])  # stale although updated_at did not move
    del due_changed[:size]
    since = state.refreshed_from - LATE_COMMIT_MARGIN
    recent = Ticket.objects.filter(updated_at__gte=since).values_list("pk", "updated_at")
    ids.update(dict.fromkeys(_stale_among(list(recent))[: size - len(ids)]))
    ids.update(dict.fromkeys(_walk(state, size - len(ids), exclude=ids)))
    return list(ids)


def _walk(state, wanted, exclude):
    """Stale ids met walking all tickets by id from where the walk stopped; moves it on."""
    found = []
    while len(found) < wanted:
        page = list(
            Ticket.objects.filter(pk__gt=state.backfilled_through)
            .order_by("pk")
            .values_list("pk", "updated_at")[:BATCH]
        )
        if not page:
            break
        stale = [pk for pk in _stale_among(page) if pk not in exclude]
        taken = stale[: wanted - len(found)]
        found += taken
        # Stopped inside the page: resume after the last id taken; else after the page.
        state.backfilled_through = taken[-1] if len(taken) < len(stale) else page[-1][0]
    return found


def _stale_among(rows):
    """The ids among (id, updated_at) rows whose fact is missing or older."""
    known = {}
    for first in range(0, len(rows), BATCH):  # bounded IN lists (SQLite limits parameters)
        chunk = [pk for pk, _ in rows[first : first + BATCH]]
        known.update(TicketFact.objects.filter(pk__in=chunk).values_list("pk", "source_updated_at"))
    return [pk for pk, updated_at in rows if known.get(pk) != updated_at]


def refresh_tickets(ids, reader, tz):
    """Recompute the facts of these tickets and move their rollup contributions."""
    histories = load_histories(ids)
    old_facts = TicketFact.objects.in_bulk(list(histories))
    delta, new_facts = defaultdict(lambda: defaultdict(int)), []
    for pk, history in histories.items():
        ticket = history.ticket
        fields = ticket_fact(
            history, reader.schedule(ticket.account), reader.next_response_target(ticket), tz
        )
        fact = TicketFact(ticket_id=pk, **fields)
        if pk in old_facts:
            _add(delta, old_facts[pk], sign=-1)
        _add(delta, fact, sign=1)
        new_facts.append(fact)
    apply_delta(delta)
    _save_facts(new_facts, old_facts)


def load_histories(ids):
    """{ticket id: History}: the tickets, their messages and status changes, in three queries."""
    histories = {ticket.pk: History(ticket) for ticket in _with_accounts(Ticket.objects.filter(pk__in=ids))}
    messages = Message.objects.filter(
        ticket_id__in=ids, direction__in=["inbound", "outbound"], is_automatic=False
    )
    for ticket_id, sent_at, direction in messages.values_list("ticket_id", "sent_at", "direction"):
        histories[ticket_id].messages.append((sent_at, direction))
    events = TicketEvent.objects.filter(ticket_id__in=ids, kind=TicketEvent.Kind.STATUS)
    for ticket_id, at, data in events.values_list("ticket_id", "created_at", "data"):
        histories[ticket_id].status_changes.append((at, data.get("from"), data.get("to")))
    return histories


def _with_accounts(tickets):
    """The tickets with their accounts attached from one small query, not a join per row (an
    account's credentials are encrypted: decrypting them for every ticket costs more than the rest)."""
    accounts = ChannelAccount.objects.select_related("coverage_schedule").defer("credentials").in_bulk()
    tickets = list(tickets)
    for ticket in tickets:
        ticket.account = accounts[ticket.account_id]
    return tickets


def _add(delta, fact, sign):
    for day, counts in fact.contribution.items():
        key = (date.fromisoformat(day), fact.channel, fact.assignee_id, fact.is_key_account)
        for name, count in counts.items():
            delta[key][name] += sign * count


def apply_delta(delta):
    """Add {(day, channel, assignee_id, key): {field: n}} to DailyRollup (caller holds the lock)."""
    changes = {key: counts for key, counts in delta.items() if any(counts.values())}
    if not changes:
        return
    days = {key[0] for key in changes}
    existing = {
        (row.day, row.channel, row.assignee_id, row.is_key_account): row
        for row in DailyRollup.objects.filter(day__in=days)
    }
    rows = []
    for key, counts in changes.items():
        row = existing.get(key) or DailyRollup(
            day=key[0], channel=key[1], assignee_id=key[2], is_key_account=key[3]
        )
        for name, count in counts.items():
            setattr(row, name, getattr(row, name) + count)
        rows.append(row)
    # Replace rather than bulk_update: Django's CASE-per-column UPDATE costs far more than this.
    DailyRollup.objects.filter(pk__in=[row.pk for row in rows if row.pk]).delete()
    for row in rows:
        row.pk = None
    DailyRollup.objects.bulk_create(rows, batch_size=BATCH)


def _save_facts(facts, old_facts):
    TicketFact.objects.filter(pk__in=list(old_facts)).delete()
    TicketFact.objects.bulk_create(facts, batch_size=BATCH)


def rollup_rebuild():
    """Start over: drop every fact and rollup row, then fill again (after a definition change)."""
    with transaction.atomic():
        locked_state(timezone.now())
        TicketFact.objects.all().delete()
        DailyRollup.objects.all().delete()
        RollupState.objects.filter(pk=1).update(
            refreshed_from=None, refreshed_at=None, backfilled_through=0, facts_version=F("facts_version") + 1
        )
    return rollup_refresh()


# Beat refreshes every minute; a page finding the figures older than this (no beat running, as
# in development) refreshes a bounded batch itself, so it never waits on a whole first fill.
STALE_AFTER = timedelta(minutes=2)
ON_DEMAND_BUDGET = 500


def rollup_refresh_if_stale(now):
    refreshed_at = RollupState.objects.filter(pk=1).values_list("refreshed_at", flat=True).first()
    if refreshed_at is None or refreshed_at < now - STALE_AFTER:
        return rollup_refresh(now=now, budget=ON_DEMAND_BUDGET)
    return None
