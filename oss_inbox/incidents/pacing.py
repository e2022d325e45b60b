"""When each send of a broadcast may go, so that no platform's documented rate limit is ever exceeded.
Pure: no database, no network.

A lane is one account's one kind of send (an X account's reply posts, its DMs, a Page's Messenger
messages...): the platforms count their limits per account and per endpoint. Each lane has its limits
as (requests, seconds) windows, read from the channel's spec (`SEND_LIMITS` in channels/<kind>/spec.py).

Two things make a planned slot differ from the moment the request really leaves:
- the outbox releases a reply only when its sweeper next runs (every 30 s), so a send leaves up to
  `LATENESS` after its slot — several slots may leave together;
- other replies (agents', acknowledgements) share the account's budget.

So a window of W seconds of real sends holds the sends planned in a window of W + LATENESS, and we
plan at most `MARGIN` of each limit in every such window: for every limit (n allowed, W seconds),
slot k comes more than W + LATENESS after slot k - n. Between those walls the slots are spread evenly
at the shortest limit's steady pace, so a lane never bursts more than that pace allows.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from channels.email import spec as email_spec
from channels.facebook import spec as facebook_spec
from channels.instagram import spec as instagram_spec
from channels.twitter import spec as twitter_spec

LATENESS = timedelta(seconds=30)  # tickets.tasks.sweep_outbox runs every 30 s
MARGIN = 0.9
# The two walls of a window never both hold a slot.
EPSILON = timedelta(milliseconds=1)
# A kind of send no spec names: one a second, a pace no platform we know refuses.
UNKNOWN_LIMITS = ((60, 60),)

LIMITS_BY_CHANNEL = {
    "twitter": twitter_spec.SEND_LIMITS,
    "facebook": facebook_spec.SEND_LIMITS,
    "instagram": instagram_spec.SEND_LIMITS,
    "email": email_spec.SEND_LIMITS,
}


@dataclass(frozen=True)
class Window:
    """At most `allowed` sends planned in any `span` (the documented window plus the lateness)."""

    allowed: int
    span: timedelta


def send_limits(channel_kind: str, reply_kind: str) -> tuple[tuple[int, int], ...]:
    """The documented (requests, seconds) limits of one kind of send on one kind of account."""
    return LIMITS_BY_CHANNEL.get(channel_kind, {}).get(reply_kind, UNKNOWN_LIMITS)


def lane(channel_kind: str, reply_kind: str) -> str:
    """The name of the budget a kind of send draws on: kinds sharing an endpoint share it (a Facebook
    comment reply and a reply on a visitor's post are both comments)."""
    limits = LIMITS_BY_CHANNEL.get(channel_kind, {})
    if reply_kind not in limits:
        return reply_kind
    return min(kind for kind, kind_limits in limits.items() if kind_limits == limits[reply_kind])


def windows(
    limits: Iterable[tuple[int, int]], *, margin: float = MARGIN, lateness: timedelta = LATENESS
) -> list[Window]:
    return [
        Window(allowed=max(1, math.floor(count * margin)), span=timedelta(seconds=seconds) + lateness)
        for count, seconds in limits
    ]


def steady_gap(limits: Sequence[tuple[int, int]], *, margin: float = MARGIN) -> timedelta:
    """The even spacing of the shortest window's pace. A longer window (a day's) is kept by its wall
    alone: its allowance goes at the short pace, then the lane waits (900 X DMs in 75 minutes, then
    the next day), rather than a day's trickle."""
    count, seconds = min(limits, key=lambda limit: limit[1])
    return timedelta(seconds=seconds) / max(1, math.floor(count * margin))


def plan_slots(
    count: int,
    limits: Sequence[tuple[int, int]],
    *,
    start: datetime,
    earlier: Sequence[datetime] = (),
    margin: float = MARGIN,
    lateness: timedelta = LATENESS,
) -> list[datetime]:
    """`count` send times on one lane, the first at `start` or later, after the lane's `earlier` slots
    still within its longest window (another broadcast's, in order), keeping every window."""
    rules = windows(limits, margin=margin, lateness=lateness)
    gap = steady_gap(limits, margin=margin)
    taken = sorted(earlier)
    planned = []
    for _ in range(count):
        slot = max(start, taken[-1] + gap) if taken else start
        for rule in rules:
            if len(taken) >= rule.allowed:
                slot = max(slot, taken[-rule.allowed] + rule.span + EPSILON)
        taken.append(slot)
        planned.append(slot)
    return planned


def longest_span(limits: Sequence[tuple[int, int]], *, lateness: timedelta = LATENESS) -> timedelta:
    """How far back a lane's earlier slots still count against a new plan."""
    return max(timedelta(seconds=seconds) for _, seconds in limits) + lateness
