"""The Facebook Page account's fields on the channel account form (channels/forms.py)."""

from channels.account_fields import AccountFields

ACCOUNT_FIELDS = AccountFields(
    self_id=("Page id", "The numeric id of the Facebook Page."),
    settings=(
        ("graph_version", "Graph API version", "e.g. v21.0 (the default when empty)."),
        (
            "graph_base_url",
            "Graph API base URL",
            "Leave empty for https://graph.facebook.com (set for the sandbox).",
        ),
        (
            "comment_window_days",
            "Comment window (days)",
            "Read comments on posts from the last N days; 14 when empty.",
        ),
    ),
    credentials=(("page_access_token", "Page access token"), ("app_secret", "App secret")),
    # Needed only when the Facebook app requires appsecret_proof.
    optional_secrets=frozenset({"app_secret"}),
    destinations=((("graph_base_url",), ("page_access_token", "app_secret")),),
)
