"""The queue's rows as HTML, made once and shared by every agent who asks for the same page.

A hundred agents keep the queue open on a storm night. Each change to a ticket moves the queue's
version, and each agent's queue then asks for its rows within five seconds: the same few views,
the same rows. Choosing and joining fifty rows and writing their HTML was most of a page's time
(docs/BENCHMARKS.md, "Page cost"), so a page of rows is made once and kept in the cache under
everything it depends on:

- the queue's version (`open_queue_version`: any ticket added or changed, which every writer of
  ticket state does through tickets.services);
- the version of what a row shows besides the ticket (QUEUE_ROWS_KEY: a customer's name and
  critical-care flag, an organization, a colleague's name, a tag), moved on by signals;
- the viewer's time zone (the dates in the rows' hover titles);
- the minute: ages and timers are written in minutes ("due in 25m"), and the At risk and Breached
  views move with the clock, so a kept page is at most a minute older than one made now;
- the view, filters and page, and for "Mine" the agent.

Only what differs between agents is done per request: the opened ticket's row is marked.

During a storm the queue's version moves every second (reports arrive every second), so a page is
hardly ever found: each was chosen, read and written anew, 12 ms of CPU more than a page found
(docs/BENCHMARKS.md, "The queue page during a storm"), though most of its rows had not changed. So
each row's HTML is kept too, under the same dependencies but the queue's version, and under its own
ticket's change (`RowKey.changed`): a page not found is chosen on the tickets table alone (a light
query a part), and only the rows new or changed since are read and written.
"""

import hashlib
from dataclasses import dataclass, replace
from html import escape as _escape

from django.core.cache import cache
from django.urls import reverse
from django.utils.timezone import get_current_timezone_name, localtime

from oss_inbox.cached import local_store, version_of
from oss_inbox.safety.detector import CATEGORY_NAMES
from oss_inbox.staff.templatetags.dates import when_full

from .queue import first_line, queue_page_keys, queue_rows_read
from .selectors import open_queue_version

QUEUE_ROWS_KEY = "inbox:queue-rows"  # moved on by a change to what rows show besides the ticket (apps.py)
ROWS_SECONDS = 120  # a page is read within its minute; the rest only bounds a write no signal tells of
# Rows this process keeps of the pages it made (a few pages' worth: each row is kept within its minute).
LOCAL_ROWS = 1000
_copies = local_store()

CRITICAL_CARE = (
    '<span class="badge critical-care" title="Depends on power for life or health">Critical care</span> '
)
NEW_MARK = '<span class="visually-hidden">New.</span>'
ROW_START = '<tr class="queue-row'
# One request at a time in the ticket pane, the next waiting for the one under way: a change sent
# from the pane is answered before another ticket opens there, never after it (templates/inbox/ticket.html).
PANE_SYNC = "#ticket-pane:queue last"


@dataclass(frozen=True, slots=True)
class Row:
    """A row of the queue: the ticket's id and the row's HTML, the opened ticket not yet marked."""

    pk: int
    html: str


def shared_queue_page(user, filters, *, after="", now, version=None):
    """`queue_page` with its rows as `Row`s, from the cache when another request made the same page,
    its rows from the cache when an earlier page held them unchanged.
    `version`: the queue's version when the caller has read it already."""
    rows_version = version_of(QUEUE_ROWS_KEY)
    key = _page_key(rows_version, user, filters, after, now, version or open_queue_version())
    page = cache.get(key)
    if page is None:
        page = queue_page_keys(user, filters, after=after, now=now)
        page = replace(page, tickets=_rows(page.tickets, rows_version, filters, after, now))
        cache.set(key, page, ROWS_SECONDS)
    return page


def _page_key(rows_version, user, filters, after, now, version):
    parts = (
        version,
        user.pk if filters.view == "mine" else "",
        *_row_context(rows_version, filters, after, now),
    )
    # The search words and the cursor are the agent's text: hashed, so that any key is short and plain.
    return "inbox:queue-page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _row_context(rows_version, filters, after, now):
    """What a row's HTML depends on besides its ticket: its links hold the filters and the cursor."""
    return (
        rows_version,
        get_current_timezone_name(),
        int(now.timestamp() // 60),
        filters.query_string(),
        after,
        reverse("inbox:queue"),
    )


def _rows(keys, rows_version, filters, after, now):
    """The page's `Row`s: those kept from an earlier page whose ticket has not changed since (this
    process's copy, else the cache's), the others read (one query for the tickets, one for their
    tags), written and kept."""
    if not keys:
        return []
    context = hashlib.sha256(repr(_row_context(rows_version, filters, after, now)).encode()).hexdigest()
    names = {key.pk: f"inbox:queue-row:{context}:{key.pk}:{key.changed}" for key in keys}
    # A name says everything its row depends on, so a copy is never stale: it only stops being asked for.
    kept = {name: _copies[name] for name in names.values() if name in _copies}
    if len(kept) < len(names):
        kept.update(cache.get_many([name for name in names.values() if name not in kept]))
    missing = [key for key in keys if names[key.pk] not in kept]
    made = {ticket.pk: row_html(ticket) for ticket in queue_rows_read(missing, filters, after=after, now=now)}
    if made:
        cache.set_many({names[pk]: html for pk, html in made.items()}, ROWS_SECONDS)
    if len(_copies) + len(names) > LOCAL_ROWS:  # older minutes' rows are never asked for again
        _copies.clear()
    rows = []
    for key in keys:
        html = kept.get(names[key.pk], made.get(key.pk))
        if html is not None:  # None: merged away since it was chosen (the next page is right)
            _copies[names[key.pk]] = html
            rows.append(Row(key.pk, html))
    return rows


def rows_html(rows, opened):
    """The page's rows as one string, the opened ticket's row marked."""
    return "".join(
        row.html.replace(ROW_START, f"{ROW_START} selected", 1) if row.pk == opened else row.html
        for row in rows
    )


def escape(value):
    """Django's escape without its lazy-string wrapper (a tenth of a queue page's time): the same text."""
    return _escape(str(value))


def row_html(ticket):
    """One queue row. Written in Python, not as a template loop: fifty rows of template lookups were
    most of a queue page's time (docs/BENCHMARKS.md, Inbox)."""
    new = ticket.status == "new"
    classes = (" unread" if new else "") + (" safety" if ticket.safety else "")
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
    preview = first_line(ticket.preview or ticket.subject) or "(no text)"
    return (
        f'{ROW_START}{classes}" data-ticket-row data-ticket-id="{ticket.pk}">'
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
