"""What a moderation rule looks for in a public comment: personal data, profanity, listed words. Pure.

    find(text, "phone")  ->  Finding(finds="phone", why="a US phone number", start=17, end=29) or None

A Finding says what kind of thing matched, why in plain words, and where (offsets into the text);
never the matched text itself, so that a Finding written to a log or an event carries no personal
data. Whoever holds the text can cut it out (`finding.matched(text)`), as the rule page's test box does.

What counts, and the near-misses it must leave alone (tests/channels/test_moderation_detect.py):
- **Account numbers**: the utility's are 10 to 12 digits, written together (`330122458790`) or in
  groups with spaces or dashes (`3301 2245 8790`, `3301-224587-90`). After a word such as
  "account" or "acct", any 10-12 digits count; without one, only shapes that are not a phone number
  (a US phone number has 10 digits too) and not two numbers side by side. The last four digits
  alone ("account ends in 4821") are what our agents ask for in public: not a match.
- **Phone numbers**: US numbers, 10 digits with an optional +1 or 1, in the usual shapes
  (`(217) 555-0142`, `217.555.0142`, `+1 217 555 0142`, `2175550142`); 7 digits (`555-0142`) only
  after "call", "phone", "cell"... Toll-free numbers (800, 888...) are businesses', ours included.
- **Street addresses**: a house number, a street name of one to three words and a suffix
  (`412 N Elm St`, `1208 West Lincoln Avenue`, `77 3rd Ave`), or a PO box. "Power out on Elm St"
  names a street, not a home: no number, no match; "2 poles down on Oak Ave" neither (the words
  between are not a street's name).
- **Dates, amounts, times, ZIP codes, counts** never match a number rule: `2026-12-07`, `12/07/2026`,
  `$1,234.56`, `10:30`, `62701-4411`, `12,400 customers`; nor do digits inside links, @handles or
  email addresses (tweet and post ids are long numbers).
- **Profanity**: a short built-in list of strong words, also spelt with symbols (`f*ck`, `sh!t`),
  plus the rule's own words; whole words only ("Scunthorpe", "class" and "cocktail" are fine).
- **Words**: the rule's words or phrases, one per line, whole words, any case and spacing.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

ACCOUNT_NUMBER, PHONE, ADDRESS, PROFANITY, WORDS = "account_number", "phone", "address", "profanity", "words"
KINDS = (ACCOUNT_NUMBER, PHONE, ADDRESS, PROFANITY, WORDS)


@dataclass(frozen=True)
class Finding:
    finds: str  # one of KINDS
    why: str  # plain words, without the personal data: "a 12-digit account number"
    start: int
    end: int

    def matched(self, text: str) -> str:
        """What matched, cut from the text it was found in (for the one who wrote or pasted it)."""
        return text[self.start : self.end]

    def __repr__(self):
        return f"Finding({self.finds}: {self.why}, at {self.start}-{self.end})"


def find(text: str, finds: str, words: Iterable[str] = ()) -> Finding | None:
    """The first match of this kind in `text`, or None. `words`: a words rule's own list, or the
    words a profanity rule adds to the built-in list."""
    found = find_all(text, finds, words)
    return found[0] if found else None


def find_all(text: str, finds: str, words: Iterable[str] = ()) -> list[Finding]:
    """Every match of this kind in `text`, in order."""
    if finds not in KINDS:
        raise ValueError(f"No detector for {finds!r}")
    text = text or ""
    if finds == PROFANITY:
        return _words(text, [*BUILT_IN_PROFANITY, *words], PROFANITY, obfuscated=True)
    if finds == WORDS:
        return _words(text, list(words), WORDS, obfuscated=False)
    readable = _without_links(text)
    return {ACCOUNT_NUMBER: _account_numbers, PHONE: _phones, ADDRESS: _addresses}[finds](readable)


def words_of(lines: str) -> list[str]:
    """A rule's words, one word or phrase per line; blank lines dropped."""
    return [line.strip() for line in (lines or "").splitlines() if line.strip()]


# Links, @handles and email addresses hold long numbers (tweet ids, post ids) that are nobody's
# account or phone: blanked out, keeping every other character where it was.
NOT_PROSE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+\.\w+|@\w+")


def _without_links(text):
    return NOT_PROSE.sub(lambda found: " " * len(found.group()), text)


def _cue_before(text, start, cue, reach):
    return bool(cue.search(text[max(0, start - reach) : start]))


# Account numbers ---------------------------------------------------------------------------------

# A run of digit groups joined by single spaces or dashes, not inside a word, an amount, a decimal,
# a date or time written with slashes or colons, or a longer number.
DIGIT_RUN = re.compile(r"(?<![\w$€£.,/:+-])\d+(?:[ -]\d+)*(?![\w%/:]|[.,]\d)")
ACCOUNT_CUE = re.compile(r"\b(?:account|acct|acc't|a/c)\b", re.IGNORECASE)
ACCOUNT_DIGITS = range(10, 13)


def _account_numbers(text):
    found = []
    for run in DIGIT_RUN.finditer(text):
        groups = re.split(r"[ -]", run.group())
        candidates = [(run.start(), run.group(), groups)]
        if len(groups) > 1:  # two numbers side by side: each on its own as well
            offset = run.start()
            for group in groups:
                candidates.append((offset, group, [group]))
                offset += len(group) + 1
        for start, written, parts in candidates:
            why = _account_number_why(text, start, written, parts)
            if why:
                found.append(Finding(ACCOUNT_NUMBER, why, start, start + len(written)))
                break
    return found


def _account_number_why(text, start, written, groups):
    digits = sum(len(group) for group in groups)
    if digits not in ACCOUNT_DIGITS:
        return ""
    if _cue_before(text, start, ACCOUNT_CUE, reach=30):
        return f"a {digits}-digit number after the word “account”"
    if _phone_shaped(groups):
        return ""
    if len(groups) == 1 or len(groups) >= 3 or "-" in written:
        return f"a {digits}-digit number written as the utility's account numbers are"
    return ""  # two groups with a space between: more likely two numbers


def _phone_shaped(groups):
    """Whether digit groups read as a US phone number: 3-3-4 (with a leading 1), or ten digits
    together with a valid area code and exchange (eleven with a leading 1)."""
    lengths = [len(group) for group in groups]
    if lengths in ([3, 3, 4], [1, 3, 3, 4]):
        return lengths == [3, 3, 4] or groups[0] == "1"
    joined = "".join(groups)
    if len(groups) == 1 and len(joined) == 11 and joined[0] == "1":
        joined = joined[1:]
    return len(groups) == 1 and len(joined) == 10 and joined[0] in "23456789" and joined[3] in "23456789"


# Phone numbers -----------------------------------------------------------------------------------

PHONE_NUMBER = re.compile(
    r"""(?<![\w$€£.,/:+-])
    (?:\+?1[\s.-]?)?                                    # country code
    (?:\(\s*(?P<area>[2-9]\d\d)\s*\)|(?P<bare>[2-9]\d\d))   # area code
    \s?[.-]?\s?(?P<exchange>[2-9]\d\d)[\s.-]?\d{4}
    (?![\w%/:]|[.,]\d)""",
    re.VERBOSE,
)
LOCAL_NUMBER = re.compile(r"(?<![\w$€£.,/:+-])[2-9]\d\d[\s.-]\d{4}(?![\w%/:-]|[.,]\d)")
PHONE_CUE = re.compile(r"\b(?:call|phone|cell|mobile|text|reach|number|tel|ph)\b", re.IGNORECASE)
TOLL_FREE = {"800", "833", "844", "855", "866", "877", "888"}


def _phones(text):
    found = []
    for number in PHONE_NUMBER.finditer(text):
        if (number.group("area") or number.group("bare")) not in TOLL_FREE:
            found.append(Finding(PHONE, "a US phone number", number.start(), number.end()))
    taken = [(finding.start, finding.end) for finding in found]
    for number in LOCAL_NUMBER.finditer(text):
        inside = any(start <= number.start() < end for start, end in taken)
        if not inside and _cue_before(text, number.start(), PHONE_CUE, reach=25):
            found.append(Finding(PHONE, "a 7-digit phone number", number.start(), number.end()))
    return sorted(found, key=lambda finding: finding.start)


# Street addresses --------------------------------------------------------------------------------

SUFFIXES = (
    "street|st|avenue|ave|av|road|rd|drive|dr|lane|ln|boulevard|blvd|court|ct|place|pl|way|terrace|ter|"
    "circle|cir|parkway|pkwy|highway|hwy|trail|trl|square|sq|loop|alley|crescent|cres|pike|row"
)
ADDRESS_SHAPE = re.compile(
    rf"""(?<![\w$€£.,/#:-])
    (?P<number>\d{{1,6}}[a-z]?)\s+
    (?:(?:[nsew]\.?|north|south|east|west)\s+)?
    (?P<name>(?:\d+(?:st|nd|rd|th)|[a-z][a-z'’-]*)(?:\s+[a-z][a-z'’-]*){{0,2}})\s+
    (?:{SUFFIXES})\b\.?""",
    re.IGNORECASE | re.VERBOSE,
)
PO_BOX = re.compile(r"\bp\.?\s?o\.?\s+box\s+\d+", re.IGNORECASE)
# Words that never make up a street's name: they join a count to a street ("2 poles down on Oak Ave")
# or measure something ("a 20 minute drive").
NOT_A_STREET_NAME = set(
    "on at in near by of the and or from to down out off over since for with is are was were my our your "
    "a an am pm no all every this that these those its their his her some more than about around past up "
    "minute minutes hour hours mile miles day days week weeks month months year years second seconds "
    "foot feet yard yards block blocks time times percent customers homes houses people poles trucks "
    "crews lines outages meters".split()
)


def _addresses(text):
    found = []
    for address in ADDRESS_SHAPE.finditer(text):
        name_words = address.group("name").lower().split()
        if not NOT_A_STREET_NAME.intersection(name_words):
            found.append(Finding(ADDRESS, "a street address (house number and street)", *address.span()))
    for box in PO_BOX.finditer(text):
        found.append(Finding(ADDRESS, "a PO box", *box.span()))
    return sorted(found, key=lambda finding: finding.start)


# Profanity and listed words ----------------------------------------------------------------------

# Strong words only: mild ones ("damn", "hell", "crap") are how upset customers talk, and hiding them
# would hide complaints. Admins add to this in the rule's words.
BUILT_IN_PROFANITY = (
    "fuck", "motherfucker", "shit", "bullshit", "bitch", "bastard", "asshole", "jackass", "dumbass",
    "cunt", "dickhead", "wanker", "twat", "whore", "slut",
)  # fmt: skip
# What people write for a letter to get a word past a filter.
STAND_INS = {"a": "@4*", "e": "3*", "i": "1!|*", "o": "0*", "u": "*v", "s": "$5*", "t": "7", "l": "1"}
ENDINGS = r"(?:s|es|ing|in|in'|ed|er|ers|y|ty)?"


def _words(text, words, finds, *, obfuscated):
    found = []
    for word in dict.fromkeys(word.strip().lower() for word in words if word.strip()):
        pattern = _word_pattern(word, obfuscated)
        for match in pattern.finditer(text):
            why = "a word on the profanity list" if finds == PROFANITY else f"the listed words “{word}”"
            found.append(Finding(finds, why, match.start(), match.end()))
    found.sort(key=lambda finding: finding.start)
    return [finding for index, finding in enumerate(found) if not _overlaps_earlier(found, index)]


def _word_pattern(word, obfuscated):
    if not obfuscated:
        body = r"\s+".join(re.escape(part) for part in word.split())
        return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)
    letters = "".join(
        f"[{re.escape(char + STAND_INS.get(char, ''))}]+" if char.isalpha() else re.escape(char)
        for char in word
    )
    return re.compile(rf"(?<![a-z0-9]){letters}{ENDINGS}(?![a-z0-9])", re.IGNORECASE)


def _overlaps_earlier(found, index):
    return any(earlier.end > found[index].start for earlier in found[:index])
