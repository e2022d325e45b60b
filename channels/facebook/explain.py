"""A failed Test connection of a Facebook Page in plain words (channels/connection_test.py)."""

from channels.explain import minutes_until, minutes_words, network_sentence, server_of_url

from .graph import GRAPH_URL, GraphApiError
from .parse import PERMANENT_CODES, THROTTLED_CODES, TOKEN_CODES

NO_SUCH_OBJECT = 100  # "Object with ID ... does not exist" (subcode 33), or a wrong parameter


def explain_failed_test(account, error):
    """The sentence for a Page's failed test, or "" when the error's own words will do."""
    base_url = account.settings.get("graph_base_url") or GRAPH_URL
    if isinstance(error, GraphApiError) and error.status:
        return _answer_sentence(account, error, base_url)
    return network_sentence(error, server_of_url("Facebook", base_url, "Graph API base URL"))


def _answer_sentence(account, error, base_url):
    code, status = error.code, error.status
    if code in TOKEN_CODES or (code is None and status == 401):
        return (
            "Facebook does not accept the Page access token: it expired or was revoked — reconnect the "
            "Page (enter a new Page access token)."
        )
    if code == NO_SUCH_OBJECT or (code is None and status == 404):
        return _not_found(account, base_url, code)
    if code in THROTTLED_CODES or status == 429:
        wait = minutes_words(minutes_until(error.retry_at)) if error.retry_at else "15 minutes"
        return f"Facebook is limiting calls for this Page (rate limit) — test again in {wait}."
    if code in PERMANENT_CODES or status == 403:
        return (
            f"Facebook says the Page access token lacks a permission this needs (Graph error {code}) — "
            "reconnect the Page and grant it."
        )
    if status >= 500:
        return (
            f"Facebook is having trouble right now (HTTP {status}) — nothing needs changing here; test "
            "again in a few minutes."
        )
    return f"Facebook refused the test (HTTP {status}) — check the account's settings; the Details say why."


def _not_found(account, base_url, code):
    if code is None:  # not Graph's own answer: some other web server
        return (
            f"{base_url} answered “not found” (HTTP 404): it is not the Graph API — check the Graph API "
            f"base URL (empty means {GRAPH_URL})."
        )
    return (
        f"Facebook finds no Page with id {account.self_external_id} that this token may read — check the "
        "Page id, and that the Page access token is this Page's."
    )
