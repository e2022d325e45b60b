"""Outage words typed with one slip of the thumb, read as the words they are: "Powr out", "Outae in
Harlan", "pwoer is out", "Lihts went out", "Stlil dark here". Pure, standard library only.

A slip is one letter dropped, added, changed or two neighbours swapped. How many slips a word may
take depends on its length, because a short word one slip away from another real word is usually
that word ("powder", "poser", "sill", "lots"):

- 6 letters or more ("outage", "lights", "electricity", "apagon"): any slip, but the first letter
  stays (a slip there makes other words: "flights", "nights") unless it swapped with the second
  ("uOtage").
- 5 letters ("power", "light", "still"): the same, except a changed letter must be a key next to the
  right one on a QWERTY keyboard ("piwer", not "poker").
- 4 letters ("dark", "lost"): only two letters swapped ("adrk"), one dropped inside ("lst") or one
  doubled ("daark"); "dart" and "lot" are words.
- shorter ("luz", "out", "off"): never.

The safety detector's own near-miss reading (same first three letters, 7 letters or more) stays as it
is: life-safety reports are read by that, and this reading is the outage detector's alone.
"""

import re
from dataclasses import dataclass
from functools import cache

from oss_inbox.safety.text import normalise

# The words of the outage phrases worth reading through a slip (as normalise() writes them).
WORDS = (
    "power", "outage", "outages", "light", "lights", "electricity", "electric", "blackout", "still",
    "dark", "lost", "without", "apagon", "tenemos", "apagones", "corriente", "electricidad", "energia",
)  # fmt: skip
# Real words (or common spellings) one slip away from one of WORDS under the rules above: not typos.
NOT_SLIPS = frozenset(
    "powder poser poder powers lighty outrage outraged sill till shill stills stilly lot lots los slot dar "
    "apagan apago apagen apagar energias energica corrientes electrics blackouts".split()
)
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Slips:
    """Where a message's words were read through a slip: (start, end) in the read text, (start,
    end) in the customer's, what they typed and the word it was read as."""

    read: str  # the text the matcher reads
    typed: str  # the customer's
    edits: tuple  # ((read_start, read_end, typed_start, typed_end, typed, word), ...)

    def original(self, read_words: str) -> tuple[str, list]:
        """The customer's own text for `read_words` (a part of the read text) and the slips in it."""
        start = self.read.find(read_words)
        if start < 0:
            return read_words, []
        end = start + len(read_words)
        typed = self.typed[self._back(start) : self._back(end)]
        inside = [(edit[4], edit[5]) for edit in self.edits if start <= edit[0] and edit[1] <= end]
        return typed, inside

    def _back(self, position):
        shift = 0
        for read_start, read_end, _, typed_end, _, _ in self.edits:
            if position <= read_start:
                break
            shift = typed_end - read_end
        return position + shift


def read_typos(text: str) -> tuple[str, Slips | None]:
    """`text` with each slipped outage word replaced by the word, and where (None when there were none)."""
    slipped = _slipped()
    if text.isascii() and slipped.keys().isdisjoint(_WORD.findall(text.lower())):
        return text, None  # most messages: one pass in C, no word looked at in Python
    found = [(match, word) for match in _WORD.finditer(text) if (word := _read(match.group(), slipped))]
    if not found:
        return text, None
    parts, edits, last, length = [], [], 0, 0
    for match, word in found:
        parts.append(text[last : match.start()])
        length += match.start() - last
        edits.append((length, length + len(word), match.start(), match.end(), match.group(), word))
        parts.append(word)
        length += len(word)
        last = match.end()
    parts.append(text[last:])
    read = "".join(parts)
    return read, Slips(read=read, typed=text, edits=tuple(edits))


def _read(token, slipped):
    return slipped.get(token.lower() if token.isascii() else normalise(token).strip())


@cache
def _slipped() -> dict:
    """Every slip of every word of WORDS the rules allow -> the word (built once: a few thousand)."""
    found = {}
    for word in WORDS:
        for variant in _slips(word):
            found.setdefault(variant, word)
    for word in (*WORDS, *NOT_SLIPS):
        found.pop(word, None)
    return found


def _slips(word):
    n = len(word)
    if n < 4:
        return set()
    swaps = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(n - 1)}
    drops = {word[:i] + word[i + 1 :] for i in range(1, n)}
    if n == 4:  # and a key held down: "daark", "loost"
        return swaps | drops | {word[:i] + word[i] + word[i:] for i in range(n)}
    adds = {word[:i] + letter + word[i:] for i in range(1, n + 1) for letter in _ALPHABET}
    changes = {
        word[:i] + letter + word[i + 1 :]
        for i in range(1, n)
        for letter in (_neighbours(word[i]) if n == 5 else _ALPHABET)
    }
    return swaps | drops | adds | changes


def _neighbours(letter):
    """The keys around `letter` on a QWERTY keyboard: left and right, and the row above and below."""
    near = set()
    for row_index, row in enumerate(_KEYBOARD_ROWS):
        column = row.find(letter)
        if column < 0:
            continue
        near.update(row[max(column - 1, 0) : column + 2])
        for other in (row_index - 1, row_index + 1):
            if 0 <= other < len(_KEYBOARD_ROWS):
                near.update(_KEYBOARD_ROWS[other][max(column - 1, 0) : column + 2])
    near.discard(letter)
    return near
