"""How long X counts a post: twitter-text v3's weighted length, compact. Pure: standard library only.

The one copy of the rule: the adapter refuses a reply by it, the sandbox by it, and the composer's
counter asks the server (channels/twitter/spec.py), so no browser holds a second count.
"""

import re
import unicodedata

MAX_TWEET_LENGTH = 280
# twitter-text v3 weighting: these code point ranges weigh 1, everything else 2 (CJK, emoji...).
LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
URL_LENGTH = 23  # every link is shortened to a t.co link of this length
# A link ends before trailing punctuation, as in twitter-text ("see https://x.com/a." -> no ".").
URL_PATTERN = re.compile(r"https?://\S*[^\s.,!?;:)\]'\"’”]", re.IGNORECASE)
ZWJ = 0x200D
# Code points that extend the emoji before them: variation selector, keycap, skin tones, tags.
EMOJI_EXTENDERS = {0xFE0F, 0x20E3, *range(0x1F3FB, 0x1F400), *range(0xE0020, 0xE0080)}
REGIONAL_INDICATORS = range(0x1F1E6, 0x1F200)


def tweet_length(text: str) -> int:
    """The length X counts against MAX_TWEET_LENGTH (twitter-text v3 rules, compact).

    Text is NFC-normalised; each http(s) link counts URL_LENGTH; each emoji sequence (skin tone,
    ZWJ family, flag, keycap) counts 2; any other code point 1 or 2 by LIGHT_RANGES. Bare domains
    ("example.com"), which X also links, are counted as plain text.
    """
    text = unicodedata.normalize("NFC", text)
    links = URL_PATTERN.findall(text)
    return URL_LENGTH * len(links) + _weighted_length(URL_PATTERN.sub("", text))


def _weighted_length(text):
    code_points = [ord(char) for char in text]
    length = index = 0
    while index < len(code_points):
        end = _emoji_sequence_end(code_points, index)
        length += 2 if end > index + 1 else _weight(code_points[index])
        index = end
    return length


def _emoji_sequence_end(code_points, start):
    """Index just past the emoji sequence starting at `start` (start + 1 if there is none)."""
    count = len(code_points)
    pair = code_points[start : start + 2]
    if len(pair) == 2 and all(code_point in REGIONAL_INDICATORS for code_point in pair):
        return start + 2  # a flag is a pair of regional indicators
    end = _skip_extenders(code_points, start + 1)
    # ZWJ joins emoji only; between letters (Indic scripts use it) it is an ordinary character.
    if end == start + 1 and _weight(code_points[start]) == 1:
        return end
    while end + 1 < count and code_points[end] == ZWJ:
        end = _skip_extenders(code_points, end + 2)
    return end


def _skip_extenders(code_points, index):
    while index < len(code_points) and code_points[index] in EMOJI_EXTENDERS:
        index += 1
    return index


def _weight(code_point):
    return 1 if any(low <= code_point <= high for low, high in LIGHT_RANGES) else 2
