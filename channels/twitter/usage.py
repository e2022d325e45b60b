"""What one answer of the X API counts for in the account's usage (channels/usage.py).

X bills per resource read and per write (docs.x.com/x-api/getting-started/pricing): each post or
DM event an answer's `data` list carries is a read, a DM event at its own, higher "DM Event: Read"
rate (the answers of /2/dm_events and a conversation's .../dm_events); POST /2/tweets and a DM sent
are writes, and a post with a link is billed at the higher "Content: Create (with URL)" rate. Hiding
a reply or reading who we are is a call, not a post.

X bills a resource once a UTC day, however often it is read. That matters for our DM list: GET
/2/dm_events has no since_id, so every poll reads the newest page (up to 100 events) again, and
counting each read would make an account with a busy inbox look 100 times dearer than it is. So an
answer of that list counts, once a page of it was read today, only the events newer than the
poll's cursor (dm_events_billed).
"""

import json
import logging
import re

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from channels.models import ApiUsage, ChannelAccount
from channels.usage import CallCount, rate_limited

from .length import URL_PATTERN

# Matched at the end of the path: an API base URL behind a proxy may add a prefix.
POST_CREATE = re.compile(r"/2/tweets/?$")
DM_CREATE = re.compile(r"/2/dm_conversations/(?:with/)?[^/]+/messages/?$")
# Every DM event list the adapter reads: all of ours, one conversation's, one participant's.
DM_READ = re.compile(r"/2/(?:dm_conversations/(?:with/)?[^/]+/)?dm_events/?$")
DM_LIST = re.compile(r"/2/dm_events/?$")  # all of ours, newest first: what a poll reads
# The newest DM event a poll has seen, in the account's cursor (TwitterAdapter.fetch keeps it).
DM_CURSOR = "dm_last_event_id"
SHORTENED_LINK = "https://t.co/"  # X shortens every link it finds, bare domains too


log = logging.getLogger(__name__)


def measure_x_answer(response, account_id=None) -> CallCount:
    """What an answer counts for; with the account's id, a page of its DM list counts the DM
    events X bills (dm_events_billed), else every event it carries."""
    request = response.request
    path = _path(request.path_url)
    ok = 200 <= response.status_code < 300
    body = _json(response.content) if ok else {}
    if request.method == "POST" and ok and POST_CREATE.search(path):
        return CallCount(posts_written=1, posts_with_url=1 if _has_link(request, body) else 0)
    if request.method == "POST" and ok and DM_CREATE.search(path):
        return CallCount(posts_written=1)
    data = body.get("data") if request.method == "GET" else None
    read = len(data) if isinstance(data, list) else 0
    if DM_READ.search(path):
        if read and account_id is not None and DM_LIST.search(path):
            read = dm_events_billed(account_id, data)
        return CallCount(rate_limited=rate_limited(response), dm_events_read=read)
    return CallCount(rate_limited=rate_limited(response), posts_read=read)


def dm_events_billed(account_id, events) -> int:
    """How many events of a page of our DM list X bills today.

    The first page read on a UTC day: all of them. After that, only those newer than the cursor's
    newest DM event: a poll reads the list from the newest down, so the events at or below the
    cursor on its pages are among the newest page an earlier poll read, today. Not exact at the
    edges: a first poll of the day that pages past its first page counts, on the later pages, only
    the new events (the cursor's older ones were read yesterday); a poll that failed before saving
    its cursor counts its new events again on the next one. If the lookup fails, every event counts.
    """
    try:
        if connection.in_atomic_block:  # a caller's transaction survives a failed lookup
            with transaction.atomic():
                cursor, read_today = _dm_state(account_id)
        else:
            cursor, read_today = _dm_state(account_id)
    except Exception:  # the count may err high, never stop the call
        log.exception("Could not look up the DM reads of account %s; counting every event", account_id)
        return len(events)
    newest_seen = (cursor or {}).get(DM_CURSOR)
    if not read_today or not str(newest_seen or "").isdigit():
        return len(events)
    return sum(1 for event in events if not _at_or_below(event, int(newest_seen)))


def _dm_state(account_id):
    """The account's cursor and today's DM event reads so far, in one query."""
    today = ApiUsage.objects.filter(account=OuterRef("pk"), day=timezone.now().date())
    row = (
        ChannelAccount.objects.filter(pk=account_id)
        .annotate(read_today=Subquery(today.values("dm_events_read")[:1]))
        .values_list("cursor", "read_today")
        .first()
    )
    return row or (None, None)


def _at_or_below(event, newest_seen):
    event_id = event.get("id") if isinstance(event, dict) else None
    return str(event_id).isdigit() and int(event_id) <= newest_seen


def _has_link(request, answer):
    """The reply's text has a link, as we wrote it or as X returned it (a t.co link)."""
    written = _json(request.body).get("text") or ""
    posted = (answer.get("data") or {}).get("text") or ""
    return bool(URL_PATTERN.search(written)) or SHORTENED_LINK in posted


def _path(path_url):
    return path_url.split("?", 1)[0]


def _json(content):
    try:
        value = json.loads(content or b"{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}
