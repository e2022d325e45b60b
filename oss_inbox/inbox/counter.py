"""The composer's counter, as the server counts: asked by htmx while the agent types (templates/inbox/
_composer.html), so the browser holds no copy of any channel's length rule, nor of the platforms'
send rules, whose refusal or warnings come with the count."""

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from oss_inbox.tickets.models import Message
from oss_inbox.tickets.selectors import ticket_for_user
from oss_inbox.tickets.services.reply_rules import reply_rules_check

from .composer import reply_counter


@require_http_methods(["GET", "POST"])
def reply_count(request, ticket_id):
    """The counter partial for `text` answered as `reply_as` ("public" or "private") on this ticket."""
    ticket = ticket_for_user(request.user, ticket_id)
    data = request.POST if request.method == "POST" else request.GET
    text, private = data.get("text", ""), data.get("reply_as") == "private"
    answered = _answered(ticket)
    answered_kind = answered.kind if answered else ""
    counter = reply_counter(ticket.account.kind, text, answered_kind=answered_kind, private=private)
    # The platforms' rules too (a post that did not mention us, a closed Messenger window, a link's
    # price), so the agent reads the reason before pressing Send (tickets.services.reply_rules).
    rules = (
        reply_rules_check(ticket=ticket, text=text, private=private, answered=answered) if answered else None
    )
    return render(request, "inbox/_composer.html#reply-counter", {"counter": counter, "rules": rules})


def _answered(ticket):
    """The customer's latest message, which a reply answers (as tickets.services does)."""
    latest = ticket.messages.filter(direction=Message.Direction.INBOUND).order_by("-sent_at", "-id")
    return latest.defer("html").first()
