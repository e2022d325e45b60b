"""Is this customer's message an outage report? Pure: text in, what matched and why out.

The safety detector's matcher (oss_inbox/safety/detector.py) reads outages already, for critical-care
customers: the same phrases, negations ("no power steering" aside, "not an outage"), clauses, typos,
compounds and Spanish. Storm mode asks the question of every message, so this module compiles its own
list once: the safety list's outage phrases, a few more ways customers say it, and look-alikes that are
not a report ("power bill", "power steering", "outage map", "planned outage", "blackout Friday").

On top of the matcher, an outage told as over in the same message is not a report: "power went out at
6 but it's back now, thanks", "ya volvió la luz" (the matcher ends a match only in its own clause, and
"back" is no resolution word to it). Unless the message says it goes on: "back on, but out again".

Customers type on phones in the dark: before the matcher reads a message, a word one slip away from
an outage word ("Powr out", "Outae", "pwoer", "Lihts", "stlil dark") is read as that word (typos.py
says which slips and which words are too short or too near a real word for it). The customer's own
words are still what a detection shows, with what was read how in its `why`.
Standard library and the safety detector's pure modules only (an import-linter contract says so).
"""

import re
from dataclasses import dataclass
from functools import cache

from oss_inbox.safety.detector import LOOKALIKE, OUTAGE, OUTAGE_LOOKALIKE, Detector, Phrase, compile_phrases
from oss_inbox.safety.phrases import DEFAULT_PHRASES, OUTAGE_PHRASES
from oss_inbox.safety.text import STILL_WORDS, drop_quoted, normalise

from .typos import read_typos

MORE_OUTAGE_PATTERNS = {
    "en": (
        "dont/doesnt/didnt have power/electricity/lights",
        "power/electricity/lights is/are off/out",
        "power cut/cuts/loss",
        "when ... power/electricity/lights back",
        "went/gone/sitting/all dark",
        "whole block/street/neighborhood/house/town ... dark",
        "knocked/took/blew out power/lights/electricity",
        "been/still out since",
        "still out on/in/at",
        "boom/bang/pop/flash ... nothing",  # "heard a boom and now nothing"
        # A second message of a report: "Any news? Still dark here."
        "still dark",
    ),
    "es": (
        "se fue la corriente/electricidad/energia",
        "no tenemos luz/electricidad/corriente",
        "estamos sin luz/electricidad/corriente",
        "se nos fue la luz",
    ),
}
MORE_LOOKALIKES = (
    "power steering/bank/banks/strip/strips/cord/cords/supply/tool/tools/washer/washing/wash/ranger/rangers",
    "power point/nap/naps/couple/move/play/plays/hour/lifting/trip",
    "outage/outages map/maps/alert/alerts/text/texts/notification/notifications/page/line/number/app/report",
    "planned/scheduled outage/outages",
    "blackout friday/curtain/curtains/shades/blinds/dates/date/period/sale",
    "in the dark about",
    # A power cut that is threatened or planned, not happening: a scam call, a move-out date.
    "power/electricity/service would/will/gonna be cut/shut/off/out/disconnected",
    "power/electricity/service shuts/shut off the",
    "shut/cut off my/the power/electricity/service",
    # Not the supply: lights that flicker, a streetlight, a question about outages in general.
    "flickering/flicker/flickers/flickered on and off",
    "streetlight/streetlights/street light/lights out/off/down",
    "for/during outage/outages",
    "case of outage/outages",
    # The dark of the night or the winter, not of a house: "still dark out when my bus comes".
    "dark outside",
    "dark out when/at/in/by/before/until/till",
    "dark in the morning/mornings/evening/evenings",
    "dark at night",
    "dark when i/we/you",
)
# Said after the outage, these say it is over: "it's back now", "power was restored", "volvió la luz".
_RESTORED = re.compile(
    r"\b(?:back on|(?:is|are|s|its|came|come|comes|has come|just came|finally) back|restored|back now"
    r"|volvio|regreso|ya (?:hay|tenemos|llego) (?:la )?(?:luz|corriente|electricidad))\b"
)
# ... unless these come right before: a wish or a question, not news ("when will it be back on").
_UNRESOLVING = frozenset(
    "when will be until till til if hasnt hasn't not isnt nobody never yet cuando hasta si no".split()
)


@dataclass(frozen=True)
class OutageDetection:
    matched: str  # the customer's own words: "Power's out"
    why: str  # 'matched "power out" (power outage, ...): "…Power's out on Elm St…"'
    language: str  # "en" or "es"


def detect_outage(text: str) -> OutageDetection | None:
    """The outage this message reports, with the words that said so and why; None when it reports none
    (no outage words, a look-alike, negated, or told as over)."""
    original = drop_quoted(text)
    text, slips = read_typos(original)
    found = outage_detector().detect(text)
    if found is None or _told_as_over(text, found.matched) or _of_read_as_off(found.matched):
        return None
    if not slips:
        return OutageDetection(matched=found.matched, why=found.why, language=found.language)
    matched, read = slips.original(found.matched)
    readings = ", ".join(f'"{typed}" as "{word}"' for typed, word in read)
    why = f"{found.why}; read {readings}" if read else found.why
    return OutageDetection(matched=matched, why=why, language=found.language)


@cache
def outage_detector() -> Detector:
    """The outage phrases and every look-alike, compiled once per process (the list is code)."""
    more = [
        Phrase(OUTAGE, pattern, language)
        for language, patterns in MORE_OUTAGE_PATTERNS.items()
        for pattern in patterns
    ]
    lookalikes = [phrase for phrase in DEFAULT_PHRASES if phrase.category == LOOKALIKE]
    lookalikes += [Phrase(OUTAGE_LOOKALIKE, pattern) for pattern in MORE_LOOKALIKES]
    return compile_phrases([*OUTAGE_PHRASES, *more, *lookalikes])


def _told_as_over(text: str, matched: str) -> bool:
    """From the matched words on, the message says power came back ("when the power came back" is
    in the match itself), and nothing after that says it went out again."""
    normalised = normalise(text)
    after = normalised[max(0, normalised.find(normalise(matched))) :]
    for restored in _RESTORED.finditer(after):
        before = after[: restored.start()].split()[-2:]
        if _UNRESOLVING.isdisjoint(before) and not _question(after, restored.end()):
            later = set(re.findall(r"[a-z]+", after[restored.end() :]))
            return later.isdisjoint(STILL_WORDS | {"out", "off"})
    return False


def _of_read_as_off(matched: str) -> bool:
    """The matcher folds doubled letters, so "off" and "of" are one key to it: "every light on our
    side of Ash St" is no "lights off"."""
    return matched.split()[-1].lower() == "of"


def _question(text: str, end: int) -> bool:
    """The clause that ends after `end` ends with a question mark ("is it back?")."""
    clause_end = re.search(r"[.!?;,\n]", text[end:])
    return clause_end is not None and clause_end.group() == "?"
