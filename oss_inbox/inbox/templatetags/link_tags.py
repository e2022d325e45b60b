"""Links whose address came from a channel (a permalink, a shared link, a media URL)."""

from urllib.parse import urlsplit

from django import template

register = template.Library()


@register.filter
def web_url(value):
    """The address if it is http(s), else "": a customer can put any scheme in a shared link, and a
    javascript: URL in an href would run in the agent's session."""
    value = (value or "").strip()
    return value if urlsplit(value).scheme.lower() in ("http", "https") else ""
