"""The shared queue: named views, filters, search, keyset pages and the view list's counts.

Safety tickets (a downed line, a gas smell) come first in every open view, soonest due first: the
view's own, and every one nobody has claimed yet, so that an agent working only "Mine" sees a
report nobody has taken. The filters and search still apply. They are read from their own partial
index, a query of their own, and paged like the rest (the cursor says which part it is in), so a
storm of them pushes the other tickets to later pages rather than hiding any.

Open views read only unresolved tickets (about 2% of the history) through the partial index on
(sla_due_at, id), so a page costs the same at ten thousand tickets as at a million. Pages are
cut by keyset (the last row's sort key), never by OFFSET, and nothing counts the whole history.
"""

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone

from channels.registry import all_specs, thread_channel_words
from oss_inbox.sla.timers import span_words, ticket_timer
from oss_inbox.tickets.models import OPEN_STATUSES, Message, Ticket

from .queue_counts import count_views
from .search import search
from .selectors import open_queue_version

PAGE_SIZE = 50
COUNTS_SECONDS = 30
PREVIEW_CHARS = 200


@dataclass(frozen=True)
class QueueView:
    slug: str
    label: str
    counted: bool = True  # the view list shows its count (cheap: open tickets only)


VIEWS = (
    QueueView("safety", "Safety"),
    QueueView("mine", "Mine"),
    QueueView("unassigned", "Unassigned"),
    QueueView("open", "All open"),
    QueueView("pending", "Pending"),
    QueueView("key", "Key accounts"),
    QueueView("at_risk", "At risk"),
    QueueView("breached", "Breached"),
    QueueView("resolved", "Resolved", counted=False),  # the whole history: no count
)
VIEWS_BY_SLUG = {view.slug: view for view in VIEWS}

# The channel as agents name it. X and Facebook accounts carry two kinds of conversation each,
# told apart by the thread key's prefix (see channels/*/parse.py).
# The queue's channel filter: one choice per kind of conversation the channels declare (their specs).
CHANNELS = tuple((thread.slug, thread.label) for spec in all_specs() for thread in spec.threads)
CHANNEL_FILTERS = {
    thread.slug: Q(account__kind=spec.kind, thread_key__startswith=f"{thread.prefix}:")
    for spec in all_specs()
    for thread in spec.threads
}
UNASSIGNED = "none"
LEGACY_VIEWS = {"breached": "breached", "at_risk": "at_risk", "pending": "pending", "resolved": "resolved"}


@dataclass(frozen=True)
class QueueFilters:
    """What the agent asked for, read from the URL (so a link shares it) and checked."""

    view: str = "open"
    channel: str = ""
    tag: str = ""
    assignee: str = ""  # a user id, or "none"
    priority: str = ""
    q: str = ""

    @classmethod
    def from_query(cls, params):
        # Links made before the named views (`?status=open&sla=breached`, the dashboard's) still work.
        view = params.get("view") or LEGACY_VIEWS.get(params.get("sla") or params.get("status"), "open")
        priority = params.get("priority", "")
        assignee = params.get("assignee", "")
        return cls(
            view=view if view in VIEWS_BY_SLUG else "open",
            channel=params.get("channel", "") if params.get("channel") in CHANNEL_FILTERS else "",
            tag=params.get("tag", "").strip()[:50],
            assignee=assignee if assignee == UNASSIGNED or assignee.isdigit() else "",
            priority=priority if priority in {str(value) for value in Ticket.Priority.values} else "",
            q=" ".join(params.get("q", "").split())[:200],
        )

    @property
    def is_open_view(self):
        return self.view != "resolved"

    @property
    def narrowed(self):
        return bool(self.channel or self.tag or self.assignee or self.priority or self.q)

    @property
    def scope(self):
        """(name, value) of the view and filters in force, search aside: hidden fields of the search box."""
        names = ("view", "channel", "tag", "assignee", "priority")
        return [(name, getattr(self, name)) for name in names if getattr(self, name)]

    def query_string(self, **changes):
        """This selection as a query string, with `changes` applied (empty values dropped)."""
        chosen = replace(self, **changes)
        pairs = [
            (name, getattr(chosen, name)) for name in ("view", "channel", "tag", "assignee", "priority", "q")
        ]
        return urlencode(
            [(name, value) for name, value in pairs if value and not (name == "view" and value == "open")]
        )


@dataclass
class QueuePage:
    tickets: list
    next_cursor: str = ""
    is_first: bool = True
    filters: QueueFilters = field(default_factory=QueueFilters)
    search_cut: bool = False  # the search kept only the newest matches (the page says so)


@dataclass(frozen=True, slots=True)
class RowKey:
    """A row as the page chose it, before it is read: the ticket, its place (for the cursor) and what
    its row shows changes with. Every write of a ticket moves `updated_at`, but for the SLA
    recompute's, which writes only the SLA fields: those the timer reads are here too."""

    pk: int
    updated_at: datetime
    sla_due_at: datetime | None
    sla_state: str
    sla_paused_at: datetime | None
    pinned: bool = False

    @property
    def changed(self):
        """What the row shows changes with, as plain text (part of a cache key)."""
        stamps = (self.updated_at, self.sla_due_at, self.sla_paused_at)
        return "-".join([*("n" if at is None else f"{at.timestamp():.6f}" for at in stamps), self.sla_state])


KEY_FIELDS = ("pk", "updated_at", "sla_due_at", "sla_state", "sla_paused_at")


def queue_page(user, filters, *, after="", now=None):
    """Up to PAGE_SIZE tickets of the view after the keyset `after`, read for their rows."""
    now = now or timezone.now()
    page = queue_page_keys(user, filters, after=after, now=now)
    return replace(page, tickets=queue_rows_read(page.tickets, filters, after=after, now=now))


def queue_page_keys(user, filters, *, after="", now=None):
    """The page of the view after the keyset `after`, its tickets as `RowKey`s: chosen on the tickets
    table alone (one query a part of the page: the pinned safety tickets, the due ones, the undated
    ones; and for a search of Resolved one that finds its newest matches). What a row shows is read
    by `queue_rows_read`, for the rows the caller does not hold already (queue_rows.py)."""
    now = now or timezone.now()
    found = search(filters.q, open_view=filters.is_open_view) if filters.q else None
    tickets = queue_tickets(user, filters, now=now, found=found)
    cursor = Cursor.parse(after, filters.is_open_view)
    if filters.is_open_view and filters.view != "safety":
        rows = _pinned_first_rows(_pinned_safety(user, filters, now, found), tickets, cursor)
    elif filters.is_open_view:
        rows = _open_rows(tickets, cursor)
    else:
        tickets = tickets.order_by("-updated_at", "-id")
        if cursor:
            tickets = tickets.filter(updated_at__lte=cursor.at).exclude(
                updated_at=cursor.at, pk__gte=cursor.id
            )
        rows = _first(tickets, PAGE_SIZE + 1)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    next_cursor = Cursor.of(rows[-1], filters.is_open_view).encode() if more else ""
    return QueuePage(
        rows,
        next_cursor=next_cursor,
        is_first=cursor is None,
        filters=filters,
        search_cut=bool(found and found.cut),
    )


def queue_rows_read(keys, filters, *, after="", now=None):
    """The tickets of `keys` (RowKeys of one page of `filters` after `after`), in their order, read
    with what their rows show: customer, assignee, preview, tags, channel, timer, age, links. One
    query for the tickets, one for their tags."""
    if not keys:
        return []
    now = now or timezone.now()
    page = _with_preview(Ticket.objects.select_related("contact__organization", "assignee"))
    by_pk = {ticket.pk: ticket for ticket in page.filter(pk__in=[key.pk for key in keys])}
    # A ticket merged away between the choice and the read has no row (the next page has it right).
    rows = [by_pk[key.pk] for key in keys if key.pk in by_pk]
    _prefetch_tags(rows)
    cursor = Cursor.parse(after, filters.is_open_view)
    reverse_queue = reverse("inbox:queue")
    # One reverse() for the page, not one a row.
    ticket_url = reverse("inbox:ticket", args=[0]).replace("/0/", "/{}/")
    row_query = "&".join(
        part
        for part in (filters.query_string(), urlencode({"after": cursor.encode()}) if cursor else "")
        if part
    )
    for ticket in rows:
        ticket.channel_slug, ticket.channel_label = thread_channel_words(ticket.thread_key)
        ticket.timer = ticket_timer(ticket, now) if ticket.is_open else None
        # The Resolved view is in order of the last change, its rows say when they were resolved.
        ticket.age_at = ticket.created_at if ticket.is_open else (ticket.resolved_at or ticket.updated_at)
        ticket.age = span_words(now - ticket.age_at)
        if not ticket.is_open:
            ticket.age = f"resolved {ticket.age} ago"
        ticket.url = ticket_url.format(ticket.pk)
        # What opening it in place puts in the address bar: this queue, with the ticket beside it.
        ticket.in_place_url = (
            reverse_queue + "?" + "&".join(part for part in (row_query, f"ticket={ticket.pk}") if part)
        )
    return rows


def _open_rows(tickets, cursor):
    """Soonest due first, tickets without a running clock (paused, met) last; as the index is sorted.

    A NULL due time cannot take part in one range condition, so the page is read in two ranges:
    the due ones after the cursor, then, if the page is not full, the undated ones.
    """
    ordered = _soonest_due(tickets)
    rows = []
    if cursor is None or cursor.at is not None:
        dated = ordered.filter(sla_due_at__isnull=False)
        if cursor:
            dated = dated.filter(sla_due_at__gte=cursor.at).exclude(sla_due_at=cursor.at, pk__lte=cursor.id)
        rows = _first(dated, PAGE_SIZE + 1)
    if len(rows) <= PAGE_SIZE:
        undated = ordered.filter(sla_due_at__isnull=True)
        if cursor and cursor.at is None:
            undated = undated.filter(pk__gt=cursor.id)
        rows += _first(undated, PAGE_SIZE + 1 - len(rows))
    return rows


def _pinned_first_rows(pinned, tickets, cursor):
    """Up to PAGE_SIZE + 1 rows: the pinned safety tickets after the cursor, then the view's others."""
    rest = tickets.filter(safety="")
    if cursor is not None and not cursor.pinned:
        return _open_rows(rest, cursor)
    if cursor is None:  # the first page: one query, NULL due times last as the index sorts them
        rows = _first(_soonest_due(pinned), PAGE_SIZE + 1)
    else:
        rows = _open_rows(pinned, cursor)
    rows = [replace(row, pinned=True) for row in rows]
    if len(rows) <= PAGE_SIZE:
        rows += _open_rows(rest, None)[: PAGE_SIZE + 1 - len(rows)]
    return rows


def _first(ordered, count):
    """The first `count` tickets of `ordered` as `RowKey`s, chosen on the tickets table alone.

    In one query with what the rows show, the planner, misjudging how many open tickets match (20
    for 1,944 at a million tickets), joined every open ticket's customer and assignee before
    sorting: 17 ms, growing with the backlog a storm brings. Chosen first, the page comes in the
    partial index's order (0.2 ms), and only its rows are joined (queue_rows_read).
    """
    chosen = [RowKey(*values) for values in ordered.values_list(*KEY_FIELDS)[:count]]
    # A filter through a join (a tag) could name a ticket twice; its row is shown once.
    unique = {}
    for key in chosen:
        unique.setdefault(key.pk, key)
    return list(unique.values())


def _soonest_due(tickets):
    return tickets.order_by(F("sla_due_at").asc(nulls_last=True), "id")


def _pinned_safety(user, filters, now, found=None):
    """The open safety tickets of the view, and those nobody has claimed, with the filters applied."""
    unclaimed = Q(status__in=OPEN_STATUSES, assignee__isnull=True)
    return queue_tickets(user, filters, now=now, also=unclaimed, found=found).exclude(safety="")


def queue_tickets(user, filters, *, now, also=None, found=None):
    """The view's tickets (and those `also` names) with the filters and search applied, unordered.
    `found`: the search of `filters.q` when the caller already ran it (`search`)."""
    tickets = Ticket.objects.all()  # what a row shows is read for the page's rows only (_first)
    view = _view_condition(filters.view, user, now)
    tickets = tickets.filter(view | also if also is not None else view)
    if filters.channel:
        tickets = tickets.filter(CHANNEL_FILTERS[filters.channel])
    if filters.tag:
        tickets = tickets.filter(tags__name=filters.tag)
    if filters.assignee:
        tickets = (
            tickets.filter(assignee__isnull=True)
            if filters.assignee == UNASSIGNED
            else tickets.filter(assignee_id=int(filters.assignee))
        )
    if filters.priority:
        tickets = tickets.filter(priority=int(filters.priority))
    if filters.q:
        found = found or search(filters.q, open_view=filters.is_open_view)
        tickets = tickets.filter(found.condition)
    return tickets


def _view_condition(view, user, now):
    if view == "resolved":
        return Q(status=Ticket.Status.RESOLVED)
    is_open = Q(status__in=OPEN_STATUSES)
    return (
        is_open
        & {
            "safety": ~Q(safety=""),
            "mine": Q(assignee=user),
            "unassigned": Q(assignee__isnull=True),
            "open": Q(),
            "pending": Q(status=Ticket.Status.PENDING),
            "key": Q(is_key_account=True),
            "at_risk": Q(sla_at_risk_at__lte=now, sla_due_at__gt=now),
            "breached": Q(sla_due_at__lte=now),
        }[view]
    )


def view_counts(user, *, now=None, version=None):
    """{view slug: tickets} of every counted view.

    One aggregate over the open tickets only (60 ms at 20,000 open tickets on a busy machine; its
    statement written once, queue_counts.py), so it is cached per agent and queue version (one
    index look-up): it is counted again when a ticket changes, or, for At risk and Breached, which
    move with the clock, after COUNTS_SECONDS.
    `version`: the queue's version when the caller has read it already.
    """
    key = f"inbox:view-counts:{user.pk}:{version or open_queue_version()}"
    counts = cache.get(key)
    if counts is None:
        now = now or timezone.now()
        counts = count_views([view.slug for view in VIEWS if view.counted], user, now)
        cache.set(key, counts, COUNTS_SECONDS)
    return counts


def _with_preview(tickets):
    """Annotate the start of the latest customer or agent message: not a note (internal), nor an
    automatic one (our acknowledgement or safety advice, an auto-reply), which would hide what the
    customer wrote."""
    latest = Message.objects.filter(ticket=OuterRef("pk"), is_automatic=False).exclude(
        direction=Message.Direction.NOTE
    )
    latest = (
        latest.order_by("-sent_at", "-id")
        .annotate(start=Substr("text", 1, PREVIEW_CHARS))
        .values("start")[:1]
    )
    return tickets.annotate(preview=Subquery(latest))


def _prefetch_tags(rows):
    """Tags of the page's tickets in one query (prefetch_related would need a queryset, not a list)."""
    if not rows:
        return
    through = Ticket.tags.through
    by_ticket = {}
    for ticket_id, name in through.objects.filter(ticket_id__in=[t.pk for t in rows]).values_list(
        "ticket_id", "tag__name"
    ):
        by_ticket.setdefault(ticket_id, []).append(name)
    for ticket in rows:
        ticket.tag_names = sorted(by_ticket.get(ticket.pk, []))


@dataclass(frozen=True)
class Cursor:
    """The sort key of the last row shown: its due (or update) time and id, as "<microseconds>.<id>";
    "p" before it when the row was one of the pinned safety tickets (their part comes first)."""

    at: datetime | None
    id: int
    pinned: bool = False

    EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

    @classmethod
    def of(cls, ticket, open_view):
        at = ticket.sla_due_at if open_view else ticket.updated_at
        return cls(at, ticket.pk, pinned=getattr(ticket, "pinned", False))

    def encode(self):
        stamp = "n" if self.at is None else str((self.at - self.EPOCH) // timedelta(microseconds=1))
        return f"{'p' if self.pinned else ''}{stamp}.{self.id}"

    @classmethod
    def parse(cls, raw, open_view):
        """The cursor in `raw`, or None for the first page (also when `raw` is not one of ours)."""
        raw = raw or ""
        pinned = open_view and raw.startswith("p")
        stamp, _, ticket_id = raw.removeprefix("p").partition(".") if pinned else raw.partition(".")
        if not ticket_id.isdigit() or not (stamp == "n" or stamp.lstrip("-").isdigit()):
            return None
        if stamp == "n":
            return cls(None, int(ticket_id), pinned) if open_view else None
        try:
            at = cls.EPOCH + timedelta(microseconds=int(stamp))
        except OverflowError:  # a hand-made address
            return None
        return cls(at, int(ticket_id), pinned)


# A line that only greets ("Hi Tamika,", "Hello Prairie Electric,", "Buenos días:"): the row shows
# what the message says after it.
GREETING = re.compile(
    r"(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|greetings|to whom it may concern|hola"
    r"|buen(?:os|as) (?:d[ií]as|tardes|noches)|estimad[oa]s?)\b[^.!?\n]{0,40}[,:!]?",
    re.IGNORECASE,
)


def first_line(text):
    """The message's first line that says something: not empty, not only a greeting."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    said = next((line for line in lines if not GREETING.fullmatch(line)), "")
    return said or (lines[0] if lines else "")
