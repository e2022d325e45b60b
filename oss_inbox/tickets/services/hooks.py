"""What ingest asks of the apps above it, without importing them: arrows point one way.

Key accounts (oss_inbox.keyaccounts, when its app is ready) answer which organization new authors
belong to, which of its letters an email replies to, and record such replies on the account's
timeline. Without it, ingest knows no organization but the email domains' and no letters.
Surveys (oss_inbox.surveys) say whether a message answers a satisfaction survey. Channels hear of
the customers' new messages once they are committed (moderation's auto-hide rules).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestHooks:
    # (channel kind, {author id: Author}) -> {author id: Organization}, in a fixed number of queries
    organizations_for_authors: Callable[[str, dict], dict] = lambda kind, authors: {}
    # (account, Message-IDs an email replies to) -> {Message-ID: letter with .organization}
    letters_answered: Callable[[object, set], dict] = lambda account, message_ids: {}
    # [(ticket, letter)] once the tickets have their ids
    letter_replies: Callable[[list], object] = lambda replies: None
    # (resolved ticket, Inbound) -> the rating data when the item answers the ticket's satisfaction
    # survey (a Messenger quick reply), recorded by the surveys app; None for a customer's message
    survey_answer: Callable[[object, object], dict | None] = lambda ticket, item: None
    # [Message] the batch stored from customers, called once its transaction has committed (never
    # for a batch rolled back): moderation (channels.moderation) checks the public comments among them,
    # incidents (oss_inbox.incidents) the outage reports. Several apps listen: see INBOUND_LISTENERS.
    inbound_stored: Callable[[list], object] = lambda messages: _tell_listeners(messages)


# Every app's `inbound_stored`, in the order registered: one that fails (its broker down) is logged
# and the others still hear of the batch; what a listener missed its own sweep finds.
INBOUND_LISTENERS: list[Callable[[list], object]] = []


def _tell_listeners(messages):
    for listener in INBOUND_LISTENERS:
        try:
            listener(messages)
        except Exception:
            logger.exception("%s could not hear of %d new messages", _name(listener), len(messages))


def _name(listener):
    return f"{getattr(listener, '__module__', '')}.{getattr(listener, '__qualname__', listener)}"


INGEST = [IngestHooks()]


def ingest_hooks() -> IngestHooks:
    return INGEST[0]


def ingest_hooks_register(**hooks: Callable) -> None:
    """Set the hooks given; `inbound_stored` adds a listener (once) beside the others."""
    listener = hooks.pop("inbound_stored", None)
    if listener is not None and listener not in INBOUND_LISTENERS:
        INBOUND_LISTENERS.append(listener)
    INGEST[0] = replace(INGEST[0], **hooks)
