"""The queue page: views list, queue and the ticket opened in place (three panes on a wide screen)."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from oss_inbox.tickets.models import Ticket

from .menus import colleague_options
from .queue import (
    CHANNELS,
    UNASSIGNED,
    VIEWS,
    VIEWS_BY_SLUG,
    QueueFilters,
    view_counts,
)
from .queue_rows import shared_queue_page
from .search import ticket_number
from .selectors import open_queue_version
from .tagging import tag_names

LIVE_TARGET = "queue-live"


def queue(request):
    """The queue; `?ticket=<id>` also opens that ticket in the third pane (what the row links push).

    An htmx request for the live target gets only the view list and the rows (the 5-second refresh).
    """
    if not request.user.has_perm("tickets.work_queue"):
        raise PermissionDenied
    now = timezone.now()
    filters = QueueFilters.from_query(request.GET)
    number = ticket_number(filters.q) if filters.q and not request.htmx else None
    if number is not None and Ticket.objects.filter(pk=number).exists():
        return redirect("inbox:ticket", number)  # "184" or "#184" in the search box: that ticket
    version = open_queue_version()  # the rows' and the counts' (one query for both)
    page = shared_queue_page(
        request.user, filters, after=request.GET.get("after", ""), now=now, version=version
    )
    opened = request.GET.get("ticket", "")
    counts = view_counts(request.user, now=now, version=version)
    context = {
        "page": page,
        "filters": filters,
        "view": VIEWS_BY_SLUG[filters.view],
        "views": view_list(filters, counts),
        "query": filters.query_string(),
        "opened": int(opened) if opened.isdigit() else None,
    }
    if request.htmx and request.htmx.target == LIVE_TARGET:
        return render(request, "inbox/queue.html#queue-live", context)
    context.update(filter_choices(request.user, filters))
    return render(request, "inbox/queue.html", context)


def view_list(filters, counts):
    """(view, its count or None, its address with the filters in force) for each view: one reverse()."""
    base = reverse("inbox:queue")
    return [
        (view, counts.get(view.slug) if view.counted else None, _address(base, filters, view.slug))
        for view in VIEWS
    ]


def _address(base, filters, view):
    query = filters.query_string(view=view)
    return f"{base}?{query}" if query else base


def filter_choices(user, filters):
    """Channels, tags and colleagues for the filter menus and the bulk bar (the tags and the colleagues'
    options cached until they change)."""
    return {
        "channel_choices": CHANNELS,
        "tag_choices": tag_names(),
        "assignee_options": colleague_options(filters.assignee if filters.assignee != UNASSIGNED else None),
        "bulk_assignee_options": colleague_options(user.pk),  # assign to yourself, unless you choose
        "priority_choices": [(str(value), label) for value, label in Ticket.Priority.choices],
    }
