"""Saved raw payloads -> Inbound items, through the same parsers as the pollers, and what became
of them, counted for `manage.py ingest_file`.

Files: X API v2 JSON (mentions, tweets, DM events), Graph API JSON (feeds, posts, comments,
conversations, messages, in page / single / ?ids= shapes, and webhook bodies), and .eml / .mbox.
A file is read (its items, what was left out and why, or why it holds nothing) or refused whole
with one reason (`UnreadableFile`): not JSON, not something this account's channel reads.
"""

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from oss_inbox.tickets.models import Message, UnprocessedItem
from oss_inbox.tickets.services import IngestResult, ingest

from .base import Inbound
from .email.parse import parse_email, parse_mbox
from .facebook.shapes import read_graph
from .instagram.shapes import read_instagram
from .reading import Reading, Refused
from .twitter.parse import read_response

SUFFIXES = {
    "twitter": (".json",),
    "facebook": (".json",),
    "email": (".eml", ".mbox", ".mbx"),
    "instagram": (".json",),
}
BATCH = 500
DUPLICATES = "already stored (duplicates)"
SET_ASIDE = {
    UnprocessedItem.Reason.OWN_POST: "our own posts with no conversation to join",
    UnprocessedItem.Reason.AUTOMATIC_UNTHREADED: "auto-replies and bounces with no ticket to join",
}


class UnreadableFile(Exception):
    """A file refused whole, with the reason in plain words."""


def payload_files(path):
    """The file itself, or every file below the folder, in name order."""
    path = Path(path)
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
    if path.is_file():
        return [path]
    raise UnreadableFile(f"{path}: no such file or folder")


def read_file(path, account, *, conversation_ids=None) -> Reading:
    """The items of one saved file, with what was left out and why. Raises UnreadableFile."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES[account.kind]:
        expected = " or ".join(SUFFIXES[account.kind])
        raise UnreadableFile(
            f"not a {expected} file, which is what {account.get_kind_display()} accounts take"
        )
    if account.kind == "email":
        if suffix == ".eml":
            raw = _bytes(path)
            return Reading(items=[parse_email(raw, mailbox_address=account.self_external_id)])
        items = parse_mbox(path, mailbox_address=account.self_external_id)
        return Reading(items=items, empty_because="an empty mailbox file: no messages in it")
    try:
        payload = json.loads(_bytes(path))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UnreadableFile(f"not valid JSON ({error})") from None
    except RecursionError:
        raise UnreadableFile("not JSON this reader can take: nested too deeply") from None
    try:
        if account.kind == "twitter":
            return read_response(payload)
        if account.kind == "instagram":
            return read_instagram(payload, ig_id=account.self_external_id)
        return read_graph(payload, page_id=account.self_external_id, conversation_ids=conversation_ids)
    except Refused as error:
        raise UnreadableFile(str(error)) from None


def _bytes(path):
    try:
        return path.read_bytes()
    except OSError as error:
        raise UnreadableFile(f"cannot be read ({error.strerror or error})") from None


def items_from_file(path, account):
    return read_file(path, account).items


def messenger_conversations(account) -> dict:
    """PSID -> Messenger conversation id (t_...) of every customer who wrote on Messenger before,
    so that a webhook event or a lone message joins the conversation a poll stored."""
    rows = Message.objects.filter(
        account=account, kind="messenger", direction="inbound", ticket__thread_key__startswith="fbm:t_"
    ).values_list("author_identity__external_id", "ticket__thread_key")
    return {psid: key.removeprefix("fbm:") for psid, key in rows.distinct() if psid and " " not in key}


@dataclass
class Stored:
    """What ingest made of a file's items."""

    stored: int = 0
    tickets_opened: int = 0
    set_aside: Counter = field(default_factory=Counter)  # reason -> count, duplicates included
    refused: Counter = field(default_factory=Counter)  # reason -> count

    def add(self, other: "Stored") -> None:
        self.stored += other.stored
        self.tickets_opened += other.tickets_opened
        self.set_aside.update(other.set_aside)
        self.refused.update(other.refused)


def store(account, items) -> Stored:
    """Ingest the items in batches, as a poll would, and say what became of each."""
    outcome = Stored()
    for start in range(0, len(items), BATCH):
        batch = items[start : start + BATCH]
        result = ingest(account, batch)
        outcome.stored += result.stored
        outcome.tickets_opened += result.tickets_opened
        outcome.set_aside[DUPLICATES] += result.duplicates
        outcome.set_aside.update(_set_aside_reasons(account, batch, result))
        outcome.refused.update(_refusal_reasons(batch, result))
    outcome.set_aside = +outcome.set_aside  # without the zero counts
    return outcome


def _set_aside_reasons(account, batch, result: IngestResult) -> Counter:
    """Ingest counts what it set aside; its rows (UnprocessedItem) say why, one per item."""
    if not result.set_aside:
        return Counter()
    candidates = [
        item.external_id
        for item in batch
        if isinstance(item, Inbound)
        and (item.is_automatic or item.author.external_id == account.self_external_id)
    ]
    stored = set(
        Message.objects.filter(account=account, external_id__in=candidates).values_list(
            "external_id", flat=True
        )
    )
    rows = UnprocessedItem.objects.filter(account=account, external_id__in=candidates, reason__in=SET_ASIDE)
    reasons = Counter(
        SET_ASIDE[reason]
        for external_id, reason in rows.values_list("external_id", "reason")
        if external_id not in stored
    )
    unexplained = result.set_aside - sum(reasons.values())
    if unexplained > 0:
        reasons["set aside for a reason ingest did not record"] += unexplained
    return reasons


def _refusal_reasons(batch, result: IngestResult) -> Counter:
    """Ingest's errors read "{external id}: {reason}"; grouped by reason, without the ids."""
    ids = {item.external_id or "(no id)" for item in batch}
    reasons = Counter()
    for error in result.errors:
        reasons[_without_id(error, ids)] += 1
    return reasons


def _without_id(error, ids):
    start = 0
    while (colon := error.find(": ", start)) != -1:
        if error[:colon] in ids:
            return error[colon + 2 :]
        start = colon + 1
    return error
