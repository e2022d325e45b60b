"""Changes to one ticket from its page: thin views over the ticket services.

Each answers with a redirect back to the ticket (so a reload does not repeat it), or, when the
change was refused, the ticket page again with the reason next to the form that caused it. In the
queue's third pane (an htmx request, never in the browser's history) the answer is the ticket itself.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from oss_inbox.tickets.models import Message
from oss_inbox.tickets.selectors import ticket_for_user
from oss_inbox.tickets.services import (
    AlreadyPosted,
    ClaimConflict,
    ComposerReused,
    InvalidChange,
    ReplyRefused,
    reply_look_up,
    ticket_add_tags,
    ticket_assign,
    ticket_claim,
    ticket_remove_tag,
    ticket_reply,
    ticket_retry_reply,
    ticket_set_priority,
    ticket_set_safety,
    ticket_set_status,
)

from .collision import cancelled_words, collision_of
from .mentions import note_add
from .tagging import tag_name, tag_refused
from .views import in_pane, render_ticket

COMPOSER_ACTIONS = ("reply", "reply_resolve", "note")
# A change refused for what was sent (too long, empty, not an option): the ticket again, with the
# reason. 422, not 400: django-htmx's debug script (DEBUG only) shows any 400 as a whole error page.
REFUSED = 422
AGAIN = {
    "reply": "press Send again to send it",
    "reply_resolve": "press Send & resolve again to send it",
    "note": "press Add internal note again to add it",
}


def _back(request, ticket):
    if in_pane(request):
        return render_ticket(request, ticket_for_user(request.user, ticket.pk))
    return redirect("inbox:ticket", ticket.pk)


@require_POST
def retry(request, ticket_id, message_id):
    """Send a reply again. One whose send was cut off is looked up on the channel first: found, it
    is marked sent and not posted twice; not found, it is sent again. The agent is told which."""
    ticket = ticket_for_user(request.user, ticket_id)
    message = get_object_or_404(ticket.messages, pk=message_id, direction=Message.Direction.OUTBOUND)
    looked = message.delivery_state == Message.Delivery.UNKNOWN
    if looked and message.delivery_checked_at is None:
        if reply_look_up(message) == Message.Delivery.SENT:
            messages.success(
                request, "That reply had reached the customer: it is now marked sent, and was not sent again."
            )
            return _back(request, ticket)
        message.refresh_from_db()
        if message.delivery_checked_at is None:  # the channel could not be asked
            messages.error(request, f"Not sent again. {message.delivery_error}")
            return _back(request, ticket)
    try:
        retried = ticket_retry_reply(ticket=ticket, message=message, actor=request.user)
    except ReplyRefused as refused:  # a platform's window closed since (channels/send_rules.py)
        messages.error(request, f"Not sent again. {refused}")
        return _back(request, ticket)
    if retried:
        words = "It was not on the channel when we looked, so it" if looked else "The reply"
        messages.success(request, f"{words} is queued to be sent again.")
    return _back(request, ticket)


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
    try:
        ticket_assign(ticket=ticket, assignee=assignee, actor=request.user)
    except InvalidChange as refused:
        return render_ticket(request, ticket, status=REFUSED, action_error=str(refused))
    return _back(request, ticket)


@require_POST
def set_status(request, ticket_id):
    ticket = ticket_for_user(request.user, ticket_id)
    try:
        ticket_set_status(ticket=ticket, status=request.POST.get("status", ""), actor=request.user)
    except InvalidChange as refused:
        return render_ticket(request, ticket, status=REFUSED, action_error=str(refused))
    return _back(request, ticket)


@require_POST
def set_priority(request, ticket_id):
    ticket = ticket_for_user(request.user, ticket_id)
    chosen = request.POST.get("priority", "")
    try:
        ticket_set_priority(
            ticket=ticket, priority=int(chosen) if chosen.isdigit() else -1, actor=request.user
        )
    except InvalidChange as refused:
        return render_ticket(request, ticket, status=REFUSED, action_error=str(refused))
    return _back(request, ticket)


@require_POST
def set_safety(request, ticket_id):
    """Mark a ticket a safety report the detector missed, or clear a false alarm."""
    ticket = ticket_for_user(request.user, ticket_id)
    try:
        ticket_set_safety(ticket=ticket, category=request.POST.get("category", ""), actor=request.user)
    except InvalidChange as refused:
        return render_ticket(request, ticket, status=REFUSED, action_error=str(refused))
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
    """The composer's buttons: an internal note, a reply, or a reply that also resolves; after a
    collision (a colleague replied since the page was opened), Send anyway, Save as note or Cancel.

    Each rendering of the composer carries its own token (`once`), stored with what it wrote: the
    same composer posted again (a double click, a resent request) stores nothing more and answers
    as the first post did, so the customer gets one answer. A different text from a used composer
    (a page restored with Back) is refused with the text kept and a fresh token, never dropped.
    """
    ticket = ticket_for_user(request.user, ticket_id)
    text, action = request.POST.get("text", ""), request.POST.get("action", "")
    once = request.POST.get("once", "")[:64] or None
    reply_as = "private" if request.POST.get("reply_as") == "private" else "public"
    if action == "cancel":  # a collision's Cancel: nothing is stored, the draft stays to be edited
        notice = cancelled_words(request.POST, ticket, request.user)
        return render_ticket(request, ticket, composer_notice=notice, draft=text, reply_as=reply_as)
    if action not in COMPOSER_ACTIONS:  # never guess: a note taken for a reply would reach the customer
        return render_ticket(
            request, ticket, status=REFUSED, composer_error="Choose Send or Add internal note.", draft=text
        )
    if action == "note":  # also a collision's Save as note: the draft kept for colleagues only
        return _note(request, ticket, text, once)
    collision = collision_of(request.POST, ticket, request.user)
    if collision:
        return _collided(request, ticket, collision, text, once, reply_as)
    try:
        ticket_reply(
            ticket=ticket,
            author=request.user,
            text=text,
            private=reply_as == "private",
            compose_token=once,
            resolve=action == "reply_resolve",
        )
    except AlreadyPosted:
        pass
    except ComposerReused:
        return _composer_reused(request, ticket, text, action, reply_as=reply_as)
    except ReplyRefused as refused:  # too long, empty, or a stale page offering a private reply
        return render_ticket(
            request, ticket, status=REFUSED, composer_error=str(refused), draft=text, reply_as=reply_as
        )
    return _back(request, ticket)


def _note(request, ticket, text, once):
    try:
        note_add(ticket=ticket, author=request.user, text=text, compose_token=once)
    except AlreadyPosted:
        pass
    except ComposerReused:
        return _composer_reused(request, ticket, text, "note")
    except InvalidChange as refused:
        return render_ticket(request, ticket, status=REFUSED, composer_error=str(refused), draft=text)
    return _back(request, ticket)


def _collided(request, ticket, collision, text, once, reply_as):
    """The ticket again with the colleagues' replies and the choices, the draft and its composer's token
    kept: nothing was stored, and a double click on Send anyway still sends once."""
    kept = {"once": once} if once else {}
    return render_ticket(
        request, ticket, status=409, collision=collision, draft=text, reply_as=reply_as, **kept
    )


def _composer_reused(request, ticket, text, action, **extra):
    """The ticket again, the text kept in a composer with a fresh token, so pressing the button again sends
    it."""
    words = (
        f"This reply box was already used to send another message; your text is kept below — {AGAIN[action]}."
    )
    ticket = ticket_for_user(request.user, ticket.pk)  # as it is now: the refused post changed nothing
    return render_ticket(request, ticket, status=REFUSED, composer_error=words, draft=text, **extra)
