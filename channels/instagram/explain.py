"""A failed Test connection of an Instagram account in plain words (channels/connection_test.py)."""

from channels.explain import minutes_until, minutes_words, network_sentence, server_of_url
from channels.facebook.graph import GraphApiError
from channels.facebook.parse import PERMANENT_CODES, THROTTLED_CODES, TOKEN_CODES

from .client import INSTAGRAM_URL

NO_SUCH_OBJECT = 100


def explain_failed_test(account, error):
    """The sentence for an Instagram account's failed test, or "" when the error's own words will do."""
    base_url = account.settings.get("graph_base_url") or INSTAGRAM_URL
    if isinstance(error, GraphApiError) and error.status:
        return _answer_sentence(error, base_url)
    if not isinstance(error, GraphApiError) and error.permanent:
        return ""  # our own words (the token is another account's): they say what to do
    return network_sentence(error, server_of_url("Instagram", base_url, "Instagram API base URL"))


def _answer_sentence(error, base_url):
    code, status = error.code, error.status
    if code in TOKEN_CODES or (code is None and status == 401):
        return (
            "Instagram does not accept the access token: it expired (tokens from Instagram Login last 60 "
            "days unless refreshed) or was revoked — reconnect the account and enter a new token."
        )
    if code is None and status == 404:
        return (
            f"{base_url} answered “not found” (HTTP 404): it is not the Instagram API — check the Instagram "
            f"API base URL (empty means {INSTAGRAM_URL})."
        )
    if code == NO_SUCH_OBJECT:
        return (
            "Instagram refused the request (Graph error 100): check the account id, and that the access "
            "token is this account's."
        )
    if code in THROTTLED_CODES or status == 429:
        wait = minutes_words(minutes_until(error.retry_at)) if error.retry_at else "15 minutes"
        return f"Instagram is limiting calls for this account (rate limit) — test again in {wait}."
    if code in PERMANENT_CODES or status == 403:
        return (
            f"Instagram says the access token lacks a permission this needs (Graph error {code}) — "
            "reconnect the account and grant instagram_business_basic, "
            "instagram_business_manage_comments and instagram_business_manage_messages."
        )
    if status >= 500:
        return (
            f"Instagram is having trouble right now (HTTP {status}) — nothing needs changing here; test "
            "again in a few minutes."
        )
    return f"Instagram refused the test (HTTP {status}) — check the account's settings; the Details say why."
