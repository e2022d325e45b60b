"""How the safety detector reads a message: from text to the words it compares, and what kind of word
each is. Apart from the matcher (detector.py) because it is a question of its own, about language
rather than phrases: the same reading applies to an admin's pattern and to a customer's message, so
"Sparkin'", "SPARKS" and "sparking" meet as one key whatever the phrase list says. Pure functions,
constants and the `Scan` of one message, standard library only.

1. Quoted earlier messages are dropped (`drop_quoted`: ">" lines; everything after "On ... wrote:"
   or "-----Original Message-----"), so our own safety advice quoted back does not fire.
2. The text is normalised (`normalise`: NFKD, accents stripped, lower case, "🔥" read as "fire",
   apostrophes dropped) and split into words (`words`, the fast split for the bit test) or into
   words and clause breaks (`tokens`: punctuation and line ends break a clause).
3. Each word becomes a key (`word_key`): a letter repeated 3+ times counts once ("gasss"), light
   stemming (sparks, sparking, sparkin -> spark; fell, fallen -> fall), doubled letters folded
   (not in "droop": drooping is not a drop).
4. Some words change how the words near them read (`word_kind`): negations ("no", "isn't", "sin"),
   releases that end a negation's reach (outage and hedge words: "no power, line down", "not sure
   if"), resolutions ("fixed", "repaired", "restored"), thanks ("thanks for", "gracias por"), words
   that say a hazard goes on ("still", "again"), contrasts and new subjects that end a resolution's
   reach ("but now", "there's"), and small words (articles, prepositions, numbers, street words)
   that a pattern may leave out and that do not count as words between a phrase's words, nor do
   fillers ("just", "has", "green"). Some phrase words have another sense in some company
   (`OTHER_SENSES`: a TV "cable", a queue's "line"; `FIGURATIVE`: "sparked my interest").
5. A message is read as positions to match (`Scan`), where a negation or a resolution reaches the
   words near it (`Scan.negated`, `Scan.resolved`): "not sparking", "the line down on Pine was fixed",
   "thanks for fixing the downed line" end a hazard; "still", "again" keep it going.
   A hazard told as hypothetical or past in its clause (`Scan.unreal`: "if a tree ever falls on
   the lines", "the manhole explosion last year", "my mom used to have an oxygen concentrator") is
   not one, unless the message says it is here now ("still", "again", "now", "since", "today").
6. The language a message is written in (`language_of`): a count of Spanish against English words.
"""

import re
import unicodedata

# Small words: a pattern may leave them out, and between a phrase's words they do not count.
STOP_WORDS = frozenset(
    "a an the on in of at to by into is are was were be been it its my our your his her their this that "
    "de del el la los las lo un una en se al por su sus mi mis es esta estan".split()
)
# Fillers: adverbs, intensities, colours, auxiliaries, "from". Not small words a pattern may leave
# out, but they do not count between a phrase's words either ("transformer behind the Kroger on
# Ridge Rd just exploded", "the lines has pulled loose and is draped over the fence").
FILLERS = frozenset(
    "just like really so very super kinda literally totally real pretty huge massive big loud bright "
    "little blue green white orange has have had from".split()
)
ADDRESS_WORDS = frozenset(
    "st rd ave av ln dr ct hwy blvd pkwy street road avenue lane drive calle avenida".split()
)
NEGATIONS = frozenset(
    "no not nope isnt arent wasnt werent dont doesnt didnt aint hasnt havent wont cant couldnt without "
    "stopped sin tampoco dejo".split()
)
POWER_WORDS = frozenset(
    "power electricity electric lights light heat service ac "
    "luz electricidad corriente energia servicio".split()
)
# Between a negation and a match these end its reach: "no power, line down", "not sure if it's gas".
RELEASES = POWER_WORDS | frozenset("sure know tell think if whether idea seguro se si".split())
# In a match's clause these say the hazard is over: "gas leak fixed", "the line down on Pine was
# repaired this morning", "crews fixed the downed line" (unless "not fixed", "will be fixed").
RESOLVED_WORDS = frozenset(
    "fixed repaired resolved cleared restored arreglado arreglada arreglados arreglaron reparado reparada "
    "reparados repararon solucionado solucionaron".split()
)
THANKS_WORDS = frozenset("thanks thank thx gracias".split())  # "thanks for ..." / "gracias por ..."
THANKS_FOR = frozenset({"for", "por"})
# Anywhere in the message these say the hazard goes on, or another one: "thanks for fixing it, but
# it's down again", "the one on Pine was fixed, another one is down on Oak".
STILL_WORDS = frozenset("still again another todavia aun sigue siguen nuevamente otro otra".split())
# A resolution before a match does not reach past these ("fixed yesterday but now it's sparking");
# one after a match does ("the line was down but the crew repaired it").
CONTRASTS = frozenset("but however though although except now pero aunque sino ahora".split())
# No resolution reaches past these: a new subject ("crews fixed the light and there's a wire down").
NEW_SUBJECTS = frozenset("there theres also hay tambien".split())
# Right before a resolution word these make it a wish or a question: "when will it be fixed", "need
# it repaired", "never fixed".
UNRESOLVING = frozenset(
    "be get gets getting will need needs should must when never nobody nunca nadie".split()
)
# A phrase word read in another sense when the message has one of these words, no power word and no
# word of a place a wire lies ("the cable is down, no TV", "lines down at the post office, wait is 2
# hours"; but "cable down across the road, no internet" is a downed wire: any wire down counts).
OTHER_SENSES = {
    "cable": frozenset(
        "tv television internet wifi channel channels netflix comcast xfinity spectrum directv dish modem "
        "router cablevision".split()
    ),
    "line": frozenset(
        ("queue", "dmv", "checkout", "cashier", "cashiers", "teller", "tellers", "wait is", "wait was")
    ),
}  # a cue of two words is two words in a row
SENSE_KEEPERS = POWER_WORDS | frozenset(
    "across road street highway ground yard driveway sidewalk lawn grass roof fence car tree pole hanging "
    "lying laying dangling sagging sparking sparks calle suelo piso".split()
)
# A hazard told as hypothetical or past in its clause (`unreal_cue`): "if ... ever", "si algún
# día", "last week/year", "years ago", "la semana pasada", "hace dos años" (not "desde hace", not
# "hace semanas que": ongoing); "used to", "passed away", "usaba": for medical dependence only these.
_TIMES = (
    "(?:weeks?|months?|years?|winter|summer|spring|autumn|weekend|semanas?|mes|meses|anos?|invierno|verano)"
)
_GONE = re.compile(r" (?:used to|passed away|solian?|usaban?|fallecio) ")
_UNREAL = re.compile(
    rf" (?:(?:if|whenever)(?: \S+){{0,3}} ever|si(?: \S+)? alguna? (?:dia|vez)|last {_TIMES}"
    rf"|{_TIMES} (?:ago|pasad[oa])|(?<!desde )hace(?: \S+)? {_TIMES}(?! que)) "
)
UNREAL_WORDS = frozenset(
    "if si whenever last ago pasado pasada hace used passed solia solian usaba usaban fallecio".split()
)
# ... unless the message says it is here now: these in the clause, or a STILL word anywhere.
NOW_WORDS = frozenset("now rn currently today tonight since yet ahora hoy desde".split())
# Phrase words with a figurative sense when one of these is near them in their clause.
FIGURATIVE = {"spark": frozenset(
    "interest interests outrage anger debate debates conversation conversations controversy discussion "
    "discussions joy hope curiosity excitement idea ideas imagination creativity protest protests backlash "
    "complaints fear fears panic change inspiration enthusiasm romance argument arguments memories questions "
    "concern concerns movement revolution passion innovation".split()
)}  # fmt: skip
FIGURATIVE_REACH = 5  # tokens either side
# What `language_of` counts: common words of one language that are not words of the other.
SPANISH_WORDS = frozenset(
    "de del el la los las que y en un una unos por para con al lo se mi mis su sus es esta estan esta hay "
    "muy pero como ya sin nos le les tiene tengo tenemos hace desde donde cuando porque luz casa calle "
    "gracias hola buenas buenos dias senor senora usted ustedes".split()
)
ENGLISH_WORDS = frozenset(
    "the and is of to in on my it for with we i you there this that are was were have has our at be not "
    "from just its im please thanks hi hello power house street".split()
)
IRREGULAR = {
    "fell": "fall", "fallen": "fall", "blew": "blow", "blown": "blow", "hung": "hang", "burnt": "burn",
    "smelt": "smell", "smelly": "smell", "stinky": "stink", "smoky": "smoke", "leaky": "leak",
}  # fmt: skip
UNSTEMMED = frozenset({"downed", "flashing"})  # "down the line" is not "downed line"; a meter flashing 888
# Doubled letters kept: "drooping" is not a "line drop", and "off" is not "of" ("the lights on our
# side of the street" is no outage).
UNFOLDED = frozenset({"droop", "off"})

# What `word_kind` says of a word
NEGATION, RELEASE, RESOLVED, SMALL = "negation", "release", "resolved", "small"
THANKS, STILL, CONTRAST, NEW_SUBJECT = "thanks", "still", "contrast", "new subject"

_QUOTE_HEADER = re.compile(
    r"^\s*(?:(?:on|el|le)\s.{0,300}?(?:wrote|escribi[oó]|a écrit)\s*:"
    r"|-{2,}\s*original message\s*-{2,}|\S.{0,300}\swrote:)\s*$",
    re.IGNORECASE,
)
_OUTLOOK_FROM = re.compile(r"^\s*\*?from:\*?\s+\S", re.IGNORECASE)
_OUTLOOK_SENT = re.compile(r"^\s*\*?(?:sent|date):\*?\s+\S", re.IGNORECASE)
_COMBINING = re.compile(r"[\u0300-\u036f]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
# bytes.translate with this table and split() gives the words of a normalised text, fast
_WORD_BYTES = bytes(byte if chr(byte).isascii() and chr(byte).isalnum() else 32 for byte in range(256))
_TOKEN = re.compile(r"[a-z0-9]+|[.!?;:,\n]+")  # words and clause breaks
_PIECE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|🔥|[.!?;:,\n…]+")  # _TOKEN's tokens, found in the original
_LONG_RUN = re.compile(r"(.)\1{2,}")
_DOUBLE = re.compile(r"(.)\1+")
_SUFFIXES = ("ings", "ing", "ed", "es", "s", "e", "in")
_SPANISH_MARKS = re.compile("[áéíóúñ¿¡ÁÉÍÓÚÑ]")


def drop_quoted(text: str) -> str:
    """The text without the earlier messages it quotes (email replies, pasted threads)."""
    if "\n" not in text:
        return text
    lines = text.split("\n")
    kept = []
    for index, line in enumerate(lines):
        if line.lstrip().startswith(">"):
            continue
        if _QUOTE_HEADER.match(line) or (
            _OUTLOOK_FROM.match(line)
            and any(_OUTLOOK_SENT.match(later) for later in lines[index + 1 : index + 5])
        ):
            break
        kept.append(line)
    return "\n".join(kept)


def normalise(text: str) -> str:
    """Accents stripped, lower case, "🔥" as "fire", apostrophes dropped, other symbols as spaces."""
    if "🔥" in text:
        text = text.replace("🔥", " fire ")
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.replace("’", ""))
        text = _NON_ASCII.sub(" ", _COMBINING.sub("", text))
    return text.lower().replace("'", "")


def words(normalised: str) -> list[bytes]:
    """The words of a normalised text, as ASCII bytes, without clause breaks: the cheapest split."""
    return normalised.encode("ascii").translate(_WORD_BYTES).split()


def tokens(normalised: str) -> list[str]:
    """The words of a normalised text with its clause breaks (runs of punctuation, line ends)."""
    return _TOKEN.findall(normalised)


def pieces(text: str):
    """(start, end, tokens) for each word or clause break of the original `text`, with the tokens
    that `tokens(normalise(...))` makes of it: how a match is shown in the customer's own words."""
    for piece in _PIECE.finditer(text):
        value = piece.group()
        found = [value.lower().replace("'", "")] if value.isascii() else _TOKEN.findall(normalise(value))
        yield piece.start(), piece.end(), found


def word_key(word: str) -> str:
    """The key a word is compared by: runs collapsed, lightly stemmed, doubled letters folded."""
    doubled = _DOUBLE.search(word)  # most words have no doubled letter: one search, no substitution
    if doubled:
        kept = _LONG_RUN.sub(r"\1\1", word)  # "offff" is "off", not "of"
        word = kept if kept in UNFOLDED else _LONG_RUN.sub(r"\1", word)
    word = IRREGULAR.get(word, word)
    if word not in UNSTEMMED and word.endswith(_SUFFIXES):
        word = _stem(word)
    return _DOUBLE.sub(r"\1", word) if doubled and word not in UNFOLDED else word


def _stem(word):
    if word.endswith("in") and len(word) >= 6 and word[-3] not in "aeiou":
        word += "g"  # "sparkin" is "sparking"
    for suffix in ("ings", "ing", "ed", "es"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    if word.endswith("s") and len(word) > 3 and word[-2] not in "siu":
        return word[:-1]
    if word.endswith("e") and len(word) > 3:
        return word[:-1]
    return word


def word_kind(token: str) -> str | None:
    """NEGATION, RESOLVED, RELEASE, THANKS, STILL, CONTRAST, NEW_SUBJECT, SMALL (a stop word, street
    word or number) or None."""
    if token in NEGATIONS:
        return NEGATION
    if token in RESOLVED_WORDS:
        return RESOLVED
    if token in RELEASES:
        return RELEASE
    if token in THANKS_WORDS:
        return THANKS
    if token in STILL_WORDS:
        return STILL
    if token in CONTRASTS:
        return CONTRAST
    if token in NEW_SUBJECTS:
        return NEW_SUBJECT
    if token in STOP_WORDS or token in ADDRESS_WORDS or token in FILLERS or not token.isalpha():
        return SMALL  # "the pole on Quarry Rd at 8 is on fire": an address is small
    return None


def unreal_cue(clause: list[str], medical: bool = False) -> bool:
    """The tokens of a clause tell a hypothetical or past hazard (see UNREAL_WORDS)."""
    joined = f" {' '.join(clause)} "
    return _GONE.search(joined) is not None or not medical and _UNREAL.search(joined) is not None


def language_of(text: str, tie: str = "en") -> str:
    """ "es" or "en": the language most of the message's common words (and accents, "¿", "¡") are
    in; `tie` when as many are of each."""
    return language_of_words(tokens(normalise(text)), text, tie)


def language_of_words(found: list[str], text: str, tie: str = "en") -> str:
    """`language_of` a text whose `tokens` have been found already."""
    spanish = sum(map(SPANISH_WORDS.__contains__, found)) + len(_SPANISH_MARKS.findall(text))
    english = sum(map(ENGLISH_WORDS.__contains__, found))
    if spanish == english:
        return tie
    return "es" if spanish > english else "en"


class _Break:
    """A clause break between words: no match and no negation reaches across it."""

    __slots__ = ()

    def __bool__(self):
        return False


BREAK = _Break()


class Scan:
    """One message as positions to match: each holds BREAK (punctuation), None (not a phrase word) or
    the phrase terms its word can be; a compound split into phrase words takes several. `kinds` holds
    each position's `word_kind`, and says how far a negation or a resolution reaches."""

    def __init__(self, tokens, terms_of):
        self.tokens, self._unreal_words = tokens, None
        resolved = [terms_of[token] for token in tokens]
        self.slots = [part for parts, _ in resolved for part in parts]
        if len(self.slots) == len(tokens):  # owners: the token of each position
            self.owners, self.kinds = range(len(tokens)), [kind for _, kind in resolved]
        else:  # a compound: its parts share its token, and have no kind
            self.owners = [index for index, (parts, _) in enumerate(resolved) for _ in parts]
            self.kinds = [kind if len(parts) == 1 else None for parts, kind in resolved for _ in parts]

    def follow(self, pattern, start, window, blocked, index=1, wide=()):
        """Positions of the pattern's words from `start` on, or None. Between two of them at most
        `window` words, not counting small ones ("on", "the", "is"), and 2 * window + 1 in all; any
        number before a word that `wide` marks (written "... word": anywhere later in the clause)."""
        if index == len(pattern):
            return (start,)
        wanted, gap, slots, anywhere = pattern[index], 0, self.slots, wide and wide[index]
        reach = len(slots) if anywhere else min(start + 2 + 2 * window + (window > 0), len(slots))
        for position in range(start + 1, reach):
            terms = slots[position]
            if terms is BREAK:
                return None
            if terms and position not in blocked and not wanted.isdisjoint(terms):
                rest = self.follow(pattern, position, window, blocked, index + 1, wide)
                if rest is not None:
                    return (start, *rest)
            if self.kinds[position] is not SMALL:
                gap += 1
                if gap > window and not anywhere:
                    return None
        return None

    def ended(self, positions, medical=False):
        """The match does not report a hazard here now: negated or reported over (`negated`; never
        for medical dependence) or told as hypothetical or past (`unreal`)."""
        if medical:
            return self.unreal(positions, medical=True)
        return self.negated(positions) or self.unreal(positions)

    def negated(self, positions):
        """A negation between the matched words, or at most two words before them ("no gas smell")
        with no outage or hedge word in between ("no power line down", "not sure if it's gas"); or
        the hazard reported as over (`resolved`)."""
        first, last, kinds = positions[0], positions[-1], self.kinds
        if NEGATION in kinds[first:last] and any(
            kinds[position] is NEGATION for position in range(first + 1, last) if position not in positions
        ):
            return True  # "the line is not down"
        for cue in range(first - 1, max(first - 4, -1), -1):
            if self.slots[cue] is BREAK:
                break
            if kinds[cue] is NEGATION:
                released = RELEASE in kinds[cue + 1 : first]
                doubled = NEGATION in kinds[max(cue - 2, 0) : cue]  # "hasn't stopped sparking"
                if not (released or doubled):
                    return True
                break
        return self.resolved(positions)

    def resolved(self, positions):
        """The hazard reported as over, in the match's clause: a resolution after it ("the line down
        on Pine was fixed"), or right before it ("crews fixed the downed line"), or "thanks for" /
        "gracias por" before it ("thanks for the quick response to the downed line"). Not past a new
        subject ("there's"), nor from before past a contrast ("fixed, but now it's sparking"); never
        when the message says it goes on or names another ("still", "again", "another")."""
        kinds, slots = self.kinds, self.slots
        if RESOLVED not in kinds and THANKS not in kinds or STILL in kinds:
            return False
        for position in range(positions[-1] + 1, len(slots)):
            if slots[position] is BREAK or kinds[position] is NEW_SUBJECT:
                break
            if kinds[position] is RESOLVED and self._resolves(position):
                return True
        next_to = True  # no word but small ones between the position and the match
        for position in range(positions[0] - 1, -1, -1):
            kind = kinds[position]
            if slots[position] is BREAK or kind is CONTRAST or kind is NEW_SUBJECT:
                return False
            if kind is THANKS and THANKS_FOR.intersection(self._between(position, positions[0], 4)):
                return True
            if kind is RESOLVED and next_to and self._resolves(position):
                return True
            next_to = next_to and kind is SMALL
        return False

    def unreal(self, positions, medical=False):
        """The hazard told as hypothetical or past in its clause ("if a tree ever falls on the lines",
        "last week a transformer blew", "the manhole explosion last year"), or in a short clause
        before it ("Last week, a transformer blew"); not when the clause says it is here now ("now",
        "since", "today") or the message that it goes on ("still", "again", "another")."""
        if self._unreal_words is None:
            self._unreal_words = not UNREAL_WORDS.isdisjoint(self.tokens)
        if not self._unreal_words or STILL in self.kinds:
            return False
        start, end = self.clause(self.owners[positions[0]], self.owners[positions[-1]])
        clause = self.tokens[start:end]
        if not NOW_WORDS.isdisjoint(clause):
            return False
        if unreal_cue(clause, medical):
            return True
        if start > 1 and self.tokens[start - 1].strip() == ",":  # "Last week, ..."
            lead = self.tokens[self.clause(start - 2, start - 2)[0] : start - 1]
            return len(lead) <= 4 and unreal_cue(lead, medical)
        return False

    def clause(self, first, last):
        """(start, end) of the tokens of the clause holding tokens `first` to `last`."""
        tokens, start, end = self.tokens, first, last + 1
        while start > 0 and tokens[start - 1][0].isalnum():
            start -= 1
        while end < len(tokens) and tokens[end][0].isalnum():
            end += 1
        return start, end

    def figurative(self, position, cues):
        """A cue (an abstract noun) at most FIGURATIVE_REACH tokens from the word at `position`, in
        its clause: "sparked my interest", "spark a lot of outrage"."""
        owner, tokens = self.owners[position], self.tokens
        start, end = self.clause(owner, owner)
        near = tokens[max(start, owner - FIGURATIVE_REACH) : min(end, owner + FIGURATIVE_REACH + 1)]
        return not cues.isdisjoint(near)

    def _resolves(self, position):
        """The resolution word at `position` says "done": not negated or wished for ("not fixed",
        "will be fixed", "get it repaired") and not asked about ("was it fixed?")."""
        owner = self.owners[position]
        before = self.tokens[max(owner - 3, 0) : owner]
        if any(word_kind(token) is NEGATION for token in before) or UNRESOLVING.intersection(before[-2:]):
            return False
        for token in self.tokens[owner + 1 :]:
            if not token[0].isalnum() and token.strip(","):
                return "?" not in token
        return True

    def _between(self, position, before, count):
        """At most `count` tokens after `position`'s, all before position `before`'s."""
        owner = self.owners[position]
        return self.tokens[owner + 1 : min(owner + 1 + count, self.owners[before])]
