"""What reading one payload gave, said in words: its items, what was read but is not a message, and
why there is nothing in it. Pure: the channels' parsers build it, `manage.py ingest_file` reports it.
"""

from collections import Counter
from dataclasses import dataclass, field


class Refused(ValueError):
    """A whole payload this channel does not read (a users response, an error body, a webhook for
    something else), refused with one reason in plain words instead of one failure per element."""


@dataclass
class Reading:
    items: list = field(default_factory=list)  # Inbound and Unparseable
    # Things read and deliberately not made messages, by reason: retweets, the Page's own posts,
    # read receipts... They are not stored anywhere; the reason says why.
    left_out: Counter = field(default_factory=Counter)
    empty_because: str = ""  # why a payload that was understood holds nothing at all

    def __post_init__(self):
        self.left_out = Counter(self.left_out)

    def leave_out(self, reason: str, count: int = 1) -> None:
        if count:
            self.left_out[reason] += count

    def add(self, other: "Reading") -> None:
        self.items.extend(other.items)
        self.left_out.update(other.left_out)
        if not self.empty_because:
            self.empty_because = other.empty_because

    def why_nothing(self) -> str:
        """For a reading without items: what was left out, or why the payload was empty."""
        if self.left_out:
            return "; ".join(f"{count} × {reason}" for reason, count in self.left_out.most_common())
        return self.empty_because or "nothing in it to read"
