"""The shapes a ticket's history takes, from a fresh unanswered tweet to a long, resolved email thread.

A shape is a list of steps, each some minutes (drawn from a range) after the one before, and a
tail: how long before now its last step happened. Drawing the tail per shape puts new tickets in
the last hours, breached ones a day and more back and resolved ones anywhere in the last month.
It also keeps every stored SLA state true now and not only when it was written: SLA states are
computed at write time, and no scan updates them yet, so a ticket whose last write was "ok" must
not have passed its due time since. That is why unanswered tickets stay under 18 hours old unless
they are meant to be breached (a late nudge from the customer records the breach).
"""

import itertools
from dataclasses import dataclass
from datetime import timedelta

from . import content

TEAM_ACTIONS = {"claim", "reply"}
URGENT_TEAM_GAP = (1, 12)  # minutes: gas smells and downed lines are answered at once
HOUR, DAY = 60, 24 * 60


@dataclass(frozen=True)
class Step:
    action: str  # a Scene method
    argument: str = ""  # a text role, or a status
    gap: tuple = (0, 0)  # minutes after the previous step
    chance: float = 1.0  # optional steps happen with this probability


@dataclass(frozen=True)
class Shape:
    name: str
    steps: tuple
    tail: tuple  # minutes between the last step and now
    tickets: int = 1  # tickets the shape ends up with (a follow-up makes two)
    kinds: tuple = content.ALL_KINDS
    needs: tuple = ()  # text roles the topic must have lines of its own for
    topics: tuple = ()  # only these topic keys, if given
    urgent_ok: bool = False  # safety reports only in shapes where they are answered at once

    def accepts(self, topic, kind):
        return (
            kind in topic.kinds
            and (kind != "comment" or bool(topic.posts))
            and (self.urgent_ok or not topic.urgent)
            and all(getattr(topic, role) for role in self.needs)
            and (not self.topics or topic.key in self.topics)
        )


S = Step
OPENING = S("customer", "openings")
CLAIM = S("claim", gap=(2, 4 * HOUR))
FIRST_REPLY = S("reply", "first_replies", gap=(1, 40))

NEW = Shape("new", (OPENING, S("customer", "more", gap=(3, 90), chance=0.3)), tail=(5, 15 * HOUR))
BREACHED = Shape(
    "breached",
    (
        OPENING,
        S("customer", "nudges", gap=(26 * HOUR, 40 * HOUR)),
        S("supervisor_note", "breach_notes", gap=(5, 40), chance=0.5),
    ),
    tail=(10, 4 * HOUR),
)
# Claimed, or nudged, 18.5 to 21.5 hours after it came in: less than a quarter of the day is left.
AT_RISK_CLAIMED = Shape("at_risk_claimed", (OPENING, S("claim", gap=(1110, 1290))), tail=(2, 40))
AT_RISK_NUDGED = Shape("at_risk_nudged", (OPENING, S("customer", "nudges", gap=(1110, 1290))), tail=(2, 40))
OPEN_WAITING = Shape(
    "open_waiting",
    (OPENING, CLAIM, FIRST_REPLY, S("customer", "more", gap=(10, 6 * HOUR))),
    tail=(5, 10 * HOUR),
)
OPEN_ANSWERED = Shape(
    "open_answered",
    (
        OPENING,
        CLAIM,
        FIRST_REPLY,
        S("customer", "more", gap=(5, 8 * HOUR), chance=0.5),
        S("reply", "updates", gap=(20, 10 * HOUR)),
    ),
    tail=(10, 2 * DAY),
    needs=("updates",),
    urgent_ok=True,
)
PENDING = Shape(
    "pending",
    (
        OPENING,
        CLAIM,
        S("reply", "asks", gap=(1, 30)),
        S("note", "notes", gap=(1, 20), chance=0.3),
        S("status", "pending", gap=(0, 5)),
    ),
    tail=(30, 5 * DAY),
    needs=("asks",),
)
RESOLVED_QUICK = Shape(
    "resolved_quick",
    (OPENING, CLAIM, FIRST_REPLY, S("status", "resolved", gap=(1, 60))),
    tail=(HOUR, 29 * DAY),
    urgent_ok=True,
)
RESOLVED_CHAT = Shape(
    "resolved_chat",
    (
        OPENING,
        CLAIM,
        FIRST_REPLY,
        S("customer", "more", gap=(5, 8 * HOUR)),
        S("reply", "updates", gap=(5, 5 * HOUR)),
        S("note", "notes", gap=(1, 30), chance=0.4),
        S("customer", "thanks", gap=(5, 10 * HOUR), chance=0.7),
        S("reply", "closings", gap=(2, 90), chance=0.6),
        S("status", "resolved", gap=(1, 2 * HOUR)),
    ),
    tail=(2 * HOUR, 28 * DAY),
    needs=("updates",),
    urgent_ok=True,
)
RESOLVED_AFTER_PENDING = Shape(
    "resolved_after_pending",
    (
        OPENING,
        CLAIM,
        S("reply", "asks", gap=(1, 30)),
        S("status", "pending", gap=(0, 5)),
        S("customer", "answers", gap=(10, DAY)),
        S("reply", "updates", gap=(5, 4 * HOUR)),
        S("customer", "thanks", gap=(5, 5 * HOUR), chance=0.5),
        S("status", "resolved", gap=(1, HOUR)),
    ),
    tail=(3 * HOUR, 27 * DAY),
    needs=("asks", "updates"),
)
RESOLVED_REASSIGNED = Shape(
    "resolved_reassigned",
    (
        OPENING,
        CLAIM,
        S("reassign", gap=(10, 3 * HOUR)),
        FIRST_REPLY,
        S("customer", "thanks", gap=(5, 6 * HOUR)),
        S("status", "resolved", gap=(1, HOUR)),
    ),
    tail=(2 * HOUR, 25 * DAY),
)
# Reopened within the 7-day window: the same ticket comes back as open.
REOPENED = Shape(
    "reopened",
    (
        OPENING,
        CLAIM,
        FIRST_REPLY,
        S("status", "resolved", gap=(5, 2 * HOUR)),
        S("customer", "reopens", gap=(DAY, 4 * DAY)),
        S("reply", "updates", gap=(5, 2 * HOUR), chance=0.5),
    ),
    tail=(10, 10 * HOUR),
    needs=("updates",),
)
# Back on the same thread after the window: a new ticket that points at the old one.
FOLLOW_UP = Shape(
    "follow_up",
    (
        OPENING,
        CLAIM,
        FIRST_REPLY,
        S("customer", "thanks", gap=(5, 6 * HOUR)),
        S("status", "resolved", gap=(1, HOUR)),
        S("follow_up", gap=(10 * DAY, 14 * DAY)),
    ),
    tail=(10, 12 * HOUR),
    tickets=2,
    kinds=("email", "messenger"),
)
# Our reply meets the customer's out-of-office: kept on the ticket, no new ticket, no SLA.
AUTO_REPLY_PENDING = Shape(
    "auto_reply_pending",
    (
        OPENING,
        CLAIM,
        S("reply", "asks", gap=(1, 30)),
        S("auto_reply", gap=(1, 3)),
        S("status", "pending", gap=(1, 10)),
    ),
    tail=(2 * HOUR, 3 * DAY),
    kinds=("email",),
    needs=("asks",),
)
AUTO_REPLY_RESOLVED = Shape(
    "auto_reply_resolved",
    (
        OPENING,
        CLAIM,
        FIRST_REPLY,
        S("auto_reply", gap=(1, 3)),
        S("customer", "thanks", gap=(10 * HOUR, 2 * DAY)),
        S("status", "resolved", gap=(1, HOUR)),
    ),
    tail=(10 * HOUR, 14 * DAY),
    kinds=("email",),
)
WITH_PHOTO = Shape(
    "with_photo",
    (
        S("photo"),
        CLAIM,
        S("reply", "updates", gap=(5, HOUR)),
        S("customer", "thanks", gap=(10, 6 * HOUR)),
        S("status", "resolved", gap=(1, HOUR)),
    ),
    tail=(4 * HOUR, 14 * DAY),
    kinds=("email",),
    topics=("meter_read",),
)

# Every special case at least once (as far as the ticket count allows), then the everyday mix.
SPECIALS = (
    (BREACHED, 3),
    (AT_RISK_CLAIMED, 2),
    (AT_RISK_NUDGED, 1),
    (REOPENED, 2),
    (FOLLOW_UP, 2),
    (AUTO_REPLY_PENDING, 1),
    (AUTO_REPLY_RESOLVED, 1),
    (WITH_PHOTO, 1),
)
EVERYDAY = (
    (NEW, 10),
    (OPEN_WAITING, 7),
    (OPEN_ANSWERED, 5),
    (PENDING, 8),
    (RESOLVED_QUICK, 20),
    (RESOLVED_CHAT, 32),
    (RESOLVED_AFTER_PENDING, 12),
    (RESOLVED_REASSIGNED, 4),
)


def plan(rng, count):
    """Shapes that add up to exactly `count` tickets."""
    shapes, total = [], 0
    for shape, times in SPECIALS:
        for _ in range(times):
            if total + shape.tickets <= count:
                shapes.append(shape)
                total += shape.tickets
    everyday, weights = zip(*EVERYDAY, strict=True)
    shapes += rng.choices(everyday, weights, k=count - total)
    return shapes


def timeline(rng, shape, now, *, urgent=False):
    """The steps that happen, each with its moment; the last one `tail` minutes before now."""
    steps = [step for step in shape.steps if step.chance >= 1 or rng.random() < step.chance]
    gaps = [
        _minutes(rng, URGENT_TEAM_GAP if urgent and step.action in TEAM_ACTIONS else step.gap)
        for step in steps
    ]
    start = now - _minutes(rng, shape.tail) - sum(gaps, timedelta())
    moments = list(itertools.accumulate(gaps, initial=start))[1:]
    return list(zip(steps, moments, strict=True))


def _minutes(rng, bounds):
    # Skewed towards the short end: most replies come quickly, a few take long.
    low, high = bounds
    return timedelta(minutes=low + (high - low) * rng.random() ** 2)
