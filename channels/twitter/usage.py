"""What one answer of the X API counts for in the account's usage (channels/usage.py).

X bills per resource read and per write (docs.x.com/x-api/getting-started/pricing): each post or
DM event an answer's `data` list carries is a read, a DM event at its own, higher "DM Event: Read"
rate (the answers of /2/dm_events and a conversation's .../dm_events); POST /2/tweets and a DM sent
are writes, and a post with a link is billed at the higher "Content: Create (with URL)" rate. Hiding
a reply or reading who we are is a call, not a post.
"""

import json
import re

from channels.usage import CallCount, rate_limited

from .length import URL_PATTERN

# Matched at the end of the path: an API base URL behind a proxy may add a prefix.
POST_CREATE = re.compile(r"/2/tweets/?$")
DM_CREATE = re.compile(r"/2/dm_conversations/(?:with/)?[^/]+/messages/?$")
# Every DM event list the adapter reads: all of ours, one conversation's, one participant's.
DM_READ = re.compile(r"/2/(?:dm_conversations/(?:with/)?[^/]+/)?dm_events/?$")
SHORTENED_LINK = "https://t.co/"  # X shortens every link it finds, bare domains too


def measure_x_answer(response) -> CallCount:
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
        return CallCount(rate_limited=rate_limited(response), dm_events_read=read)
    return CallCount(rate_limited=rate_limited(response), posts_read=read)


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
