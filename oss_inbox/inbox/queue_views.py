"""The queue page: views list, queue and the ticket opened in place (three panes on a wide screen)."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone

from oss_inbox.staff.roles import queue_workers_list
from oss_inbox.tickets.models import Ticket

from .queue import (
    CHANNELS,
    UNASSIGNED,
    VIEWS,
    VIEWS_BY_SLUG,
    QueueFilters,
    queue_page,
    ticket_number,
    view_counts,
)
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
    page = queue_page(request.user, filters, after=request.GET.get("after", ""), now=now)
    opened = request.GET.get("ticket", "")
    counts = view_counts(request.user, now=now)
    context = {
        "page": page,
        "filters": filters,
        "view": VIEWS_BY_SLUG[filters.view],
        "views": [(view, counts.get(view.slug) if view.counted else None) for view in VIEWS],
        "query": filters.query_string(),
        "opened": int(opened) if opened.isdigit() else None,
    }
    if request.htmx and request.htmx.target == LIVE_TARGET:
        return render(request, "inbox/queue.html#queue-live", context)
    context.update(filter_choices())
    return render(request, "inbox/queue.html", context)


def filter_choices():
    """Channels, tags and colleagues for the filter menus (the tags and colleagues cached until they
    change)."""
    colleagues = [(str(u.pk), u.get_full_name() or u.get_username()) for u in queue_workers_list()]
    return {
        "channel_choices": CHANNELS,
        "tag_choices": tag_names(),
        "assignee_choices": [(UNASSIGNED, "Nobody"), *colleagues],
        "priority_choices": [(str(value), label) for value, label in Ticket.Priority.choices],
    }
