"""What the ticket's conversation shows of moderation (channels/moderation/) on each message.

`annotate` gives each message what the conversation shows: whether Hide (or Show) is offered, and
what moderation did to it ("Hidden on Facebook by Dana at 2:02 PM"), read from the message itself
(context["moderation"], written with the timeline event): no query. The buttons post to
moderation_views.hide.
"""

from datetime import datetime

from channels.moderation.actions import hide_offered, platform_name
from oss_inbox.tickets.models import Message


def annotate(message: Message) -> None:
    """Sets message.hide_offered, .platform and .moderation (its facts, `at` a datetime; or None)."""
    message.hide_offered = hide_offered(message)
    message.platform = platform_name(message) if message.hide_offered else ""
    facts = (message.context or {}).get("moderation")
    message.moderation = None
    if isinstance(facts, dict) and facts.get("at"):
        message.moderation = {**facts, "at": datetime.fromisoformat(facts["at"])}
