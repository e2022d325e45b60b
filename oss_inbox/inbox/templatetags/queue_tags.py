from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe

from ..queue import first_line as _first_line
from ..queue_rows import rows_html

register = template.Library()


@register.simple_tag
def queue_url(filters, **changes):
    """The queue's URL for `filters` with changes: filter fields (view=, channel=...) or extras (after=,
    ticket=)."""
    fields = {name: value for name, value in changes.items() if hasattr(filters, name)}
    extras = [
        (name, value) for name, value in changes.items() if name not in fields and value not in ("", None)
    ]
    query = "&".join(part for part in (filters.query_string(**fields), urlencode(extras)) if part)
    return reverse("inbox:queue") + (f"?{query}" if query else "")


@register.filter
def first_line(text):
    return _first_line(text)


@register.simple_tag
def queue_rows(rows, opened):
    """The page's rows (queue_rows.Row), one string: one tag, not a template loop of fifty; every text
    in them is escaped where they were made (queue_rows.row_html)."""
    return mark_safe(rows_html(rows, opened))
