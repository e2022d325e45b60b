"""The Facebook Page account's fields on the channel account form (channels/forms.py)."""

import re

from channels.account_fields import AccountFields, base_url_problem, numeric_id

GRAPH_VERSION = re.compile(r"v\d{1,3}\.\d{1,2}")
# Whether the Meta app may send with the human-agent tag (Meta grants the Human Agent permission on
# review): answers from 24 hours to 7 days after the customer wrote (channels/send_rules.py).
HUMAN_AGENT_CHOICES = (
    ("allowed", "Yes: answer up to 7 days after the customer wrote"),  # the help names the permission
    ("no", "No: answer only within 24 hours of the customer's message"),
)


MAX_VERIFY_TOKEN = 200


def graph_settings_problems(settings, *, product):
    """What is wrong with the settings every Graph API account has (Facebook's and Instagram's), in
    words; `product` names whose human-agent tag it is ("Messenger", "Instagram")."""
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
        problems["human_agent_tag"] = f"Choose whether the app may use {product}'s human-agent tag."
    token = settings.get("webhook_verify_token", "")
    if token and (len(token) > MAX_VERIFY_TOKEN or any(char.isspace() for char in token)):
        problems["webhook_verify_token"] = (
            f"Write the verify token without spaces, at most {MAX_VERIFY_TOKEN} characters, "
            "or leave it empty."
        )
    return problems


def check_settings(settings):
    return graph_settings_problems(settings, product="Messenger")


ACCOUNT_FIELDS = AccountFields(
    self_id=("Page id", "The numeric id of the Facebook Page."),
    settings=(
        (
            "graph_version",
            "Graph API version",
            "Leave empty for the server's GRAPH_API_VERSION (v24.0 unless set).",
        ),
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
        (
            "webhook_verify_token",
            "Webhook verify token",
            "The token you typed in the Meta app's Page webhook settings; empty if webhooks are off.",
        ),
        (
            "human_agent_tag",
            "Messenger's human-agent tag",
            "Meta lets a person answer with this tag until 7 days after the customer's last message, "
            "once it has granted the app the Human Agent permission.",
        ),
    ),
    credentials=(("page_access_token", "Page access token"), ("app_secret", "App secret")),
    # Needed when the Facebook app requires appsecret_proof, and to check webhook deliveries' signatures.
    optional_secrets=frozenset({"app_secret"}),
    check_settings=check_settings,
    choices={"human_agent_tag": HUMAN_AGENT_CHOICES},
    check_self_id=numeric_id,
    destinations=((("graph_base_url",), ("page_access_token", "app_secret")),),
)
