"""A failed Test connection of an X account in plain words (channels/connection_test.py)."""

import tweepy

from channels.explain import causes, first, minutes_until, minutes_words, network_sentence, server_of_url

API_HOST = "https://api.twitter.com"  # as channels.twitter.adapter, without importing the client here
SECRETS = "API key, API key secret, Access token and Access token secret"


def explain_failed_test(account, error):
    """The sentence for an X account's failed test, or "" when the error's own words will do."""
    base_url = account.settings.get("api_base_url") or API_HOST
    answered = first(causes(error), tweepy.HTTPException)
    if answered is not None:
        return _answer_sentence(answered, error, base_url)
    return network_sentence(error, server_of_url("X", base_url, "API base URL"))


def _answer_sentence(answered, error, base_url):
    status = answered.response.status_code
    if isinstance(answered, tweepy.Unauthorized):
        return (
            "X does not accept this account's keys and tokens: they were revoked or regenerated — "
            f"reconnect the account (enter the {SECRETS} again)."
        )
    if isinstance(answered, tweepy.Forbidden):
        return (
            "X refused access: the app or its access token lacks a permission or access level this "
            "needs — fix it on the X developer portal, then reconnect the account."
        )
    if isinstance(answered, tweepy.NotFound):
        return (
            f"{base_url} answered “not found” (HTTP 404): it is not the X API — check the API base URL "
            f"(empty means {API_HOST})."
        )
    if isinstance(answered, tweepy.TooManyRequests):
        wait = minutes_words(minutes_until(error.retry_at)) if error.retry_at else "15 minutes"
        return f"X is limiting how often this account may call it (rate limit) — test again in {wait}."
    if isinstance(answered, tweepy.TwitterServerError):
        return (
            f"X is having trouble right now (HTTP {status}) — nothing needs changing here; test again in a "
            "few minutes."
        )
    return f"X refused the test (HTTP {status}) — check the account's settings; the Details say why."
