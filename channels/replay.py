"""Saved raw payloads -> Inbound items, through the same parsers as the pollers.

For `manage.py ingest_file`: X API v2 JSON (mentions, tweets, DM events), Graph API JSON (feeds,
posts, comments, conversations, messages, in page / single / ?ids= shapes), and .eml / .mbox files.
"""

import json
from pathlib import Path

from .email.parse import parse_email, parse_mbox
from .facebook import parse as facebook
from .twitter.parse import parse_dm_events, parse_mentions

SUFFIXES = {
    "twitter": (".json",),
    "facebook": (".json",),
    "email": (".eml", ".mbox", ".mbx"),
}


class UnreadableFile(Exception):
    """A file that yields no items at all, with the reason in plain words."""


def payload_files(path):
    """The file itself, or every file below the folder, in name order."""
    path = Path(path)
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
    if path.is_file():
        return [path]
    raise UnreadableFile(f"{path}: no such file or folder")


def items_from_file(path, account):
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES[account.kind]:
        expected = ", ".join(SUFFIXES[account.kind])
        raise UnreadableFile(
            f"not a {expected} file, which is what a {account.get_kind_display()} account takes"
        )
    if account.kind == "email":
        if suffix == ".eml":
            return [parse_email(path.read_bytes(), mailbox_address=account.self_external_id)]
        return parse_mbox(path, mailbox_address=account.self_external_id)
    try:
        payload = json.loads(path.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UnreadableFile(f"not valid JSON ({error})") from None
    try:
        return (
            _x_items(payload)
            if account.kind == "twitter"
            else _graph_items(payload, account.self_external_id)
        )
    except ValueError as error:
        raise UnreadableFile(str(error)) from None


def _x_items(payload):
    if not isinstance(payload, dict):
        raise ValueError("an X API v2 response is a JSON object")
    data = payload.get("data")
    if isinstance(data, dict):  # a single tweet or event, as GET /2/tweets/:id answers
        payload = {**payload, "data": [data]}
        data = payload["data"]
    if data and all(isinstance(item, dict) and "event_type" in item for item in data):
        return parse_dm_events(payload)
    return parse_mentions(payload)


def _graph_items(payload, page_id):
    items = []
    for thing in facebook.graph_objects(payload):
        thing_id = str(thing.get("id", ""))
        if thing_id.startswith("m_"):
            items.append(facebook.parse_message(thing, conversation_id=_conversation_of(thing, page_id)))
        elif thing_id.startswith("t_"):
            items.extend(facebook.parse_conversations(thing))
        elif _is_post(thing):
            items.extend(facebook.parse_feed({"data": [thing]}, page_id=page_id))
            items.extend(facebook.parse_comments(thing.get("comments") or {"data": []}, post=thing))
        else:
            items.append(facebook.parse_comment(thing))
    return items


def _is_post(thing):
    # Comments carry a parent, a comment_id in their permalink, or a comment_count; posts do not.
    is_comment = (
        "parent" in thing or "comment_count" in thing or "comment_id=" in str(thing.get("permalink_url", ""))
    )
    return not is_comment


def _conversation_of(message, page_id):
    """A lone message names no conversation: key it by the customer, as Messenger has one per customer."""
    sender = (message.get("from") or {}).get("id", "")
    if sender and sender != page_id:
        return f"psid-{sender}"
    recipients = (message.get("to") or {}).get("data") or [{}]
    return f"psid-{recipients[0].get('id', 'unknown')}"
