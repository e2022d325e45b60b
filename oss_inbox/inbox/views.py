from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition

from oss_inbox.sla.policies import policy_for_ticket
from oss_inbox.tickets.models import Message, Ticket
from oss_inbox.tickets.selectors import (
    LIST_STATUSES,
    SLA_FILTERS,
    ticket_conversation,
    ticket_for_user,
    ticket_list_page,
)

from .canned import canned_fill, canned_for_ticket
from .composer import delivery_words
from .selectors import customer_sidebar, open_queue_version


def queue(request):
    status = request.GET.get("status", "open")
    if status not in LIST_STATUSES:
        status = "open"
    sla = request.GET.get("sla", "") if status == "open" else ""
    filters = dict(SLA_FILTERS)
    sla = sla if sla in filters else ""
    page = ticket_list_page(request.user, status=status, page=request.GET.get("page", 1), sla=sla)
    context = {"page": page, "status": status, "statuses": LIST_STATUSES, "sla": sla,
               "sla_filters": SLA_FILTERS, "sla_label": filters[sla]}
    return render(request, "inbox/queue.html", context)


def _queue_etag(request):
    if not request.user.has_perm("tickets.work_queue"):
        raise PermissionDenied
    return open_queue_version()


@cache_control(private=True, no_cache=True)
@condition(etag_func=_queue_etag)
def queue_version(request):
    """Polled every 5 s by the queue page: 304 Not Modified while no open ticket changed."""
    return HttpResponse(_queue_etag(request), content_type="text/plain")


def ticket_detail(request, ticket_id):
    """The ticket page; `?canned=<name>` starts the composer with that canned response filled in."""
    ticket = ticket_for_user(request.user, ticket_id)
    name = request.GET.get("canned", "")
    draft = _canned_text(ticket, request.user, name) if name else ""
    return render_ticket(request, ticket, draft=draft or "")


def ticket_state(request, ticket_id):
    """Status, priority and claimer, polled by the open ticket page so a colleague's claim shows up."""
    ticket = ticket_for_user(request.user, ticket_id)
    return render(request, "inbox/_ticket_state.html", {"ticket": ticket})


def canned_text(request, ticket_id):
    """A canned response filled for this ticket, as plain text for the composer's script."""
    ticket = ticket_for_user(request.user, ticket_id)
    text = _canned_text(ticket, request.user, request.GET.get("canned", ""))
    if text is None:
        raise Http404("No canned response by that name.")
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


def _canned_text(ticket, user, name):
    canned = canned_for_ticket(ticket).filter(name=name).first()
    return canned_fill(canned.text, ticket=ticket, agent=user) if canned else None


def render_ticket(request, ticket, *, status=200, **extra):
    """The ticket page; `extra` carries an error or a confirm prompt next to the form that caused it."""
    conversation = list(ticket_conversation(ticket))
    for message in conversation:
        message.delivery_words = delivery_words(message) if message.direction == Message.Direction.OUTBOUND else ""
    outbound_ids = [m.pk for m in conversation if m.direction == Message.Direction.OUTBOUND]
    context = {
        "ticket": ticket,
        "conversation": conversation,
        "policy": policy_for_ticket(ticket),
        "last_outbound_id": max(outbound_ids, default=0),
        "colleagues": _colleagues(),
        "customer": customer_sidebar(ticket),
        "statuses": [(s.value, s.label) for s in Ticket.Status if s != Ticket.Status.NEW],
        "priorities": Ticket.Priority.choices,
        "canned_names": canned_for_ticket(ticket).values_list("name", flat=True),
        **extra,
    }
    return render(request, "inbox/ticket.html", context, status=status)


def _colleagues():
    """Everyone who may work the queue: the people a ticket can be assigned to."""
    users = get_user_model().objects.filter(is_active=True)
    may_work = Q(groups__permissions__codename="work_queue") | Q(is_superuser=True)
    return users.filter(may_work).distinct().order_by("first_name", "username")
