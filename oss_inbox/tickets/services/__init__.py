"""Every write to a ticket goes through here; each records its timeline event and recomputes SLA."""

from .ingest import IngestResult, ingest
from .lifecycle import (
    AlreadyPosted,
    ClaimConflict,
    ComposerReused,
    ticket_add_note,
    ticket_assign,
    ticket_claim,
    ticket_reply,
    ticket_set_priority,
    ticket_set_status,
)

__all__ = [
    "AlreadyPosted",
    "ClaimConflict",
    "ComposerReused",
    "IngestResult",
    "ingest",
    "ticket_add_note",
    "ticket_assign",
    "ticket_claim",
    "ticket_reply",
    "ticket_set_priority",
    "ticket_set_status",
]
