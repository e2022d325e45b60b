"""What a webhook body is for, read before it is trusted: the platform's object, the ids of the Pages,
Instagram accounts or X users it names, and when its newest event happened. Pure: no database.

Meta: `{"object": "page" | "instagram", "entry": [{"id", "time", "changes" | "messaging": [...]}]}`;
entry ids are Page ids (object "page") or Instagram professional account ids (object "instagram").
X: the X Activity API's `{"data": {"event_type", "filter": {"user_id"}, "payload"}}` and the Account
Activity API's `{"for_user_id", "tweet_create_events", "direct_message_events", "users"}`.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime

# Meta's object -> our channel account kind.
META_KINDS = {"page": "facebook", "instagram": "instagram"}


class Unreadable(ValueError):
    """A body that is not a webhook of this platform: refused with 400, in plain words."""


@dataclass(frozen=True)
class Targets:
    kind: str  # the channel account kind it is for: "facebook", "instagram" or "twitter"
    ids: tuple[str, ...]  # the Page, Instagram or X user ids named, in order, once each
    newest: datetime | None  # the newest event time it carries; None when it carries none


def json_body(body: bytes):
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Unreadable("The body is not JSON.") from None
    except RecursionError:
        raise Unreadable("The body is JSON nested too deeply to read.") from None


def meta_targets(payload) -> Targets:
    if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
        raise Unreadable("Not a Meta webhook: it has no list of entries.")
    kind = META_KINDS.get(payload.get("object"))
    if kind is None:
        raise Unreadable(
            f"A webhook for {payload.get('object')!r} objects; only Pages and Instagram are read."
        )
    entries = [entry for entry in payload["entry"] if isinstance(entry, dict)]
    times = []
    for entry in entries:
        times.append(entry.get("time"))
        times += [event.get("timestamp") for event in _dicts(entry.get("messaging"))]
        times += [event.get("timestamp") for event in _dicts(entry.get("standby"))]
    return Targets(kind, _once(str(entry.get("id") or "") for entry in entries), _newest(times))


def x_targets(payload) -> Targets:
    if not isinstance(payload, dict):
        raise Unreadable("Not an X webhook: the body is not a JSON object.")
    if "for_user_id" in payload:  # the Account Activity API
        times = [tweet.get("timestamp_ms") for tweet in _dicts(payload.get("tweet_create_events"))]
        times += [event.get("created_timestamp") for event in _dicts(payload.get("direct_message_events"))]
        return Targets("twitter", _once([str(payload["for_user_id"] or "")]), _newest(times))
    events = x_activity_events(payload)
    if events is None:
        raise Unreadable("Not an X webhook: neither for_user_id nor an X Activity API event.")
    times = []
    for event in events:
        inner = event.get("payload") if isinstance(event.get("payload"), dict) else {}
        times.append(inner.get("created_at"))
        times += [dm.get("created_timestamp") for dm in _dicts(inner.get("direct_message_events"))]
    users = (str((event.get("filter") or {}).get("user_id") or "") for event in events)
    return Targets("twitter", _once(users), _newest(times))


def x_activity_events(payload) -> list | None:
    """The X Activity API events of a body (`data` is one event, or a list of them), or None."""
    data = payload.get("data") if isinstance(payload, dict) else None
    events = [data] if isinstance(data, dict) else data
    if not isinstance(events, list):
        return None
    events = [event for event in events if isinstance(event, dict) and "event_type" in event]
    return events or None


def moment(value) -> datetime | None:
    """Unix seconds or milliseconds (numbers or digits) or ISO 8601 text -> an aware datetime."""
    if isinstance(value, str) and not value.isdigit():
        try:
            return datetime.fromisoformat(value).astimezone(UTC)
        except ValueError:
            return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    seconds = number / 1000 if number > 10**11 else number
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _newest(values):
    moments = [found for found in (moment(value) for value in values) if found is not None]
    return max(moments, default=None)


def _dicts(items):
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _once(ids):
    return tuple(dict.fromkeys(found for found in ids if found))


def by_target(payload) -> dict[str, dict]:
    """A verified body split by the id it is for (Page, Instagram account, X user), each part in the
    body's own shape, so that each account's adapter reads only its own events."""
    if "entry" in payload:  # Meta
        parts = {}
        for entry in payload["entry"]:
            if isinstance(entry, dict) and entry.get("id"):
                parts.setdefault(str(entry["id"]), []).append(entry)
        return {target: {**payload, "entry": entries} for target, entries in parts.items()}
    if "for_user_id" in payload:  # X's Account Activity API: one user a body
        return {str(payload["for_user_id"]): payload}
    parts = {}
    for event in x_activity_events(payload) or []:
        user = str((event.get("filter") or {}).get("user_id") or "")
        if user:
            parts.setdefault(user, []).append(event)
    return {target: {"data": events} for target, events in parts.items()}
