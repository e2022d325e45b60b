"""When a Meta access token stops working, from Graph's GET /debug_token?input_token=... (asked by
Test connection, channels/connection_test.py). Pure: the answer in, a TokenExpiry out.

debug_token gives two unix times, each 0 for "never": `expires_at`, when the token itself expires
(a Page token made from a long-lived user token never does), and `data_access_expires_at`, after
which it may no longer read the Page's data until someone logs in again. The token stops working
at the earlier of the two.
"""

from datetime import UTC, datetime

from channels.base import TokenExpiry

DEBUG_TOKEN = "debug_token"


def token_expiry_of(answer: dict) -> TokenExpiry | None:
    """The token's end as debug_token says it; None if the answer does not say."""
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, dict):
        return None
    times = [data.get(name) for name in ("expires_at", "data_access_expires_at")]
    times = [value for value in times if isinstance(value, int) and not isinstance(value, bool)]
    if not times:
        return None
    ends = [value for value in times if value > 0]
    return TokenExpiry(datetime.fromtimestamp(min(ends), tz=UTC) if ends else None)
