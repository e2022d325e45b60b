"""The composer's counter, as the server counts: asked by htmx while the agent types (templates/inbox/
_composer.html), so the browser holds no copy of any channel's length rule."""

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from oss_inbox.tickets.models import Message
from oss_inbox.tickets.selectors import ticket_for_user

from .composer import reply_counter


@require_http_methods(["GET", "POST"])
def reply_count(request, ticket_id):
    """The counter partial for `text` answered as `reply_as` ("public" or "private") on this ticket."""
    ticket = ticket_for_user(request.user, ticket_id)
    data = request.POST if request.method == "POST" else request.GET
    counter = reply_counter(
        ticket.account.kind,
        data.get("text", ""),
        answered_kind=_answered_kind(ticket),
        private=data.get("reply_as") == "private",
    )
    return render(request, "inbox/_composer.html#reply-counter", {"counter": counter})


def _answered_kind(ticket):
    """The kind of the customer's latest message, which a reply answers (as tickets.services does)."""
    latest = ticket.messages.filter(direction=Message.Direction.INBOUND).order_by("-sent_at", "-id")
    return latest.values_list("kind", flat=True).first() or ""
