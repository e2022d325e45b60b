"""What one answer of the Instagram API counts for in the account's usage (channels/usage.py).

The same as a Graph answer on Facebook (channels/facebook/usage.py: a call, Graph's throttling
codes, a direct message we sent), and a reply under a comment (POST /{comment-id}/replies) is a
post written too.
"""

import re
from dataclasses import replace

from channels.facebook.usage import measure_graph_answer

REPLY_EDGE = re.compile(r".*/replies/?")


def measure_instagram_answer(response):
    count = measure_graph_answer(response)
    request = response.request
    path = request.path_url.split("?", 1)[0]
    if request.method == "POST" and 200 <= response.status_code < 300 and REPLY_EDGE.fullmatch(path):
        return replace(count, posts_written=1)
    return count
