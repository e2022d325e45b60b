"""Reading a Graph API edge newest first, down to a moment: the paging and time rules Facebook's and
Instagram's fetchers share (both speak the Graph API). Pure: pages in, objects out.
"""

from datetime import UTC, datetime


def graph_time(value):
    """A Graph time as an aware datetime, or None: "2026-12-07T18:45:03+0000" (fromisoformat reads it
    since Python 3.11), or a webhook's or Instagram's Unix seconds or milliseconds."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if value > 10**11 else value
        return datetime.fromtimestamp(seconds, tz=UTC)
    try:
        return datetime.fromisoformat(value).astimezone(UTC) if value else None
    except (TypeError, ValueError):
        return None


def newest_first_down_to(pages, floor, time_field="created_time"):
    """Objects of a newest-first edge down to `floor` (unix; None reads it all).

    A page holding anything older than the floor is the last one read; its newer objects are kept
    even if they come after an older one, so a page not quite in order loses nothing.
    """
    found = []
    for body in pages:
        objects = [item for item in body.get("data", []) if isinstance(item, dict) and item.get("id")]
        found.extend(item for item in objects if floor is None or is_newer(item, floor, time_field))
        if floor is not None and not all(is_newer(item, floor, time_field) for item in objects):
            break
    return list({item["id"]: item for item in found}.values())


def unique(items):
    """Each external id once: a page served twice, or an item seen on two edges."""
    seen, kept = set(), []
    for item in items:
        if item.external_id is not None and item.external_id in seen:
            continue
        seen.add(item.external_id)
        kept.append(item)
    return kept


def unix_time(graph_object, time_field="created_time"):
    """The object's time in Unix seconds, or None if missing or unreadable."""
    moment = graph_time(graph_object.get(time_field))
    return int(moment.timestamp()) if moment else None


def is_newer(graph_object, floor, time_field="created_time"):
    # An object without a readable time counts as new: it is read, and ingest records what is wrong.
    moment = unix_time(graph_object, time_field)
    return moment is None or moment >= floor


def newest(mark, graph_objects, time_field="created_time"):
    """The later of `mark` and the newest of the objects' times (None when there is neither)."""
    times = [
        moment for moment in (unix_time(item, time_field) for item in graph_objects) if moment is not None
    ]
    return max([mark, *times]) if mark is not None else max(times, default=None)


def unix(moment):
    return int(moment.timestamp())


def seconds(delta):
    return int(delta.total_seconds())
