"""Which charset undeclared or mislabelled text is in. Pure functions.

Text is decoded with every likely charset and each reading is scored: real text in its own charset
reads as letters of one script (kana and kanji, hanzi, hangul, Latin letters between ASCII ones),
while a wrong charset gives a mix of scripts, rare ideographs, symbols, control characters or
replacement characters. charset-normalizer's guess (`normalizer_guess`) is one more candidate: it
knows languages we do not list and is right on long text, but on the short strings of headers and
file names it is often wrong, which is why its guess does not decide alone.
"""

import codecs
import re
import unicodedata
from functools import lru_cache

from charset_normalizer import from_bytes
from charset_normalizer.constant import FREQUENCIES

# Tried after the declared charset and the message's other charsets, in this order (ties go to
# the earlier): Western, then the East Asian multi-byte families, then the other Windows pages.
COMMON_CHARSETS = (
    "cp1252",
    "gb18030",
    "cp932",
    "cp949",
    "cp950",
    "euc_jp",
    "cp1251",
    "koi8_r",
    "cp1250",
    "cp1253",
    "cp1254",
    "cp1255",
    "cp1256",
    "cp1257",
    "cp874",
)
LANGUAGE_OF_CODEC = {
    "cp932": "ja",
    "shift_jis": "ja",
    "euc_jp": "ja",
    "iso2022_jp": "ja",
    "gb18030": "zh",
    "gbk": "zh",
    "gb2312": "zh",
    "hz": "zh",
    "cp950": "zh-tw",
    "big5": "zh-tw",
    "big5hkscs": "zh-tw",
    "cp949": "ko",
    "euc_kr": "ko",
    "johab": "ko",
}
# Enough to tell one charset from another; the rest of a long body adds nothing but time.
SAMPLE_BYTES = 16 * 1024
NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
PLAUSIBLE_SYMBOLS = set("€£¥°©®™§¢µ×÷")
# The first (commonest) and second levels of ideographs in each national charset, as byte pairs.
IDEOGRAPH_LEVELS = {
    "cp932": ((0x889F, 0x9872), (0x989F, 0xEAA4)),
    "gb2312": ((0xB0A1, 0xD7F9), (0xD8A1, 0xF7FE)),
    "cp950": ((0xA440, 0xC67E), (0xC940, 0xF9D5)),
}
# A language's commonest characters (charset-normalizer's tables): in real text a good share of its
# characters, in a misreading next to none ("傈扁 夸陛" is Korean read as GB18030).
FREQUENT = {
    "ja": set(FREQUENCIES["Japanese"]),
    "zh": set(FREQUENCIES["Chinese"]),
    "zh-tw": set(FREQUENCIES["Chinese"]),
    "ko": set(FREQUENCIES["Korean"]),
}
COMMON_PUNCTUATION = set("¿¡«»·–—‘’‚“”„…•")
RARE_LETTERS = set("ðÐþÞ")  # Icelandic; elsewhere they are Turkish or Baltic bytes read as Western
ASCII_SAMPLE = b"From: Ann <ann@example.com>\r\nSubject: 0123456789 +-=?_%~[]{}|\r\n"


def best_decoding(data: bytes, candidates, guess: str = "") -> tuple[str, str]:
    """(codec, text) of the most plausible reading of `data` among `candidates` (codec names, best
    first on a tie), COMMON_CHARSETS and a detector's `guess` (which wins only when it reads
    better). Never fails: the last resort is Windows-1252 with its five unassigned bytes read as
    Latin-1."""
    sample = data[:SAMPLE_BYTES]
    whole = len(data) <= SAMPLE_BYTES
    names = [*candidates, *COMMON_CHARSETS, guess]
    ordered = list(dict.fromkeys(name for name in names if name and reads_ascii_as_ascii(name)))
    scored = [
        (plausibility(_sample_text(sample, codec, final=whole), codec), -index, codec)
        for index, codec in enumerate(ordered)
    ]
    codec = max(scored)[2]
    return codec, decode_with(data, codec)


def decode_with(data: bytes, codec: str) -> str:
    if codec != "cp1252":
        try:
            return data.decode(codec, errors="replace")
        except (LookupError, UnicodeError):
            pass
    return data.decode("cp1252", errors="oss-inbox-latin1")


def _latin1_for_unassigned(error):
    # Windows-1252 leaves five bytes unassigned; Latin-1 reads them (as controls), never as U+FFFD.
    return error.object[error.start : error.end].decode("latin-1"), error.end


def _cp1252_for_undecodable(error):
    # A byte that is not UTF-8 inside UTF-8 text: most often a Windows-1252 character pasted in.
    return error.object[error.start : error.end].decode("cp1252", errors="oss-inbox-latin1"), error.end


codecs.register_error("oss-inbox-latin1", _latin1_for_unassigned)
codecs.register_error("oss-inbox-cp1252", _cp1252_for_undecodable)


def _sample_text(sample, codec, *, final):
    errors = "oss-inbox-latin1" if codec == "cp1252" else "replace"
    try:
        return codecs.getincrementaldecoder(codec)(errors=errors).decode(sample, final=final)
    except (LookupError, UnicodeError):
        return "\ufffd"


def normalizer_guess(sample: bytes) -> str:
    """charset-normalizer's charset for `sample` as a codec name, or "" when it has none."""
    try:
        found = from_bytes(sample).best()
    except Exception:  # noqa: BLE001 - a third-party guess that fails is no guess; the scoring goes on
        return ""
    if found is None:
        return ""
    try:
        return codecs.lookup(found.encoding).name
    except LookupError:
        return ""


@lru_cache(maxsize=256)
def reads_ascii_as_ascii(codec: str) -> bool:
    """Whether `codec` reads ASCII bytes as ASCII (never UTF-16 or EBCDIC): only such charsets are
    guessed, since mail headers and markup are ASCII whatever the text's charset."""
    try:
        return ASCII_SAMPLE.decode(codec) == ASCII_SAMPLE.decode("ascii")
    except (LookupError, UnicodeError):
        return False


def plausibility(text: str, codec: str) -> float:
    """How much `text` looks like real writing in the language of `codec`; higher is better."""
    language = LANGUAGE_OF_CODEC.get(codec, "")
    score = 0.0
    for match in NON_ASCII_RUN.finditer(text):
        run = match.group(0)
        score += _run_score(run, language)
        # Within a word of ASCII letters, only Latin-script letters belong ("Zähler", not "ZЉhler").
        neighbours = text[max(match.start() - 1, 0) : match.start()] + text[match.end() : match.end() + 1]
        if any(char.isascii() and char.isalpha() for char in neighbours):
            score -= 2 * sum(1 for char in run if classify(char, language)[0] in FOREIGN_TO_LATIN)
    return score


def _run_score(run, language):
    score, previous, previous_char = 0.0, "", ""
    latin_letters = 0
    for char in run:
        script, value = classify(char, language)
        score += value
        if script == "latin":
            latin_letters += 1
        if previous and script != previous and _mixed(previous, script):
            score -= 2
        if previous_char.islower() and char.isupper():
            score -= 1.5  # "уЮЈФЮЙЛ": KOI8-R read as Windows-1251 swaps the cases
        if script not in ("punct", "space"):
            previous = script
        previous_char = char
    # Latin-script letters come one or two at a time between ASCII ones ("Zählerstand", "ść");
    # long runs of them are how East Asian bytes look when read as a Western charset.
    return score - 1.5 * max(latin_letters - 2, 0)


FOREIGN_TO_LATIN = {"greek", "cyrillic", "hebrew", "arabic", "thai", "kana", "han", "hangul"}
LETTER_SCRIPTS = {"latin", "greek", "cyrillic", "hebrew", "arabic", "thai", "kana", "han", "hangul"}


def _mixed(first, second):
    if {first, second} == {"kana", "han"}:
        return False  # Japanese writes kanji and kana side by side
    return first in LETTER_SCRIPTS and second in LETTER_SCRIPTS


SCRIPT_RANGES = (
    (0x00C0, 0x024F, "latin"),
    (0x1E00, 0x1EFF, "latin"),
    (0x0370, 0x03FF, "greek"),
    (0x0400, 0x04FF, "cyrillic"),
    (0x0590, 0x05FF, "hebrew"),
    (0x0600, 0x06FF, "arabic"),
    (0x0E00, 0x0E7F, "thai"),
)


@lru_cache(maxsize=65536)
def classify(char: str, language: str) -> tuple[str, float]:
    """(script, score) of one non-ASCII character read as `language` ("ja", "zh", "zh-tw", "ko" or
    "" for the others)."""
    code = ord(char)
    category = unicodedata.category(char)
    cjk = language in ("ja", "zh", "zh-tw", "ko")
    if char == "\ufffd" or 0x80 <= code <= 0x9F or category in ("Co", "Cn", "Cs", "Cc"):
        return "junk", -4.0
    if 0x3040 <= code <= 0x30FF:
        return (
            "kana",
            2.5 if language == "ja" else 0.0,
        )  # more than a kanji: EUC-JP kana read as Big5 are hanzi
    if 0xFF61 <= code <= 0xFF9F:
        return "kana", -1.0  # half-width katakana: rare in mail, common in misreadings
    frequent = 1.0 if char in FREQUENT.get(language, ()) else 0.0
    if 0xAC00 <= code <= 0xD7A3:
        return "hangul", frequent + (2.0 if _in_ks_x_1001(char) else 0.5)  # KS X 1001: the common ones
    if 0x4E00 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF:
        return "han", frequent + _ideograph_score(char, language)
    if 0x3400 <= code <= 0x4DBF or code >= 0x20000:
        return "han", -2.0  # rare ideographs of the extensions
    if 0x3000 <= code <= 0x303F or 0xFF00 <= code <= 0xFF60 or 0x2460 <= code <= 0x24FF:
        return "punct", 1.0 if cjk else -1.0  # ideographic space and punctuation, circled digits
    if char in RARE_LETTERS:
        return "latin", 0.0
    if category.startswith("L"):
        script = next((name for low, high, name in SCRIPT_RANGES if low <= code <= high), "other")
        return script, 1.0 if script != "other" else 0.5
    if category.startswith("Z"):
        return "space", 0.0
    if category.startswith("P"):
        return "punct", 1.0 if char in COMMON_PUNCTUATION else 0.5
    if char in PLAUSIBLE_SYMBOLS:
        return "punct", 0.0
    return "symbol", -1.0


def _ideograph_score(char, language):
    """2 for an ideograph of a charset's first (common) level, 1 for its second, 0 otherwise."""
    if language == "ko":
        return 0.0  # Korean is written in hangul; hanja are rare
    codec = {"ja": "cp932", "zh-tw": "cp950"}.get(language, "gb2312")
    first, second = IDEOGRAPH_LEVELS[codec]
    try:
        code = int.from_bytes(char.encode(codec), "big")
    except UnicodeEncodeError:
        return 0.0
    if first[0] <= code <= first[1]:
        return 2.0
    return 1.0 if second[0] <= code <= second[1] else 0.0


def _in_ks_x_1001(char):
    # Python's EUC-KR writes the syllables KS X 1001 lacks as 8-byte sequences: two bytes is in it.
    try:
        return len(char.encode("euc_kr")) == 2
    except UnicodeEncodeError:
        return False
