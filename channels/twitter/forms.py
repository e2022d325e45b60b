"""The X account's fields on the channel account form (channels/forms.py)."""

from channels.account_fields import AccountFields

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
    destinations=(
        (
            ("api_base_url",),
            ("consumer_key", "consumer_secret", "access_token", "access_token_secret", "bearer_token"),
        ),
    ),
)
