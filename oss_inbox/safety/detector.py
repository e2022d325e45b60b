"""Life-safety reports in customers' own words, English and Spanish: a downed line, sparks, smoke or
fire at equipment, an explosion, a gas smell, carbon monoxide, flooded equipment, a person whose life
depends on power. Pure functions over text, standard library only: no ML, every answer explainable.

This module is the matcher: phrases compiled once per version of the list, then each message's words
against them. How a message becomes words, what kind of word each is and how far a negation or a
resolution reaches, is text.py's part (quoted text dropped, normalised, split, stemmed, negations,
resolutions and small words told apart, the message's language); the two change for different
reasons, a phrase rule here, a rule of the language there.

How a message is read (`Detector.detect`):

1. Quoted earlier messages are dropped, the text normalised and split into words (text.py).
2. Each word becomes a key (`text.word_key`: "gasss", "sparkin" -> "gas", "spark"). A word one
   letter away from a long phrase word, the first three letters the same, counts as it
   ("transfomer"); a word made of phrase words is split ("#powerlinedown" -> power line down).
3. A phrase matches when its words come in order in one clause, at most `window` words between
   consecutive ones, small words ("on", "the", "is", "my", "de"), numbers and street words not
   counted ("the pole on Walnut is on fire", "a pole at 8 Quarry Rd broke"). The small words of a
   pattern are not required.
4. A match is dropped when a look-alike phrase ("phone line", "gas station": matched word for word,
   nothing left out or between) matched one of its words; when one of its words is read in another
   sense ("cable" in a message naming TV or internet, with no power word and no place a wire lies:
   "the cable is down, no TV"); when a negation ("no", "not", "isn't", "stopped", "sin") stands at
   most two words before it in its clause or between its words, unless an outage or hedge word comes
   between ("no power line down" is an outage and a downed line; "not sure if it's gas" is a
   report); or when its clause reports it over: a resolution after it ("the line down on Pine was
   fixed", not "not fixed" nor "when will it be fixed?"), right before it ("crews repaired the downed
   line") or "thanks for" before it, unless the message says it goes on ("still", "again",
   "another"); when its clause tells it as hypothetical or past ("if I ever smell gas", "last week a
   transformer blew", "used to have an oxygen concentrator"), unless it says "now", "since",
   "still"; or when its word is figurative ("sparked my interest"). Medical dependence is never
   negated ("without oxygen..."); only a habit gone or a death ends it ("used to", "passed away").
5. The first hazard named wins: the match that ends first; at the same word the longest phrase,
   then the phrase earlier in the list ("pole sparking and smoking" is sparking).
6. The detection carries the message's language (`text.language_of`, computed only for a message
   that fired; the phrase's language when the message's words do not tell).

Most messages stop before step 3: every phrase word has a bit, and unless all the words of some
phrase are in the message (a few integer operations on cached per-word masks) there is nothing to match.

Phrase patterns (what an admin writes): words separated by spaces; "a/b" accepts either word;
"chisp*" accepts any word beginning so; "a ... b": b anywhere after a in the same clause, however
many words between (reports only).
"""

import re
from dataclasses import dataclass
from functools import reduce
from operator import or_

from .text import (
    BREAK,
    FIGURATIVE,
    IRREGULAR,
    OTHER_SENSES,
    SENSE_KEEPERS,
    STOP_WORDS,
    Scan,
    drop_quoted,
    language_of_words,
    normalise,
    pieces,
    tokens,
    word_key,
    word_kind,
    words,
)

CATEGORIES = {
    "downed_line": "downed line",
    "sparking": "sparking or arcing",
    "fire": "smoke or fire at equipment",
    "explosion": "explosion",
    "gas": "gas smell or leak",
    "carbon_monoxide": "carbon monoxide",
    "flooding": "flooding at electrical equipment",
    "medical": "medical dependence on power",
}
LOOKALIKE = "lookalike"  # a phrase that looks like a report and is not: its words never make one
# Not a safety report by itself: an outage reported by a customer who depends on power is one
# (compiled into a detector of its own, run only for critical-care customers).
OUTAGE = "outage"
# A look-alike of an outage ("internet down", "power bill"): used only by the outage detector, where
# it works as LOOKALIKE does; kept out of the safety detector, where "cable down" is a downed line.
OUTAGE_LOOKALIKE = "outage_lookalike"
LOOKALIKES = (LOOKALIKE, OUTAGE_LOOKALIKE)
CATEGORY_NAMES = {**CATEGORIES, OUTAGE: "power outage"}
LANGUAGES = ("en", "es")
WINDOW = 3  # words allowed between two words of a phrase

# Words that split into phrase words but are something else.
NOT_COMPOUNDS = frozenset(
    "lifeline online deadline hotline helpline downline pipeline landline meltdown lowdown breakdown "
    "firework fireworks fireman firemen wireless".split()
)
SPLIT_ONLY_WORDS = ("power", "electric")  # halves of "powerline", "electricwire"
QUALIFIERS = frozenset({"power", "electric", "electrical"})  # shown with the match: "power line down"
FUZZY_MIN_LENGTH = 7
CONTEXT_CHARS = 32
WORD_CACHE_SIZE = 200_000  # names, links and typos never end: start again rather than grow


@dataclass(frozen=True)
class Phrase:
    category: str  # a key of CATEGORIES, OUTAGE, LOOKALIKE or OUTAGE_LOOKALIKE
    pattern: str  # "line down", "huele a gas", "chisp*", "line/wire/cable hanging"
    language: str = "en"


@dataclass(frozen=True)
class Detection:
    category: str
    matched: str  # the message's own words, first matched word to last: "power line is down"
    phrase: Phrase
    why: str  # 'matched "line down" (downed line, ...): "…power line is down on Elm…"'
    language: str = ""  # the message's ("en", "es"; the phrase's when the message does not say)


@dataclass(frozen=True)
class _Compiled:
    phrase: Phrase
    slots: tuple  # one frozenset of accepted terms per pattern word
    spellings: tuple  # per pattern word, {term: the alternative as the phrase writes it}
    order: int  # place in the list: of two equal matches the earlier phrase wins
    bits: int  # a report's bit for each word: a message has them all or cannot match it
    wide: tuple = ()  # per pattern word, True when written "... word": anywhere later in the clause


class _Cache(dict):
    def __init__(self, resolve):
        super().__init__()
        self.resolve = resolve

    def __missing__(self, token):
        if len(self) > WORD_CACHE_SIZE:
            self.clear()
        value = self[token] = self.resolve(token)
        return value


def compile_phrases(phrases, *, window: int = WINDOW) -> "Detector":
    """A Detector for these phrases (built once, reused: keep one per version of the list)."""
    return Detector(phrases, window=window)


class Detector:
    """Phrases compiled for matching. Reuse one: it also remembers what each word it has seen means."""

    def __init__(self, phrases, *, window=WINDOW):
        self.phrases, self.window = tuple(phrases), window
        self._vocabulary, self._prefixes = set(), []
        self._heads = set(SPLIT_ONLY_WORDS)  # what may start a compound: phrase words as written, plurals
        self._reports, self._lookalikes = {}, {}  # first term -> [_Compiled]
        self._term_bits, self._add, self._guards, bit = {}, 0, 0, 0
        for order, phrase in enumerate(self.phrases):
            spellings, wide = self._spellings(phrase)
            slots, report = tuple(map(frozenset, spellings)), phrase.category not in LOOKALIKES
            bits = ((1 << len(slots)) - 1) << bit if report else 0
            compiled = _Compiled(phrase, slots, spellings, order, bits, wide if any(wide) else ())
            index = self._reports if report else self._lookalikes
            for term in slots[0]:
                index.setdefault(term, []).append(compiled)
            if report:  # a bit per word and a guard bit above them
                for offset, slot in enumerate(slots):
                    for term in slot:
                        self._term_bits[term] = self._term_bits.get(term, 0) | 1 << (bit + offset)
                self._add |= 1 << bit
                self._guards |= 1 << (bit + len(slots))
                bit += len(slots) + 1
        self._senses = {key: cues for key, cues in _SENSES.items() if key in self._vocabulary}
        self._figures = {key: cues for key, cues in _FIGURES.items() if key in self._vocabulary}
        self._any_prefix = re.compile("|".join(self._prefixes) or "(?!)")
        self._long_vocabulary = {key for key in self._vocabulary if len(key) >= FUZZY_MIN_LENGTH}
        # A word can be a phrase word (or a typo of one, or start a compound) only if it starts so.
        self._starts = {start[:3] for start in (*self._vocabulary, *self._prefixes, *self._heads, *IRREGULAR)}
        self._deletions = {}  # for near misses: a long key less one letter -> the keys
        for key in self._long_vocabulary:
            for variant in _deletions(key):
                self._deletions.setdefault(variant, set()).add(key)
        self._terms_of = _Cache(self._resolve)
        self._mask_of = _Cache(self._mask)

    def detect(self, text: str) -> Detection | None:
        """The first life-safety report in `text`, with what matched and why; None when there is none."""
        text = drop_quoted(text)
        normalised = normalise(text)
        mask = reduce(or_, map(self._mask_of.__getitem__, words(normalised)), 0)
        if not (mask + self._add) & self._guards:  # the words of every phrase carry into its guard bit
            return None
        scan = Scan(tokens(normalised), self._terms_of)
        found = self._first_match(scan, mask, blocked=())
        if found is None:
            return None
        blocked = self._lookalike_positions(scan)
        if blocked and not blocked.isdisjoint(found[1]):
            found = self._first_match(scan, mask, blocked)
            if found is None:
                return None
        return _detection(text, scan, *found)

    # -- compiling -----------------------------------------------------------------------------

    def _spellings(self, phrase):
        if phrase.category not in LOOKALIKES and phrase.category not in CATEGORY_NAMES:
            raise ValueError(f"unknown category {phrase.category!r} for {phrase.pattern!r}")
        if phrase.language not in LANGUAGES:
            raise ValueError(f"unknown language {phrase.language!r} for {phrase.pattern!r}")
        spellings, wide, anywhere = [], [], False
        for chunk in phrase.pattern.replace("…", " ... ").split():
            if chunk == "...":
                if phrase.category in LOOKALIKES or not spellings:
                    raise ValueError(f'"..." in {phrase.pattern!r}: only between the words of a report')
                anywhere = True
                continue
            alternatives = [normalise(alternative).strip() for alternative in chunk.split("/")]
            if phrase.category not in LOOKALIKES and all(
                alternative in STOP_WORDS for alternative in alternatives
            ):
                continue
            spelling = {}
            for alternative in alternatives:
                spelling.setdefault(self._term(alternative, phrase), alternative)  # "leak/leaking": "leak"
            spellings.append(spelling)
            wide.append(anywhere)
            anywhere = False
        if not spellings or anywhere:
            raise ValueError(f"phrase {phrase.pattern!r} has no words to match" if not spellings else
                             f'"..." in {phrase.pattern!r}: only between the words of a report')  # fmt: skip
        return tuple(spellings), tuple(wide)

    def _term(self, alternative, phrase):
        word = alternative.removesuffix("*")
        if not re.fullmatch(r"[a-z0-9]+", word):
            raise ValueError(f"{alternative!r} in {phrase.pattern!r} is not one word")
        if alternative.endswith("*"):
            if len(word) < 3:  # "a*" would take nearly every word
                raise ValueError(f"{alternative!r} in {phrase.pattern!r}: a prefix needs at least 3 letters")
            self._prefixes.append(word)
            return alternative
        key = word_key(word)
        self._vocabulary.add(key)
        self._heads.update((word, word + "s"))
        return key

    # -- words -----------------------------------------------------------------------------------

    def _resolve(self, token):
        """(parts, kind): parts holds BREAK, or None (no phrase word) or a frozenset of terms, one
        for each phrase word run together in the token; kind is NEGATION, RELEASE, SMALL or None."""
        if not token[0].isalnum():
            return (BREAK,), None
        if token[:3] not in self._starts:
            return (None,), word_kind(token)
        terms = self._terms(token, fuzzy=True)
        if not terms and token.isalpha() and 6 <= len(token) <= 30 and token not in NOT_COMPOUNDS:
            parts = self._split(token)
            if parts:
                return parts, None
        return (terms,), word_kind(token)

    def _mask(self, word: bytes):
        token = word.decode("ascii")
        if token[:3] not in self._starts:  # most new words stop here, and stay out of _terms_of
            return 0
        mask, bits = 0, self._term_bits
        for part in self._terms_of[token][0]:
            for term in part or ():
                mask |= bits.get(term, 0)
        return mask

    def _terms(self, token, *, fuzzy):
        key = word_key(token)
        terms = {key} if key in self._vocabulary else set()
        if self._any_prefix.match(token):
            terms.update(f"{prefix}*" for prefix in self._prefixes if token.startswith(prefix))
        if fuzzy and not terms and len(key) >= FUZZY_MIN_LENGTH - 1:
            terms.update(self._near(key))
        return frozenset(terms) or None

    def _near(self, key):
        """Long phrase words one letter added, dropped or changed from `key`, same first three letters
        (typos rarely touch those)."""
        variants = _deletions(key)
        near = set(self._deletions.get(key, ())) | (variants & self._long_vocabulary)
        for variant in variants & self._deletions.keys():
            near.update(self._deletions[variant])
        return {word for word in near if word[:3] == key[:3]}

    def _split(self, token):
        """(terms, terms, ...) when `token` is phrase words run together, else None."""
        for cut in range(3, len(token) - 2):
            head = token[:cut]
            if head not in self._heads:
                continue
            terms = self._terms(head, fuzzy=False) or frozenset({head})  # "power" of "powerline"
            tail = self._terms(token[cut:], fuzzy=False)
            rest = (tail,) if tail else self._split(token[cut:])
            if rest:
                return (terms, *rest)
        return None

    # -- matching --------------------------------------------------------------------------------

    def _first_match(self, scan, mask, blocked):
        """(compiled phrase, positions) of the report that ends first; at the same end the longest."""
        best, best_rank = None, None
        for start, terms in enumerate(scan.slots):
            if best_rank and start > best_rank[0]:
                break
            if not terms or start in blocked:
                continue
            for term in terms:
                for compiled in self._reports.get(term, ()):
                    if mask & compiled.bits != compiled.bits:
                        continue
                    positions = scan.follow(compiled.slots, start, self.window, blocked, wide=compiled.wide)
                    if positions is None or scan.ended(positions, compiled.phrase.category == "medical"):
                        continue
                    rank = (positions[-1], -len(positions), compiled.order)
                    if best_rank is None or rank < best_rank:
                        best, best_rank = (compiled, positions), rank
        return best

    def _lookalike_positions(self, scan):
        """Positions a look-alike phrase took ("phone line"), and phrase words read in another sense
        ("cable" in a message about TV, without a power word or a place a wire lies)."""
        blocked, senses = set(), {}
        for start, terms in enumerate(scan.slots):
            if not terms:
                continue
            for key in self._senses.keys() & terms:
                senses.setdefault(key, []).append(start)
            for key in self._figures.keys() & terms:
                if scan.figurative(start, self._figures[key]):
                    blocked.add(start)  # "sparked my interest"
            for term in terms:
                for compiled in self._lookalikes.get(term, ()):
                    positions = scan.follow(compiled.slots, start, 0, ())
                    if positions is not None:
                        blocked.update(positions)
        if senses:  # rare: a message with "cable" or "line" in it
            present = {*scan.tokens, *map(" ".join, zip(scan.tokens, scan.tokens[1:], strict=False))}
            if present.isdisjoint(SENSE_KEEPERS):
                for key, positions in senses.items():
                    if not present.isdisjoint(self._senses[key]):
                        blocked.update(positions)
        return blocked


_SENSES = {word_key(word): cues for word, cues in OTHER_SENSES.items()}
_FIGURES = {word_key(word): cues for word, cues in FIGURATIVE.items()}


def _deletions(key):
    return {key[:index] + key[index + 1 :] for index in range(len(key))}


def _detection(text, scan, compiled, positions):
    first, last = scan.owners[positions[0]], scan.owners[positions[-1]]
    if first and scan.tokens[first - 1] in QUALIFIERS:
        first -= 1  # "power line down", not "line down"
    span = _span(text, scan.tokens, first, last)
    if span is None:  # the original did not split like its normalised form: show the normalised words
        matched = context = " ".join(token for token in scan.tokens[first : last + 1] if token[0].isalnum())
    else:
        matched, context = text[span[0] : span[1]], _context(text, *span)
    written = " ".join(
        next(spelling[term] for term in spelling if term in scan.slots[position])
        for spelling, position in zip(compiled.spellings, positions, strict=True)
    )
    phrase = compiled.phrase
    source = "" if written == phrase.pattern else f', phrase "{phrase.pattern}"'
    why = f'matched "{written}" ({CATEGORY_NAMES[phrase.category]}{source}): "{context}"'
    language = language_of_words(scan.tokens, text, phrase.language)
    return Detection(category=phrase.category, matched=matched, phrase=phrase, why=why, language=language)


def _span(text, scanned, first, last):
    """(start, end) in `text` of normalised tokens first to last, or None if the text and its tokens
    do not line up."""
    index, start = 0, None
    for piece_start, piece_end, found in pieces(text):
        for token in found:
            if index == len(scanned) or scanned[index] != token:
                return None
            if index == first:
                start = piece_start
            if index == last:
                return start, piece_end
            index += 1
    return None


def _context(text, start, end):
    """The match with about CONTEXT_CHARS either side, cut at spaces, on one line."""
    before, after = max(0, start - CONTEXT_CHARS), min(len(text), end + CONTEXT_CHARS)
    if before:
        before = text.find(" ", before, start) + 1 or before
    if after < len(text) and text.rfind(" ", end, after) > end:
        after = text.rfind(" ", end, after)
    snippet = " ".join(text[before:after].split())
    return ("…" if before else "") + snippet + ("…" if after < len(text) else "")
