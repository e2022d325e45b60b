"""What one answer of the Graph API counts for in the account's usage (channels/usage.py).

Meta does not bill calls, but throttles them: a rate limit comes back as HTTP 429 or as a Graph
error with a throttling code (4, 17, 32, 613...), usually under HTTP 400. A comment, a Messenger
message or a private reply we posted is a post written.
"""

import json
import re

from channels.usage import CallCount

from .parse import graph_error

WRITE_EDGES = re.compile(r".*/(comments|messages|private_replies)/?")


def measure_graph_answer(response) -> CallCount:
    request = response.request
    ok = 200 <= response.status_code < 300
    path = request.path_url.split("?", 1)[0]
    written = request.method == "POST" and ok and WRITE_EDGES.fullmatch(path)
    return CallCount(rate_limited=1 if _throttled(response) else 0, posts_written=1 if written else 0)


def _throttled(response):
    if response.status_code == 429:
        return True
    if response.status_code < 400:
        return False
    try:
        body = json.loads(response.content or b"{}")
    except (TypeError, ValueError):
        return False
    return isinstance(body, dict) and "error" in body and graph_error(body).throttled
