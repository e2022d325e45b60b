"""Which conversation a reply read from the Account Activity API belongs to.

Its v1.1 tweets name the post they answer, not the conversation (`conversation_id`) a poll files
the same reply under: the conversation of the answered post, if we stored it, is used.
"""

from channels.base import conversation_of
from oss_inbox.tickets.models import Message


def stored_conversations(account, tweet_ids) -> dict[str, str]:
    """Tweet id -> X conversation id, of the tweets among `tweet_ids` stored on this account."""
    if not tweet_ids:
        return {}
    stored = Message.objects.filter(
        account=account, external_id__in=tweet_ids, ticket__thread_key__startswith="x:"
    )
    rows = stored.values_list("external_id", "ticket__thread_key")
    return {tweet_id: conversation_of(key).split(":")[1] for tweet_id, key in rows}
