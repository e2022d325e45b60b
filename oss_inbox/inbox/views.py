import secrets

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition
from django_htmx.http import push_url

from oss_inbox.safety.detector import CATEGORIES, CATEGORY_NAMES
from oss_inbox.sla.policies import policy_for_ticket
from oss_inbox.staff.roles import queue_workers_list
from oss_inbox.tickets.models import Message, Ticket, TicketEvent
from oss_inbox.tickets.selectors import ticket_conversation, ticket_for_user, ticket_tag_names
from oss_inbox.tickets.services.assignment import assignment_origin

from .canned import canned_fill, canned_for_ticket, canned_names
from .collision import colleague_replies_since, message_id
from .composer import conversation_kind, delivery_words, is_private_reply, reply_choices
from .email_view import email_view
from .mentions import mentions_marked
from .menus import colleague_options
from .moderation import annotate as moderation_annotate
from .presence import presence_beat, presence_of_others, typed_seconds_ago
from .selectors import customer_sidebar, open_queue_version
from .tagging import tag_names

TICKET_PANE = "ticket-pane"


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
    presence_beat(ticket=ticket, user=request.user)
    name = request.GET.get("canned", "")
    draft = _canned_text(ticket, request.user, name) if name else ""
    return render_ticket(request, ticket, draft=draft or "")


def ticket_state(request, ticket_id):
    """Status, priority, claimer and colleagues here, polled every 5 s by the open ticket page.

    The poll is also this agent's heartbeat: it says the ticket is still open, and (`typed`) how
    many seconds ago they last typed in the composer, so colleagues see "Dana is replying". With the
    composer's `seen_outbound` it also says which colleagues replied since the page was opened.
    """
    ticket = ticket_for_user(request.user, ticket_id)
    presence_beat(
        ticket=ticket, user=request.user, typed_seconds_ago=typed_seconds_ago(request.GET.get("typed", ""))
    )
    here = presence_of_others(ticket=ticket, user=request.user)
    seen = request.GET.get("seen_outbound")
    replied = colleague_replies_since(ticket, request.user, message_id(seen)) if seen is not None else []
    context = {"ticket": ticket, "assignment": assignment_origin(ticket), "here": here, "replied": replied}
    return render(request, "inbox/_ticket_state.html", context)


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
    """The ticket page; `extra` carries an error, a notice or a collision's choices next to the form that
    caused it."""
    conversation = list(ticket_conversation(ticket))
    inbound = [m for m in conversation if m.direction == Message.Direction.INBOUND]
    answered_kind = inbound[-1].kind if inbound else ""
    _annotate(conversation, answered_kind)
    outbound_ids = [m.pk for m in conversation if m.direction == Message.Direction.OUTBOUND]
    context = {
        "ticket": ticket,
        "conversation": conversation,
        "policy": policy_for_ticket(ticket),
        "last_outbound_id": max(outbound_ids, default=0),
        "colleague_options": colleague_options(ticket.assignee_id),  # the Assign menu
        "customer": customer_sidebar(ticket),
        "statuses": [(s.value, s.label) for s in Ticket.Status if s != Ticket.Status.NEW],
        "priorities": Ticket.Priority.choices,
        "safety": safety_shown(ticket),
        "safety_categories": list(CATEGORIES.items()),
        "tags": ticket_tag_names(ticket),
        "tag_names": tag_names(),
        "canned_names": canned_names(ticket),
        "reply_choices": reply_choices(answered_kind),
        "conversation_kind": conversation_kind(answered_kind),
        # Comments answer a Page post: show it above them, linked to Facebook.
        "original_post": next((m.context for m in inbound if (m.context or {}).get("post_text")), None),
        "here": presence_of_others(ticket=ticket, user=request.user),
        "assignment": assignment_origin(ticket),  # "claimed by" or "assigned to", and why
        "in_pane": in_pane(request),
        "once": secrets.token_urlsafe(16),  # this rendering's composer token (actions.compose)
        **extra,
    }
    if not context["in_pane"]:
        return render(request, "inbox/ticket.html", context, status=status)
    response = render(request, "inbox/ticket.html#ticket-body", context, status=status)
    # The pane's forms are boosted, which would put the ticket's own URL in the address bar.
    return push_url(response, False) if request.htmx.boosted else response


def safety_shown(ticket):
    """What the safety banner says: the category, and why the detector (or who) made it one."""
    if not ticket.safety:
        return None
    event = (
        ticket.events.filter(kind=TicketEvent.Kind.SAFETY, data__category=ticket.safety)
        .select_related("actor")
        .last()
    )
    data = event.data if event else {}
    why = data.get("why", "")
    if event and event.actor and why == "marked by hand":
        why = f"marked by {event.actor.get_full_name() or event.actor.get_username()}"
    return {"label": CATEGORY_NAMES.get(ticket.safety, ticket.safety), "why": why}


def in_pane(request):
    """Opened in place from the queue (its third pane): only the ticket, without the page around it,
    and its forms answer into the pane, so the agent stays beside the queue."""
    return bool(request.htmx) and request.htmx.target == TICKET_PANE


def _annotate(conversation, answered_kind):
    """What the template shows with each message besides its text: delivery problems, "Private reply",
    an email's HTML and quote, a note's @mentions (the colleagues read only when there is a note)."""
    colleagues = queue_workers_list() if any(m.direction == "note" for m in conversation) else []
    for message in conversation:
        message.delivery_words = (
            delivery_words(message) if message.direction == Message.Direction.OUTBOUND else ""
        )
        message.is_private_reply = is_private_reply(message, answered_kind)
        message.email = email_view(message)
        message.note_html = mentions_marked(message.text, colleagues) if message.direction == "note" else ""
        moderation_annotate(message)  # Hide or Show on a public comment, and what moderation did to it
