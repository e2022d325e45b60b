"""How an email is shown on the ticket page: its sanitised HTML, and the earlier messages it quotes
collapsed out of the way. Pure functions over the stored message, no database.

The HTML was sanitised when the mail was parsed (channels/email/parse.py); it is cleaned once more
here with a stricter allow-list, because what is safe to show may have changed since it was stored,
and because remote images are dropped: loading them would tell the sender that we opened the mail.
"""

import re
from dataclasses import dataclass

import nh3
from django.utils.safestring import mark_safe

from channels.email.quoting import ATTRIBUTION, html_to_text

SHOWN_TAGS = nh3.ALLOWED_TAGS - {"img", "area", "map"}
BLOCKQUOTE = re.compile(r"<blockquote\b", re.IGNORECASE)
LINE_START = re.compile(r"<(?:div|p|br)\b[^>]*>", re.IGNORECASE)


@dataclass(frozen=True)
class EmailView:
    html: str = ""  # the new part as safe HTML, or "" to show the text
    quoted_html: str = ""
    quoted_text: str = ""


def email_view(message):
    """The new part and the quoted earlier messages of an inbound email, ready for the template; None
    for any other message (its text is shown as it is)."""
    if message.kind != "email" or message.direction != "inbound":
        return None
    quoted_text = (message.context or {}).get("quoted_text", "")
    if not message.html:
        return EmailView(quoted_text=quoted_text)
    html = shown_html(message.html)
    new, quoted = html_quote_split(html)
    if quoted:
        return EmailView(html=mark_safe(new), quoted_html=mark_safe(quoted))
    if quoted_text:  # quoted in a way the HTML does not mark (an Outlook header block): show the text
        return EmailView(quoted_text=quoted_text)
    return EmailView(html=mark_safe(html))


def shown_html(markup):
    return nh3.clean(markup, tags=SHOWN_TAGS, clean_content_tags={"script", "style", "title"})


def html_quote_split(html):
    """(new part, quoted part) of sanitised HTML, split at the first <blockquote> and the "On ... wrote:"
    line just above it; (html, "") when nothing is quoted or the quote would be everything."""
    found = BLOCKQUOTE.search(html)
    if not found:
        return html, ""
    start = found.start()
    before = html[:start]
    line_starts = [match.start() for match in LINE_START.finditer(before)]
    for line_start in reversed(line_starts[-3:]):  # Gmail wraps the attribution in a div or two
        # One line, however wrapped.
        if ATTRIBUTION.match(" ".join(html_to_text(before[line_start:]).split())):
            start = line_start
            break
    new, quoted = shown_html(html[:start]), shown_html(html[start:])
    if not html_to_text(new).strip():
        return html, ""
    return new, quoted
