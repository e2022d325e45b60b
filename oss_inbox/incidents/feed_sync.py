"""The outage feed's writes: poll a source, keep its items, and let incidents follow them.

`feed_poll(feed)`:
1. Claims the source (a conditional UPDATE of `last_polled_at`: two workers poll it once).
2. Fetches its URL with a timeout and a size cap, and reads it (feed.py, pure). A feed that fails
   (an HTTP error, a timeout, junk) records `last_error` in words and changes nothing else.
3. `feed_items_store`: one `FeedItem` per outage (unique per source and key), created or updated;
   its area matched to the gazetteer by name. An item the feed no longer lists gets `gone_at` (not
   on a poll where a row could not be read: that row may be the item).
4. `feed_incidents_follow`: an open incident of a listed item's area that follows no listed item is
   linked to it; each open incident linked to a listed item takes its ETR, status (investigating or
   crews working) and customers out, each poll's changes one timeline entry ("From the outage feed:
   ETR 8:30 PM."). When the ETR moved, fanout.etr_changed after commit re-notifies the customers.

The feed never restores an incident: a supervisor does, and that sends the final message. An item
the feed says is restored, or no longer lists, is shown so on the feed page.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from channels.http import PrefixRewritingSession

from . import fanout
from .feed import FeedReading, incident_status, parse_feed
from .gazetteer import current_gazetteer
from .models import Area, FeedItem, FeedSource, Incident, IncidentUpdate
from .placeholders import time_words
from .places import find_places, narrow_areas, place_key

log = logging.getLogger(__name__)

FEED_TIMEOUT = (5, 15)  # seconds: (connect, read)
MAX_FEED_BYTES = 5 * 1024 * 1024
FOLLOWED = ("etr", "status", "customers_out")
ITEM_FIELDS = ["area", "area_name", "customers_out", "cause", "etr", "status", "gone_at"]
COMPARED = ["area_id", *ITEM_FIELDS[1:]]  # the area's id: reading `area` would load the row


class FeedUnreachable(Exception):
    """The feed's URL answered no feed (an HTTP error, a timeout, too big); the message says why."""


@dataclass(frozen=True)
class PollResult:
    polled: bool  # False: another worker had it, or it was not due
    error: str = ""  # the source's last_error after this poll
    items: int = 0  # listed now
    gone: int = 0  # no longer listed since this poll
    incidents_changed: int = 0


def feed_poll(feed: FeedSource, *, now: datetime | None = None, force: bool = False) -> PollResult:
    """Poll one source now (`force`: even if its poll_seconds have not passed: "Poll now")."""
    now = now or timezone.now()
    if not _claim(feed, now, force=force):
        return PollResult(polled=False)
    try:
        body, content_type = feed_fetch(feed.url)
    except FeedUnreachable as unreachable:
        return _failed(feed, str(unreachable))
    zone = ZoneInfo(settings.TIME_ZONE)
    reading = parse_feed(body, content_type, fmt=feed.format, tz=zone)
    if reading.error:
        return _failed(feed, reading.error)
    return feed_reading_apply(feed, reading, now=now)


def feed_reading_apply(feed: FeedSource, reading: FeedReading, *, now: datetime) -> PollResult:
    """Store what a readable feed lists and let incidents follow it (steps 3 and 4)."""
    with transaction.atomic():
        listed, gone = feed_items_store(feed, reading, now=now)
        changed = feed_incidents_follow(listed, now=now)
        FeedSource.objects.filter(pk=feed.pk).update(last_ok_at=now, last_error=reading.summary)
    return PollResult(
        polled=True, error=reading.summary, items=len(listed), gone=gone, incidents_changed=changed
    )


def _claim(feed, now, *, force):
    """Mark the source polled now, if no other worker just did; False: leave it."""
    pollable = FeedSource.objects.filter(pk=feed.pk, enabled=True)
    if force:  # "Poll now": whatever its pace, but once (the time read with the page must not have moved)
        pollable = pollable.filter(last_polled_at=feed.last_polled_at)
    else:  # beat's tick is not exact: a second's slack
        due_before = now - timedelta(seconds=max(feed.poll_seconds - 1, 0))
        pollable = pollable.filter(Q(last_polled_at__isnull=True) | Q(last_polled_at__lte=due_before))
    return pollable.update(last_polled_at=now) == 1


def _failed(feed, error):
    FeedSource.objects.filter(pk=feed.pk).update(last_error=error)
    log.warning("Outage feed %s: %s", feed.name, error)
    return PollResult(polled=True, error=error)


def feed_fetch(url: str) -> tuple[bytes, str]:
    """The feed's body and content type, or FeedUnreachable saying why in words."""
    host = urlsplit(url).netloc or url
    session = PrefixRewritingSession("", None, timeout=FEED_TIMEOUT)
    try:
        with session.get(
            url, stream=True, headers={"Accept": "application/json, text/csv;q=0.9, */*;q=0.5"}
        ) as answer:
            if answer.status_code >= 400:
                reason = f" ({answer.reason})" if answer.reason else ""
                raise FeedUnreachable(
                    f"The feed answered HTTP {answer.status_code}{reason}: nothing was read."
                )
            body = _capped(answer)
            return body, answer.headers.get("Content-Type", "")
    except requests.Timeout:
        raise FeedUnreachable(
            f"{host} did not answer within {FEED_TIMEOUT[1]} seconds: nothing was read."
        ) from None
    except requests.ConnectionError:
        raise FeedUnreachable(f"Could not connect to {host}: is the URL right, and the server up?") from None
    except requests.RequestException as error:
        raise FeedUnreachable(f"The feed could not be fetched: {error.__class__.__name__}.") from None
    finally:
        session.close()


def _capped(answer):
    chunks, size = [], 0
    for chunk in answer.iter_content(64 * 1024):
        size += len(chunk)
        if size > MAX_FEED_BYTES:
            raise FeedUnreachable(
                f"The feed is over {MAX_FEED_BYTES // (1024 * 1024)} MB: is it the right URL? "
                "Nothing was read."
            )
        chunks.append(chunk)
    return b"".join(chunks)


def feed_items_store(feed: FeedSource, reading: FeedReading, *, now: datetime) -> tuple[list, int]:
    """Create or update one item per listed outage; the listed items, and how many went."""
    # What this poll can touch: the items still listed, and those it lists again. Items gone for good
    # (every storm's history) are neither locked nor read.
    listed_keys = [row.key for row in reading.rows]
    current = FeedItem.objects.select_for_update().filter(source=feed)
    current = current.filter(Q(gone_at__isnull=True) | Q(key__in=listed_keys))
    known = {item.key: item for item in current}
    listed, new, areas = [], [], {}

    def area_of(name):  # many outages of one area: its name matched once
        if name not in areas:
            areas[name] = area_named(name)
        return areas[name]

    changed = {}  # the fields that changed -> the items they changed on
    for row in reading.rows:
        item, before = known.get(row.key), None
        if item is None:
            item = FeedItem(source=feed, key=row.key, first_seen_at=now, area=area_of(row.area_name))
            new.append(item)
        else:
            item.source = feed  # the row already read: no query for its name later
            before = [getattr(item, field) for field in COMPARED]
            if item.area_name != row.area_name or item.area_id is None:
                item.area = area_of(row.area_name)
        item.area_name, item.customers_out, item.cause = row.area_name, row.customers_out, row.cause
        item.etr, item.status, item.last_seen_at, item.gone_at = row.etr, row.status, now, None
        if before is not None:
            fields = tuple(
                ITEM_FIELDS[n] for n, field in enumerate(COMPARED) if before[n] != getattr(item, field)
            )
            if fields:
                changed.setdefault(fields, []).append(item)
        listed.append(item)
    # A vendor may list thousands of outages, most as they were: only the fields that changed are
    # written (in bulk, by the same fields changing: an ETR moved here, customers out there), and that
    # the rest are still listed is one statement.
    for fields, items in changed.items():
        FeedItem.objects.bulk_update(items, fields, batch_size=500)
    seen = [item.pk for item in listed if item.pk]
    FeedItem.objects.filter(pk__in=seen).update(last_seen_at=now)
    FeedItem.objects.bulk_create(new, batch_size=1000)
    if new and new[0].pk is None:  # databases that return no ids from a bulk insert
        ids = dict(
            FeedItem.objects.filter(source=feed, key__in=[item.key for item in new]).values_list("key", "id")
        )
        for item in new:
            item.pk = ids[item.key]
    gone = 0
    if not reading.problems:
        still = {item.key for item in listed}
        went = [item.pk for key, item in known.items() if key not in still and item.gone_at is None]
        gone = FeedItem.objects.filter(pk__in=went).update(gone_at=now)
    return listed, gone


def area_named(name: str) -> Area | None:
    """The gazetteer's area a feed names: by the area's own name, else by a place that lies in one
    area only (a feeder "H-11", a one-feeder town), else by the places the name holds."""
    key = place_key(name)
    area = Area.objects.filter(key=key).first()
    if area is not None:
        return area
    gazetteer = current_gazetteer()
    by_name = {area_id for place in gazetteer.by_key.get(key, ()) for area_id in place.area_ids}
    if len(by_name) == 1:
        return Area.objects.filter(pk=next(iter(by_name))).first()
    where = narrow_areas(find_places(name, gazetteer))
    return Area.objects.filter(pk=where.area_id).first() if where.area_id else None


def feed_incidents_follow(items: list, *, now: datetime) -> int:
    """Link the listed items' areas' open incidents, and bring each linked one up to its item."""
    by_id = {item.pk: item for item in items}
    followers = {}
    for incident in _locked_open().filter(feed_item_id__in=by_id):
        followers.setdefault(incident.feed_item_id, []).append(incident)
    unfollowed = [item for item in items if item.pk not in followers and item.area_id]
    for item, incident in _auto_links(unfollowed):
        incident.feed_item = item
        incident.save(update_fields=["feed_item"])
        _entry(incident, f"Follows the outage feed “{item.source.name}”: {item.area_name}.", now=now)
        followers[item.pk] = [incident]
    return sum(
        incident_follow_feed(incident, by_id[item_id], now=now)
        for item_id, incidents in followers.items()
        for incident in incidents
    )


def _locked_open():
    # Only the incidents' rows: a join to their feed item may be the nullable side of an outer join,
    # which PostgreSQL cannot lock.
    return Incident.objects.open().select_for_update(of=("self",))


def _auto_links(items):
    """(item, incident) for each item an open incident of its area may follow: one that follows no
    listed item (none yet, or its item is gone), the oldest first, one incident per item."""
    if not items:
        return []
    waiting = {}
    unlinked = Q(feed_item__isnull=True) | Q(feed_item__gone_at__isnull=False)
    candidates = _locked_open().filter(unlinked, area_id__in={item.area_id for item in items})
    for incident in candidates.order_by("created_at", "pk"):
        waiting.setdefault(incident.area_id, []).append(incident)
    # The area's biggest outage first, when the feed lists several for it.
    ordered = sorted(items, key=lambda item: -(item.customers_out or 0))
    return [(item, waiting[item.area_id].pop(0)) for item in ordered if waiting.get(item.area_id)]


def incident_follow_feed(incident: Incident, item: FeedItem, *, now: datetime) -> int:
    """Bring an open incident up to its feed item; 1 when anything changed. Restored is never taken:
    a supervisor restores."""
    if not incident.is_open or item.gone_at is not None:
        return 0
    status = incident_status(item.status)
    wanted = {
        "etr": item.etr if item.etr is not None else incident.etr,
        "status": status if status in Incident.OPEN else incident.status,
        "customers_out": item.customers_out if item.customers_out is not None else incident.customers_out,
    }
    changes = [field for field in FOLLOWED if getattr(incident, field) != wanted[field]]
    if not changes:
        return 0
    old_etr = incident.etr
    for field in changes:
        setattr(incident, field, wanted[field])
    incident.save(update_fields=changes)
    _entry(
        incident,
        f"From the outage feed: {'; '.join(_said(incident, field, now) for field in changes)}.",
        now=now,
    )
    if "etr" in changes:
        transaction.on_commit(lambda: _etr_moved(incident.pk, old_etr))
    return 1


def _said(incident, field, now):
    if field == "etr":
        return f"ETR {time_words(incident.etr, now)}"
    if field == "status":
        return f"status {Incident.Status(incident.status).label.lower()}"
    return f"customers out {incident.customers_out:,}"


def _entry(incident, text, *, now):
    IncidentUpdate.objects.create(
        incident=incident, text=text, status=incident.status, etr=incident.etr, author=None, created_at=now
    )


def _etr_moved(incident_id, old_etr):
    """The customers hear of the new ETR (fanout.py decides whether: the incident's notify_on_etr_change)."""
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        return
    try:
        fanout.etr_changed(incident, old_etr, by=None)
    except fanout.BroadcastRefused as refused:  # it changed meanwhile (restored, merged): nothing to tell
        log.info("No ETR update for incident %s: %s", incident_id, refused)


def feed_item_link(
    incident: Incident, item: FeedItem | None, *, user, now: datetime | None = None
) -> Incident:
    """A supervisor's choice on the feed page: this incident follows this item (None: no item)."""
    now = now or timezone.now()
    who = user.get_full_name() or user.get_username()
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if not incident.is_open:
            raise FeedLinkRefused(f"“{incident.title}” is no longer open: it follows no feed any more.")
        if incident.feed_item_id == (item.pk if item else None):
            return incident
        incident.feed_item = item
        incident.save(update_fields=["feed_item"])
        if item is None:
            _entry(incident, f"Follows no outage feed item any more (by {who}).", now=now)
            return incident
        _entry(
            incident, f"Follows the outage feed “{item.source.name}”: {item.area_name} (by {who}).", now=now
        )
        incident_follow_feed(incident, item, now=now)
    return incident


class FeedLinkRefused(Exception):
    """A link the feed page cannot make; the message says why."""
