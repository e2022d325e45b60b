from urllib.parse import urlencode

from django import template
from django.urls import reverse

from ..queue import first_line as _first_line

register = template.Library()


@register.simple_tag
def queue_url(filters, **changes):
    """The queue's URL for `filters` with changes: filter fields (view=, channel=...) or extras (after=, ticket=)."""
    fields = {name: value for name, value in changes.items() if hasattr(filters, name)}
    extras = [(name, value) for name, value in changes.items() if name not in fields and value not in ("", None)]
    query = "&".join(part for part in (filters.query_string(**fields), urlencode(extras)) if part)
    return reverse("inbox:queue") + (f"?{query}" if query else "")


@register.filter
def first_line(text):
    return _first_line(text)
