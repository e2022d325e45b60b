from html import escape as _escape
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime

from oss_inbox.safety.detector import CATEGORY_NAMES
from oss_inbox.staff.templatetags.dates import when_full

from ..queue import first_line as _first_line

register = template.Library()
# One request at a time in the ticket pane, the next waiting for the one under way: a change sent
# from the pane is answered before another ticket opens there, never after it (templates/inbox/ticket.html).
PANE_SYNC = "#ticket-pane:queue last"


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


CRITICAL_CARE = (
    '<span class="badge critical-care" title="Depends on power for life or health">Critical care</span> '
)
NEW_MARK = '<span class="visually-hidden">New.</span>'


def escape(value):
    """Django's escape without its lazy-string wrapper (a tenth of a queue page's time): the same text.
    The rows are marked safe once, whole."""
    return _escape(str(value))


@register.simple_tag
def queue_rows(tickets, opened):
    """The page's rows, one string: one tag, not a template loop of fifty (docs/BENCHMARKS.md, Inbox)."""
    return mark_safe("".join(queue_row(ticket, opened) for ticket in tickets))


@register.simple_tag
def queue_row(ticket, opened):
    """One queue row. Written in Python, not as a template loop: fifty rows of template lookups were
    most of a queue page's time (docs/BENCHMARKS.md, Inbox); the markup is the same."""
    new = ticket.status == "new"
    classes = (
        "queue-row"
        + (" unread" if new else "")
        + (" selected" if ticket.pk == opened else "")
        + (" safety" if ticket.safety else "")
    )
    url = escape(ticket.url)
    badge = safety = ""
    organization = ticket.contact.organization
    if ticket.safety:
        label = escape(CATEGORY_NAMES.get(ticket.safety, ticket.safety))
        safety = f'<span class="badge safety" title="Safety report: {label}">Safety</span> '
    if ticket.contact.depends_on_power:
        badge += CRITICAL_CARE
    if ticket.is_key_account:
        name = organization.name if organization else "Key account"
        badge += f'<span class="badge key" title="Key account">{escape(name)}</span>'
    tags = "".join(f'<span class="tag">{escape(name)}</span>' for name in ticket.tag_names)
    if ticket.assignee:
        assignee = escape(ticket.assignee.get_full_name() or ticket.assignee.get_username())
    else:
        assignee = '<span class="muted">unassigned</span>'
    # The full date on hover (the row shows an age, or when it was resolved).
    age_title = f"{'Arrived' if ticket.timer else 'Resolved'} {when_full(ticket.age_at)}"
    if ticket.timer:
        title = f' title="{escape(ticket.timer.title)}"' if ticket.timer.title else ""
        timer = f'<span class="sla sla-{ticket.timer.state}"{title}>{escape(ticket.timer.text)}</span>'
    else:
        timer = ""  # the age says when it was resolved
    subject = ""
    if ticket.channel_slug == "email" and ticket.subject:
        subject = f'<span class="subject">{escape(ticket.subject)}</span> — '
    preview = _first_line(ticket.preview or ticket.subject) or "(no text)"
    return mark_safe(
        f'<tr class="{classes}" data-ticket-row data-ticket-id="{ticket.pk}">'
        f'<td class="pick"><input type="checkbox" name="ticket" value="{ticket.pk}" form="bulk-form" '
        f'aria-label="Select ticket #{ticket.pk}"></td>'
        f'<td class="summary"><div class="line1">{safety}'
        f'<span class="channel channel-{ticket.channel_slug}">{escape(ticket.channel_label)}</span> '
        f'<a class="who" href="{url}" data-open hx-get="{url}" hx-target="#ticket-pane" '
        f'hx-sync="{PANE_SYNC}" hx-push-url="{escape(ticket.in_place_url)}">'
        f"{escape(ticket.contact)}</a> {badge}"
        f"{NEW_MARK if new else ''} "
        f'<span class="row-facts">{tags}<span class="assignee">{assignee}</span> '
        f'<time class="age" datetime="{localtime(ticket.age_at).isoformat()}" title="{age_title}">'
        f"{escape(ticket.age)}</time> {timer}</span>"
        f'</div><div class="line2">#{ticket.pk} {subject}{escape(preview)}</div></td></tr>'
    )
