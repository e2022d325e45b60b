"""Changes to one ticket from its page: thin views over the ticket services.

Each answers with a redirect back to the ticket (so a reload does not repeat it), or, when the
change was refused, the ticket page again with the reason next to the form that caused it. In the
queue's third pane (an htmx request, never in the browser's history) the answer is the ticket itself.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from channels.sending import message_retry
from oss_inbox.tickets.models import Message, Ticket
from oss_inbox.tickets.selectors import ticket_for_user
from oss_inbox.tickets.services.lifecycle import (
    AlreadyPosted,
    ClaimConflict,
    ComposerReused,
    ticket_add_tags,
    ticket_assign,
    ticket_claim,
    ticket_remove_tag,
    ticket_reply,
    ticket_set_priority,
    ticket_set_status,
)

from .composer import reply_length_problem
from .mentions import note_add
from .tagging import tag_name, tag_refused
from .views import in_pane, render_ticket

RETRYABLE = [Message.Delivery.FAILED, Message.Delivery.UNKNOWN]
COMPOSER_ACTIONS = ("reply", "reply_resolve", "note")
# A change refused for what was sent (too long, empty, not an option): the ticket again, with the
# reason. 422, not 400: django-htmx's debug script (DEBUG only) shows any 400 as a whole error page.
REFUSED = 422
AGAIN = {"reply": "press Send again to send it", "reply_resolve": "press Send & resolve again to send it",
         "note": "press Add internal note again to add it"}


def _back(request, ticket):
    if in_pane(request):
        return render_ticket(request, ticket_for_user(request.user, ticket.pk))
    return redirect("inbox:ticket", ticket.pk)


@require_POST
def retry(request, ticket_id, message_id):
    ticket = ticket_for_user(request.user, ticket_id)
    message = get_object_or_404(ticket.messages, pk=message_id, direction=Message.Direction.OUTBOUND)
    if message.delivery_state in RETRYABLE:
        with transaction.atomic():
            message_retry(message)
            transaction.on_commit(lambda: _enqueue_send(message.pk))
        messages.success(request, "The reply is queued to be sent again.")
    return _back(request, ticket)


def _enqueue_send(message_id):
    from channels.tasks import send_message

    send_message.delay(message_id)


@require_POST
def claim(request, ticket_id):
    ticket = ticket_for_user(request.user, ticket_id)
    try:
        ticket_claim(ticket=ticket, user=request.user)
    except ClaimConflict as conflict:
        claimer = conflict.ticket.assignee
        words = f"{claimer.get_full_name() or claimer.get_username()} claimed this a moment ago."
        return render_ticket(request, conflict.ticket, status=409, action_error=words)
    return _back(request, ticket)


@require_POST
def assign(request, ticket_id):
    ticket = ticket_for_user(request.user, ticket_id)
    chosen = request.POST.get("assignee", "")
    assignee = None
    if chosen:
        assignee = get_object_or_404(get_user_model(), pk=chosen, is_active=True)
        if not assignee.has_perm("tickets.work_queue"):
            return render_ticket(request, ticket, status=REFUSED, action_error="That person does not work the queue.")
    ticket_assign(ticket=ticket, assignee=assignee, actor=request.user)
    return _back(request, ticket)


@require_POST
def set_status(request, ticket_id):
    ticket = ticket_for_user(request.user, ticket_id)
    status = request.POST.get("status", "")
    if status not in Ticket.Status.values or status == Ticket.Status.NEW:
        return render_ticket(request, ticket, status=REFUSED, action_error="Choose one of the statuses offered.")
    ticket_set_status(ticket=ticket, status=status, actor=request.user)
    return _back(request, ticket)


@require_POST
def set_priority(request, ticket_id):
    ticket = ticket_for_user(request.user, ticket_id)
    try:
        priority = Ticket.Priority(int(request.POST.get("priority", "")))
    except ValueError:
        return render_ticket(request, ticket, status=REFUSED, action_error="Choose one of the priorities offered.")
    ticket_set_priority(ticket=ticket, priority=priority, actor=request.user)
    return _back(request, ticket)


@require_POST
def tag_add(request, ticket_id):
    ticket = ticket_for_user(request.user, ticket_id)
    name = tag_name(request.POST.get("tag", ""))
    refused = tag_refused(request.user, name)
    if refused:
        return render_ticket(request, ticket, status=REFUSED, tag_error=refused)
    ticket_add_tags(ticket=ticket, names=[name], actor=request.user)
    return _back(request, ticket)


@require_POST
def tag_remove(request, ticket_id):
    ticket = ticket_for_user(request.user, ticket_id)
    ticket_remove_tag(ticket=ticket, name=request.POST.get("tag", ""), actor=request.user)
    return _back(request, ticket)


@require_POST
def compose(request, ticket_id):
    """The composer's buttons: an internal note, a reply, or a reply that also resolves.

    Each rendering of the composer carries its own token (`once`), stored with what it wrote: the
    same composer posted again (a double click, a resent request) stores nothing more and answers
    as the first post did, so the customer gets one answer. A different text from a used composer
    (a page restored with Back) is refused with the text kept and a fresh token, never dropped.
    """
    ticket = ticket_for_user(request.user, ticket_id)
    text, action = request.POST.get("text", ""), request.POST.get("action", "")
    once = request.POST.get("once", "")[:64] or None
    if action not in COMPOSER_ACTIONS:  # never guess: a note taken for a reply would reach the customer
        return render_ticket(request, ticket, status=REFUSED, composer_error="Choose Send or Add internal note.", draft=text)
    if action == "note":
        if not text.strip():
            return render_ticket(request, ticket, status=REFUSED, composer_error="Write something first.", draft=text)
        try:
            note_add(ticket=ticket, author=request.user, text=text, compose_token=once)
        except AlreadyPosted:
            pass
        except ComposerReused:
            return _composer_reused(request, ticket, text, action)
        return _back(request, ticket)
    private = request.POST.get("reply_as") == "private"
    refused = _reply_refused(request, ticket, text, private)
    if refused:
        return refused
    try:
        with transaction.atomic():
            try:
                ticket_reply(ticket=ticket, author=request.user, text=text, private=private, compose_token=once)
            except ValueError as no_private_reply:  # a stale page: the conversation has one kind of reply only
                return render_ticket(request, ticket, status=REFUSED, composer_error=str(no_private_reply), draft=text)
            if action == "reply_resolve":
                ticket_set_status(ticket=ticket, status=Ticket.Status.RESOLVED, actor=request.user)
    except AlreadyPosted:
        pass
    except ComposerReused:
        return _composer_reused(request, ticket, text, action, reply_as="private" if private else "public")
    return _back(request, ticket)


def _composer_reused(request, ticket, text, action, **extra):
    """The ticket again, the text kept in a composer with a fresh token, so pressing the button again sends it."""
    words = f"This reply box was already used to send another message; your text is kept below — {AGAIN[action]}."
    ticket = ticket_for_user(request.user, ticket.pk)  # as it is now: the refused post changed nothing
    return render_ticket(request, ticket, status=REFUSED, composer_error=words, draft=text, **extra)


def _reply_refused(request, ticket, text, private):
    """The ticket page with a reason when the reply must not go out (yet), else None."""
    reply_as = "private" if private else "public"
    problem = reply_length_problem(ticket.account.kind, text, private)
    if problem:
        return render_ticket(request, ticket, status=REFUSED, composer_error=problem, draft=text, reply_as=reply_as)
    if request.POST.get("confirmed") == "1":
        return None
    newer = _colleague_reply_since(ticket, request.user, request.POST.get("seen_outbound", "0"))
    if newer is None:
        return None
    who = newer.author_user.get_full_name() or newer.author_user.get_username()
    prompt = f"{who} replied to this customer after you opened the ticket. Send yours anyway?"
    return render_ticket(request, ticket, status=409, confirm_prompt=prompt, draft=text,
                         action=request.POST["action"], reply_as=reply_as)


def _colleague_reply_since(ticket, user, seen_outbound):
    seen = int(seen_outbound) if seen_outbound.isdigit() else 0
    replies = ticket.messages.filter(direction=Message.Direction.OUTBOUND, pk__gt=seen, is_automatic=False)
    return replies.exclude(author_user=user).exclude(author_user=None).select_related("author_user").last()
