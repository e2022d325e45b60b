"""How the safety detector reads a message: from text to the words it compares, and what kind of word
each is. Apart from the matcher (detector.py) because it is a question of its own, about language
rather than phrases: the same reading applies to an admin's pattern and to a customer's message, so
"Sparkin'", "SPARKS" and "sparking" meet as one key whatever the phrase list says. Pure functions
and constants, standard library only.

1. Quoted earlier messages are dropped (`drop_quoted`: ">" lines; everything after "On ... wrote:"
   or "-----Original Message-----"), so our own safety advice quoted back does not fire.
2. The text is normalised (`normalise`: NFKD, accents stripped, lower case, "🔥" read as "fire",
   apostrophes dropped) and split into words (`words`, the fast split for the bit test) or into
   words and clause breaks (`tokens`: punctuation and line ends break a clause).
3. Each word becomes a key (`word_key`): a letter repeated 3+ times counts once ("gasss"), light
   stemming (sparks, sparking, sparkin -> spark; fell, fallen -> fall), doubled letters folded.
4. Some words change how the words near them read (`word_kind`): negations ("no", "isn't", "sin"),
   releases that end a negation's reach (outage and hedge words: "no power, line down", "not sure
   if"), resolutions ("fixed"), and small words (articles, prepositions, numbers, street words) that
   a pattern may leave out and that do not count as words between a phrase's words.
"""

import re
import unicodedata

# Small words: a pattern may leave them out, and between a phrase's words they do not count.
STOP_WORDS = frozenset(
    "a an the on in of at to by into is are was were be been it its my our your his her their this that "
    "de del el la los las lo un una en se al por su sus mi mis es esta estan".split()
)
ADDRESS_WORDS = frozenset(
    "st rd ave av ln dr ct hwy blvd pkwy street road avenue lane drive calle avenida".split()
)
NEGATIONS = frozenset(
    "no not nope isnt arent wasnt werent dont doesnt didnt aint hasnt havent wont cant couldnt without "
    "stopped sin tampoco dejo".split()
)
# Between a negation and a match these end its reach: "no power, line down", "not sure if it's gas".
RELEASES = frozenset(
    "power electricity electric lights light heat service ac luz electricidad corriente energia servicio "
    "sure know tell think if whether idea seguro se si".split()
)
# Right after a match these say the hazard is over: "gas leak fixed, thanks" (unless "not fixed").
RESOLVED_WORDS = frozenset(
    "fixed repaired resolved cleared arreglado arreglada arreglaron reparado reparada".split()
)
IRREGULAR = {
    "fell": "fall", "fallen": "fall", "blew": "blow", "blown": "blow", "hung": "hang", "burnt": "burn",
    "smelt": "smell", "smelly": "smell", "stinky": "stink", "smoky": "smoke", "leaky": "leak",
}  # fmt: skip
UNSTEMMED = frozenset({"downed"})  # "down the line" is not "downed line"

# What `word_kind` says of a word
NEGATION, RELEASE, RESOLVED, SMALL = "negation", "release", "resolved", "small"

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
        word = _LONG_RUN.sub(r"\1", word)
    word = IRREGULAR.get(word, word)
    if word not in UNSTEMMED and word.endswith(_SUFFIXES):
        word = _stem(word)
    return _DOUBLE.sub(r"\1", word) if doubled else word


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
    """NEGATION, RESOLVED, RELEASE, SMALL (a stop word, street word or number) or None."""
    if token in NEGATIONS:
        return NEGATION
    if token in RESOLVED_WORDS:
        return RESOLVED
    if token in RELEASES:
        return RELEASE
    if token in STOP_WORDS or token in ADDRESS_WORDS or not token.isalpha():
        return SMALL  # "the pole on Quarry Rd at 8 is on fire": an address is small
    return None
