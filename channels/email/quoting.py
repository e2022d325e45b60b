"""Text helpers for email bodies: separating a reply from the earlier messages it quotes, reading
text out of HTML. Pure functions (charsets are read in charsets.py)."""

import html
import re

import nh3

# "On Tue, 5 Mar 2024 at 10:02, Ann <ann@example.com> wrote:" and the same line as other mail
# programs write it: the verb last (French, Spanish, Italian, Portuguese) or before the name
# (German "Am ... schrieb Ann <...>:", Dutch "Op ... schreef ..."). Gmail may wrap it over two lines.
ATTRIBUTION = re.compile(
    r"^\s*(?:(?:On|Le|El|Il|Em)\s.{0,300}?(?:wrote|a écrit|escribió|ha scritto|escreveu)"
    r"|(?:Am|Op)\s.{0,300}?\s(?:schrieb|schreef)\s.{0,200}?)\s*:\s*$",
    re.IGNORECASE,
)
ORIGINAL_MESSAGE = re.compile(r"^\s*-{2,}\s*Original Message\s*-{2,}\s*$", re.IGNORECASE)
# Outlook quotes with a header block: "From: ..." then "Sent: ..." (or "Date:") within a few lines.
OUTLOOK_FROM = re.compile(r"^\s*\*?From:\*?\s+\S", re.IGNORECASE)
OUTLOOK_SENT = re.compile(r"^\s*\*?(Sent|Date):\*?\s+\S", re.IGNORECASE)
OUTLOOK_RULE = re.compile(r"^\s*_{10,}\s*$")  # the line Outlook draws above that header block
QUOTED_LINE = re.compile(r"^\s*>")


def quote_split(text: str) -> tuple[str, str]:
    """(new text, quoted text) of a reply; ("text", "") when nothing is quoted.

    The quote starts at the first attribution line ("On ... wrote:"), "-----Original Message-----"
    separator or Outlook header block, or else at a trailing run of ">" lines. Replies written
    between quoted lines stay new text. If the quote would be everything, nothing is split: a
    message that is all quote (a bare forward) is still the customer's message.
    """
    lines = text.splitlines()
    start = _first_quote_header(lines)
    if start is None:
        start = _trailing_quote_start(lines)
    if start is None:
        return text, ""
    new = "\n".join(lines[:start]).rstrip()
    if not new.strip():
        return text, ""
    return new, "\n".join(lines[start:]).strip("\n")


def _first_quote_header(lines):
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if ATTRIBUTION.match(line) or ORIGINAL_MESSAGE.match(line):
            return index
        if _wrapped_attribution(line, following):
            return index
        if OUTLOOK_FROM.match(line) and any(
            OUTLOOK_SENT.match(later) for later in lines[index + 1 : index + 5]
        ):
            return index - 1 if index and OUTLOOK_RULE.match(lines[index - 1]) else index
    return None


def _wrapped_attribution(line, following):
    # Only when neither line is an attribution alone: "On Monday I called." above a one-line
    # attribution must stay new text.
    if not following or QUOTED_LINE.match(line) or ATTRIBUTION.match(following):
        return False
    return bool(ATTRIBUTION.match(f"{line} {following}"))


def _trailing_quote_start(lines):
    """Index of the first line of the run of ">" lines (blank lines allowed) ending the text."""
    start = None
    for index in range(len(lines) - 1, -1, -1):
        if QUOTED_LINE.match(lines[index]):
            start = index
        elif lines[index].strip():
            break
    return start


BLOCK_END = re.compile(r"<\s*(br|/p|/div|/tr|/li|/h[1-6]|/table|/blockquote)\b[^>]*>", re.IGNORECASE)


def html_to_text(markup: str) -> str:
    """Readable text of an HTML body: tags dropped, block ends kept as line breaks."""
    with_breaks = BLOCK_END.sub(lambda match: match.group(0) + "\n", markup)
    # nh3 with no allowed tags keeps only text; script, style and title contents are dropped.
    escaped = nh3.clean(with_breaks, tags=set(), clean_content_tags={"script", "style", "title"})
    return normalise_whitespace(html.unescape(escaped))


def normalise_whitespace(text: str) -> str:
    """Spaces collapsed within lines, at most one blank line in a row, no blank ends."""
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
