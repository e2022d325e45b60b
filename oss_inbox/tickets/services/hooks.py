"""What ingest asks of the apps above it, without importing them: arrows point one way.

Key accounts (oss_inbox.keyaccounts, when its app is ready) answer which organization new authors
belong to, which of its letters an email replies to, and record such replies on the account's
timeline. Without it, ingest knows no organization but the email domains' and no letters.
Surveys (oss_inbox.surveys) say whether a message answers a satisfaction survey. Channels hear of
the customers' new messages once they are committed (moderation's auto-hide rules).
"""

from collections.abc import Callable
from dataclasses import dataclass, replace


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
    # for a batch rolled back): moderation (channels.moderation) checks the public comments among them
    inbound_stored: Callable[[list], object] = lambda messages: None


INGEST = [IngestHooks()]


def ingest_hooks() -> IngestHooks:
    return INGEST[0]


def ingest_hooks_register(**hooks: Callable) -> None:
    INGEST[0] = replace(INGEST[0], **hooks)
