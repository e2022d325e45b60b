"""Bulk actions on the queue's selected rows: assign, tag, resolve.

Each ticket goes through the same service as on its own page (its row locked, its event written),
one transaction per ticket, so one ticket that cannot be changed does not undo the others. The
agent is told what was done and what was skipped, and why.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from oss_inbox.staff.roles import require_queue_worker
from oss_inbox.tickets.models import Ticket
from oss_inbox.tickets.services import InvalidChange, ticket_add_tags, ticket_assign, ticket_set_status

from .queue import PAGE_SIZE
from .tagging import tag_name, tag_refused

ACTIONS = ("assign", "tag", "resolve")


@dataclass
class BulkResult:
    done: list = field(default_factory=list)  # ticket ids
    skipped: dict = field(default_factory=dict)  # ticket id -> why

    def words(self, verb):
        """ "Resolved 3 tickets (#4, #5, #9). Skipped #7: already resolved." """
        parts = []
        if self.done:
            parts.append(f"{verb} {_tickets(len(self.done))} ({', '.join(f'#{pk}' for pk in self.done)}).")
        else:
            parts.append(f"{verb} no ticket.")
        parts += [f"Skipped #{pk}: {why}." for pk, why in self.skipped.items()]
        return " ".join(parts)


def _tickets(count):
    return f"{count} ticket" if count == 1 else f"{count} tickets"


def tickets_bulk_assign(*, tickets, assignee, actor):
    result = BulkResult()
    for ticket in tickets:
        if ticket.assignee_id == (assignee.pk if assignee else None):
            who = (assignee.get_full_name() or assignee.get_username()) if assignee else ""
            result.skipped[ticket.pk] = f"already assigned to {who}" if assignee else "already unassigned"
            continue
        ticket_assign(ticket=ticket, assignee=assignee, actor=actor)
        result.done.append(ticket.pk)
    return result


def tickets_bulk_tag(*, tickets, name, actor):
    result = BulkResult()
    for ticket in tickets:
        if ticket_add_tags(ticket=ticket, names=[name], actor=actor):
            result.done.append(ticket.pk)
        else:
            result.skipped[ticket.pk] = f"already tagged {name}"
    return result


def tickets_bulk_resolve(*, tickets, actor):
    result = BulkResult()
    for ticket in tickets:
        if ticket.status == Ticket.Status.RESOLVED:
            result.skipped[ticket.pk] = "already resolved"
            continue
        ticket_set_status(ticket=ticket, status=Ticket.Status.RESOLVED, actor=actor)
        result.done.append(ticket.pk)
    return result


@require_POST
def bulk(request):
    """The bulk bar's buttons; answers with a redirect back to the queue and a message."""
    require_queue_worker(request.user)
    back = _back_url(request)
    action = request.POST.get("action", "")
    ids = [int(pk) for pk in request.POST.getlist("ticket") if pk.isdigit()][:PAGE_SIZE]
    if action not in ACTIONS or not ids:
        messages.error(
            request, "Select one or more tickets first." if action in ACTIONS else "Unknown bulk action."
        )
        return redirect(back)
    tickets = list(Ticket.objects.filter(pk__in=ids).select_related("assignee").order_by("pk"))
    missing = sorted(set(ids) - {t.pk for t in tickets})
    result = _run(request, action, tickets)
    if result is None:
        return redirect(back)
    result.skipped.update({pk: "no such ticket" for pk in missing})
    verb = {"assign": "Assigned", "tag": "Tagged", "resolve": "Resolved"}[action]
    (messages.success if result.done else messages.warning)(request, result.words(verb))
    return redirect(back)


def _run(request, action, tickets):
    user = request.user
    if action == "resolve":
        return tickets_bulk_resolve(tickets=tickets, actor=user)
    if action == "tag":
        name = tag_name(request.POST.get("tag", ""))
        refused = tag_refused(user, name)
        if refused:
            messages.error(request, refused)
            return None
        return tickets_bulk_tag(tickets=tickets, name=name, actor=user)
    chosen = request.POST.get("assignee", "")
    assignee = None
    if chosen:
        assignee = (
            get_user_model().objects.filter(pk=chosen if chosen.isdigit() else 0, is_active=True).first()
        )
        if assignee is None:
            messages.error(request, "That person does not work the queue.")
            return None
    try:
        return tickets_bulk_assign(tickets=tickets, assignee=assignee, actor=user)
    except InvalidChange as refused:  # the same rule as on the ticket's page, from the service
        messages.error(request, str(refused))
        return None


def _back_url(request):
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return back
    return reverse("inbox:queue")
