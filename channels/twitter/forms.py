"""The X account's fields on the channel account form (channels/forms.py)."""

import re

from channels.account_fields import AccountFields, base_url_problem, numeric_id

USERNAME = re.compile(r"@?[A-Za-z0-9_]{1,15}")


def check_settings(settings):
    problems = {}
    username = settings.get("username", "").strip()
    if username and not USERNAME.fullmatch(username):
        problems["username"] = "An X username is 1 to 15 letters, digits or underscores, e.g. PrairieEGHelp."
    if base_url_problem(settings.get("api_base_url", "")):
        problems["api_base_url"] = base_url_problem(settings["api_base_url"])
    return problems


ACCOUNT_FIELDS = AccountFields(
    self_id=("X user id", "The numeric id of the account, so its own tweets are recognised."),
    settings=(
        ("username", "X username", "Without the @."),
        ("api_base_url", "API base URL", "Leave empty for https://api.twitter.com (set for the sandbox)."),
    ),
    credentials=(
        ("consumer_key", "API key"),
        ("consumer_secret", "API key secret"),
        ("access_token", "Access token"),
        ("access_token_secret", "Access token secret"),
        ("bearer_token", "Bearer token"),
    ),
    optional_secrets=frozenset({"bearer_token"}),  # X's app-only token: the account reads without it
    check_settings=check_settings,
    check_self_id=numeric_id,
    destinations=(
        (
            ("api_base_url",),
            ("consumer_key", "consumer_secret", "access_token", "access_token_secret", "bearer_token"),
        ),
    ),
)
