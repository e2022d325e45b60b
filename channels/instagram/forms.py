"""The Instagram account's fields on the channel account form (channels/forms.py).

The account is an Instagram professional account connected through Instagram Login (the
"Instagram API with Instagram Login": host graph.instagram.com, no Facebook Page needed).
"""

from channels.account_fields import AccountFields, base_url_problem, numeric_id
from channels.facebook.forms import GRAPH_VERSION, HUMAN_AGENT_CHOICES

MAX_VERIFY_TOKEN = 200


def check_settings(settings):
    problems = {}
    version = settings.get("graph_version", "").strip()
    if version and not GRAPH_VERSION.fullmatch(version):
        problems["graph_version"] = "Write a Graph API version such as v24.0, or leave it empty."
    if base_url_problem(settings.get("graph_base_url", "")):
        problems["graph_base_url"] = base_url_problem(settings["graph_base_url"])
    days = settings.get("comment_window_days", "").strip()
    if days and not (days.isdigit() and 1 <= int(days) <= 365):
        problems["comment_window_days"] = "Write a number of days from 1 to 365, or leave it empty for 14."
    if settings.get("human_agent_tag", "") not in ("", *dict(HUMAN_AGENT_CHOICES)):
        problems["human_agent_tag"] = "Choose whether the app may use Instagram's human-agent tag."
    token = settings.get("webhook_verify_token", "")
    if token and (len(token) > MAX_VERIFY_TOKEN or any(char.isspace() for char in token)):
        problems["webhook_verify_token"] = (
            f"Write the verify token without spaces, at most {MAX_VERIFY_TOKEN} characters, "
            "or leave it empty."
        )
    return problems


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
