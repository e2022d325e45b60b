"""The only writer of tickets, messages, their timeline, contacts and identities.

Every change of a ticket goes through one helper (lifecycle._change): lock the row, change it,
recompute SLA, save, record the event. Ingest applies a whole batch at once under the same rules
(batch.py). Everything that leaves goes through the one outbox (outbox.py). Callers import from here.
"""

from ..models import Message
from .contacts import contact_merge
from .critical_care import (
    Flagged,
    ImportReport,
    contact_set_critical_care,
    critical_care_entry_add,
    critical_care_entry_remove,
    critical_care_import,
    may_flag_contacts,
    may_flag_organization,
    organization_set_critical_care,
)
from .delivery import REPLY_OUTBOX, reply_record_delivered
from .ingest import IngestResult, ingest
from .lifecycle import (
    AlreadyPosted,
    ClaimConflict,
    ComposerReused,
    InvalidChange,
    ReplyRefused,
    ticket_add_note,
    ticket_add_tags,
    ticket_assign,
    ticket_claim,
    ticket_remove_tag,
    ticket_reply,
    ticket_retry_reply,
    ticket_set_priority,
    ticket_set_status,
    tickets_tag_history,
)
from .moderation import message_hidden_by_rule, message_moderation_failed, message_set_hidden
from .outbox import outbox_reconcile
from .safety import ticket_set_safety
from .survey import ticket_survey_rated, ticket_survey_send


def reply_look_up(message: Message) -> str | None:
    """Look a reply whose send was cut off up on its channel now; returns its delivery state."""
    return outbox_reconcile(REPLY_OUTBOX, message.pk)


__all__ = [
    "AlreadyPosted",
    "ClaimConflict",
    "ComposerReused",
    "Flagged",
    "ImportReport",
    "IngestResult",
    "InvalidChange",
    "ReplyRefused",
    "contact_merge",
    "contact_set_critical_care",
    "critical_care_entry_add",
    "critical_care_entry_remove",
    "critical_care_import",
    "ingest",
    "may_flag_contacts",
    "may_flag_organization",
    "message_hidden_by_rule",
    "message_moderation_failed",
    "message_set_hidden",
    "organization_set_critical_care",
    "reply_look_up",
    "reply_record_delivered",
    "ticket_add_note",
    "ticket_add_tags",
    "ticket_assign",
    "ticket_claim",
    "ticket_remove_tag",
    "ticket_reply",
    "ticket_retry_reply",
    "ticket_set_priority",
    "ticket_set_safety",
    "ticket_set_status",
    "ticket_survey_rated",
    "ticket_survey_send",
    "tickets_tag_history",
]
