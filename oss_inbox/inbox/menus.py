"""The colleagues' menu (the queue's Assignee filter and bulk bar, the ticket page's Assign), as HTML.

A hundred colleagues were two hundred template lookups a page, and a hundred users read back from
the cache: the <option>s are made once per change of the colleagues (cached_from, under the version
of staff.roles.queue_workers_list) and the chosen one is marked on each page.
"""

from html import escape

from django.utils.safestring import mark_safe

from oss_inbox.cached import cached_from
from oss_inbox.staff.roles import QUEUE_WORKERS_KEY, queue_workers_list


def colleague_options(selected=None):
    """<option value="id">name</option> of every colleague who works the queue, `selected` (an id) chosen."""
    made = cached_from(QUEUE_WORKERS_KEY, "options", _colleague_options)
    if selected:
        chosen = f'<option value="{int(selected)}">'
        made = made.replace(chosen, f"{chosen[:-1]} selected>", 1)
    return mark_safe(made)  # every name is escaped in _colleague_options


def _colleague_options():
    return "".join(
        f'<option value="{user.pk}">{escape(user.get_full_name() or user.get_username())}</option>'
        for user in queue_workers_list()
    )
