"""The Instagram account's fields on the channel account form (channels/forms.py).

The account is an Instagram professional account connected through Instagram Login (the
"Instagram API with Instagram Login": host graph.instagram.com, no Facebook Page needed).
"""

from channels.account_fields import AccountFields, numeric_id
from channels.facebook.forms import HUMAN_AGENT_CHOICES, graph_settings_problems


def check_settings(settings):
    return graph_settings_problems(settings, product="Instagram")


ACCOUNT_FIELDS = AccountFields(
    self_id=(
        "Instagram account id",
        "The numeric id of the Instagram professional account (GET /me?fields=user_id with its token).",
    ),
    settings=(
        (
            "graph_version",
            "Graph API version",
            "Leave empty for the server's GRAPH_API_VERSION (v24.0 unless set).",
        ),
        (
            "graph_base_url",
            "Instagram API base URL",
            "Leave empty for https://graph.instagram.com (set for the sandbox).",
        ),
        (
            "comment_window_days",
            "Comment window (days)",
            "Read comments on media posted in the last N days; 14 when empty.",
        ),
        (
            "webhook_verify_token",
            "Webhook verify token",
            "The token you typed in the Meta app's Instagram webhook settings; empty if webhooks are off.",
        ),
        (
            "human_agent_tag",
            "Instagram's human-agent tag",
            "Meta lets a person answer a DM with this tag until 7 days after the customer's last message, "
            "once it has granted the app the Human Agent permission.",
        ),
    ),
    credentials=(("access_token", "Instagram access token"), ("app_secret", "Instagram app secret")),
    # The app secret checks the signature of Meta's webhook deliveries; polling and replies work without.
    optional_secrets=frozenset({"app_secret"}),
    check_settings=check_settings,
    choices={"human_agent_tag": HUMAN_AGENT_CHOICES},
    check_self_id=numeric_id,
    destinations=((("graph_base_url",), ("access_token",)),),
)
