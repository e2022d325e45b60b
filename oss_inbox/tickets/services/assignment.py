"""Automatic assignment: a channel account's new tickets go straight to an agent on shift.

Per account (`ChannelAccount.assignment`): off (agents claim tickets), round-robin (the agent who
has waited longest since their last automatic ticket) or capacity (the agent with the most spare
room, ties to the one waiting longest). Only agents on shift take tickets: people who work the queue
(active, with a role), marked available (StaffProfile.available), signed in with the app open
(staff.last_seen) and holding fewer unresolved tickets than their capacity. A key account's ticket
goes to its account manager, else its backup, when on shift with room; otherwise to the pool.

Steps, for ingest's tickets (tickets_assign_at_ingest) and for those waiting (tickets_assign_waiting):
1. Read who is on shift and lock their profile rows, in user order, so that two workers assigning
   at once take turns: the second counts the first one's tickets before choosing (no agent is
   filled past capacity). Ticket rows are always locked before profiles, never after.
2. Choose per ticket, safety reports first (they never wait behind others), counting each choice.
3. Record each choice on the ticket with a timeline event saying why, and the agents' new
   last-assigned times.

Nobody on shift with room: the ticket stays unassigned and in the queue (a safety ticket pinned
above it, its escalation already sent). Beat's `assign_waiting` (every minute) and an agent marking
themselves available give the waiting tickets out, most urgent first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from operator import attrgetter

from django.db import transaction
from django.db.models import Case, F, IntegerField, Value, When
from django.utils import timezone

from channels.models import Assignment, ChannelAccount
from oss_inbox.staff.last_seen import signed_in_user_ids
from oss_inbox.staff.models import StaffProfile
from oss_inbox.staff.roles import queue_workers

from ..models import Contact, Organization, Ticket, TicketEvent
from ..selectors import open_tickets_by_assignee
from ..sql_reads import Columns, fetch
from .lifecycle import _change
from .routing import manager_notify

# Tickets that want someone now: pending ones wait for the customer, resolved ones for nobody.
WAITING_STATUSES = (Ticket.Status.NEW, Ticket.Status.OPEN)
KEY_ACCOUNT = "key_account"  # the event's mode when the account's manager or backup got the ticket
MOST_PER_SWEEP = 200  # tickets one run of tickets_assign_waiting gives out; the next run goes on
_NEVER = datetime.min.replace(tzinfo=UTC)


class OnShift:
    """An agent who may take tickets now, with their unresolved tickets counted; plain attributes,
    because a storm's batch compares them for each of its tickets."""

    def __init__(self, user, profile: StaffProfile, open_tickets: int) -> None:
        self.user, self.profile, self.open_tickets = user, profile, open_tickets
        self.capacity, self.name, self.username = profile.capacity, _name(user), user.get_username()
        # Sort key: who waited longest since their last automatic ticket (never = longest).
        self.waited = (profile.last_assigned_at or _NEVER, user.pk)

    @property
    def spare(self) -> int:
        return self.capacity - self.open_tickets

    @property
    def load(self) -> str:
        return f"{self.open_tickets} open of {self.capacity}"


@dataclass
class Given:
    """One automatic assignment: the ticket's ASSIGNED event data, and the organization when it went
    to the key account's manager or backup (who is told, as routing does)."""

    ticket: Ticket
    agent: OnShift
    data: dict
    key_account: Organization | None = None


class Pool:
    """The agents on shift at one moment; `lock=True` locks their profile rows until the transaction
    ends (step 1 above)."""

    def __init__(self, now: datetime, *, present: Iterable[int] = (), lock: bool = False) -> None:
        self.now, self.changed = now, {}
        # People who work the queue and are marked available; of those, the ones signed in (or here now).
        available = queue_workers().order_by().filter(staff_profile__available=True)
        available = set(available.values_list("pk", flat=True))
        on_shift = signed_in_user_ids(now, available) | (available & set(present))
        profiles = StaffProfile.objects.filter(user_id__in=on_shift, available=True, user__is_active=True)
        profiles = profiles.select_related("user").order_by("user_id")
        if lock:
            profiles = profiles.select_for_update(of=("self",))
        profiles = list(profiles)  # locked before counting: a concurrent assigner's tickets are seen
        counts = open_tickets_by_assignee(p.user_id for p in profiles)
        self.agents = {p.user_id: OnShift(p.user, p, counts.get(p.user_id, 0)) for p in profiles}
        self.latest = max((agent.waited[0] for agent in self.agents.values()), default=_NEVER)

    @property
    def room(self) -> int:
        return sum(max(agent.spare, 0) for agent in self.agents.values())

    def choose(self, mode: str, organization: Organization | None = None) -> tuple[OnShift, str, str] | None:
        """(agent, mode, reason in plain words), or None when nobody on shift has room."""
        if organization is not None and organization.is_key_account:
            manager = self._manager(organization)
            if manager is not None:
                return manager
        with_room = [agent for agent in self.agents.values() if agent.open_tickets < agent.capacity]
        if not with_room:
            return None
        if mode == Assignment.CAPACITY:
            agent = min(with_room, key=lambda agent: (agent.open_tickets - agent.capacity, agent.waited))
            reason = f"Most spare capacity: {agent.name} ({agent.load})"
        else:
            mode = Assignment.ROUND_ROBIN
            agent = min(with_room, key=attrgetter("waited"))
            reason = f"Round-robin: {agent.name} waited longest ({agent.load})"
        if organization is not None and organization.is_key_account:
            reason += f"; no manager of {organization} is on shift with room"
        return agent, mode, reason

    def _manager(self, organization):
        manager_id, backup_id = organization.account_manager_id, organization.backup_manager_id
        manager = self.agents.get(manager_id)
        if manager is not None and manager.spare > 0:
            return manager, KEY_ACCOUNT, f"Key account manager for {organization}"
        backup = self.agents.get(backup_id)
        if backup is None or backup.spare <= 0:
            return None
        reason = f"Backup account manager for {organization}"
        if manager is not None:
            reason += f" ({manager.name} is full: {manager.load})"
        elif manager_id is not None:
            reason += f" ({_name(organization.account_manager)} is not on shift)"
        return backup, KEY_ACCOUNT, reason

    def take(self, agent: OnShift, mode: str, reason: str) -> dict:
        """Count the ticket against the agent; returns the ASSIGNED event's data."""
        agent.open_tickets += 1
        if mode != KEY_ACCOUNT:  # a manager's own account's tickets do not use up their turn
            # Later than anyone's, even within one batch stamped with one `now`: the turn moves on.
            self.latest = max(self.now, self.latest + timedelta(microseconds=1))
            agent.profile.last_assigned_at = self.latest
            agent.waited = (self.latest, agent.user.pk)
            self.changed[agent.user.pk] = agent.profile
        return {"from": None, "to": agent.username, "automatic": True, "mode": mode, "reason": reason}

    def save(self) -> None:
        if self.changed:
            StaffProfile.objects.bulk_update(self.changed.values(), ["last_assigned_at"])


def _name(user):
    return user.get_full_name() or user.get_username()


def _urgent_first(tickets):
    return sorted(tickets, key=lambda ticket: (not ticket.safety, -ticket.priority))


# -- ingest ---------------------------------------------------------------------------------------


def tickets_assign_at_ingest(account: ChannelAccount, tickets: list[Ticket], now: datetime) -> list[Given]:
    """Choose agents for ingest's unassigned tickets of an account with assignment on, in ingest's
    transaction; sets `ticket.assignee` in memory (ingest writes the rows and the events).

    The tickets' organizations come with their contacts where ingest loaded them; the others are
    read in one query.
    """
    waiting = [t for t in tickets if t.assignee_id is None and t.status in WAITING_STATUSES]
    if not account.assignment or not waiting:
        return []
    pool = Pool(now, lock=True)
    if not pool.room:
        return []
    organizations = _organizations(waiting)
    given = []
    for ticket in _urgent_first(waiting):
        choice = pool.choose(account.assignment, organizations.get(ticket.contact_id))
        if choice is None:
            break
        agent, mode, reason = choice
        ticket.assignee = agent.user
        key_account = organizations[ticket.contact_id] if mode == KEY_ACCOUNT else None
        given.append(Given(ticket, agent, pool.take(agent, mode, reason), key_account))
    pool.save()
    return given


def _organizations(tickets):
    """{contact id: Organization or None} of the tickets' customers, managers included."""
    contact_field = Ticket._meta.get_field("contact")
    found, unknown = {}, set()
    for ticket in tickets:
        if contact_field.is_cached(ticket):
            found[ticket.contact_id] = ticket.contact.organization
        else:
            unknown.add(ticket.contact_id)
    if unknown:
        contacts = Contact.objects.filter(pk__in=unknown).select_related(
            "organization__account_manager", "organization__backup_manager"
        )
        found.update((contact.pk, contact.organization) for contact in contacts)
    return found


# -- waiting tickets ------------------------------------------------------------------------------


def tickets_assign_waiting(*, now: datetime | None = None, present: Iterable[int] = ()) -> list[Given]:
    """Give unassigned tickets of accounts with assignment on to agents on shift with room, most
    urgent first (safety reports, then by SLA due time): beat's `assign_waiting` every minute, and
    someone marking themselves available. `present`: users known to be here now (the request's).

    Tickets are locked first, skipping those another transaction holds (an ingest writing to them
    gives them out itself), then the pool; each ticket changes through lifecycle._change.
    """
    now = now or timezone.now()
    modes = dict(ChannelAccount.objects.exclude(assignment="").values_list("pk", "assignment"))
    if not modes or not Pool(now, present=present).room:  # a look without locks: nobody has room
        return []
    with transaction.atomic():
        waiting = list(_waiting(modes)[:MOST_PER_SWEEP])
        if not waiting:
            return []
        pool = Pool(now, present=present, lock=True)
        given = []
        for ticket in waiting:
            organization = ticket.contact.organization
            choice = pool.choose(modes[ticket.account_id], organization)
            if choice is None:
                break
            agent, mode, reason = choice
            data = pool.take(agent, mode, reason)
            if _give(ticket, agent, data, now):
                given.append(Given(ticket, agent, data, organization if mode == KEY_ACCOUNT else None))
        pool.save()
        for done in given:
            if done.key_account is not None:  # as when ingest routes a key account's ticket
                manager_notify(done.ticket, done.agent.user, done.key_account)
    return given


def _waiting(modes):
    safety_first = Case(When(safety="", then=Value(1)), default=Value(0), output_field=IntegerField())
    return (
        Ticket.objects.filter(account_id__in=modes, assignee__isnull=True, status__in=WAITING_STATUSES)
        .select_related("contact__organization__account_manager", "contact__organization__backup_manager")
        .order_by(safety_first, F("sla_due_at").asc(nulls_last=True), "id")
        .select_for_update(skip_locked=True, of=("self",))
    )


def _give(ticket, agent, data, now):
    def give(ticket):
        if ticket.assignee_id is not None or ticket.status not in WAITING_STATUSES:
            return []
        ticket.assignee = agent.user
        return [(TicketEvent.Kind.ASSIGNED, data)]

    return bool(_change(ticket, give, now=now))


# -- switches -------------------------------------------------------------------------------------


def account_set_assignment(account: ChannelAccount, mode: str, *, now: datetime | None = None) -> list[Given]:
    """Switch an account's automatic assignment (Assignment: off, round-robin, capacity).

    One column, written alone, so that a poll holding the account (cursor, lease) loses nothing.
    Switched on, its unassigned tickets waiting now go out at once, as they would within a minute.
    """
    if mode not in Assignment.values:
        raise ValueError(f"Unknown assignment mode {mode!r}")
    ChannelAccount.objects.filter(pk=account.pk).update(assignment=mode)
    account.assignment = mode
    return tickets_assign_waiting(now=now) if mode else []


def agent_set_available(user, available: bool, *, now: datetime | None = None) -> list[Given]:
    """Mark someone on shift (available) or away; on shift, they get waiting tickets at once.

    The profile is saved in its own transaction before any ticket is locked: its row lock must not
    be held while waiting for the pool's (a concurrent ingest locks tickets, then profiles).
    """
    with transaction.atomic():
        profile, _ = StaffProfile.objects.select_for_update().get_or_create(user=user)
        if profile.available != available:
            profile.available = available
            profile.save(update_fields=["available"])
    if not available:
        return []
    return tickets_assign_waiting(now=now, present={user.pk})


@dataclass(frozen=True)
class AssignmentOrigin:
    """How the ticket's assignee came to have it: `claimed` when they took it themselves (Claim, or
    assigning it to themselves); `automatic` is the ASSIGNED event's data ({"reason": ...}) when
    automatic assignment or key-account routing chose them; neither when a colleague assigned it."""

    claimed: bool
    automatic: dict | None = None


def assignment_origin(ticket: Ticket) -> AssignmentOrigin | None:
    """From the latest CLAIMED or ASSIGNED event (one query), for the ticket page's "claimed by" or
    "assigned to"; None when the ticket is unassigned."""
    if ticket.assignee_id is None:
        return None
    # Read on every ticket page and state poll: in SQL (oss_inbox/tickets/sql_reads.py).
    rows = fetch(_latest_assignment_sql(), [ticket.pk, TicketEvent.Kind.ASSIGNED, TicketEvent.Kind.CLAIMED])
    if not rows:
        return AssignmentOrigin(claimed=False)
    event = _ASSIGNMENT_EVENT.load(rows[0])
    kind, actor_id, data = event.kind, event.actor_id, event.data
    if kind == TicketEvent.Kind.CLAIMED:
        return AssignmentOrigin(claimed=True)
    if data.get("to") != ticket.assignee.get_username():
        return AssignmentOrigin(claimed=False)  # the event is about someone else: no reason to tell
    if data.get("reason"):
        return AssignmentOrigin(claimed=False, automatic=data)
    return AssignmentOrigin(claimed=actor_id == ticket.assignee_id)


_ASSIGNMENT_EVENT = Columns(TicketEvent, "e", only=("kind", "actor_id", "data"))


@cache
def _latest_assignment_sql():
    return (
        f"SELECT {_ASSIGNMENT_EVENT.select} FROM {_ASSIGNMENT_EVENT.table}"
        " WHERE e.ticket_id = %s AND e.kind IN (%s, %s) ORDER BY e.created_at DESC, e.id DESC LIMIT 1"
    )
