"""Hide and Show on a customer's public comment, from the ticket page: one call
(channels.moderation.actions.message_hide); a refusal comes back on the ticket page under the comment,
in the platform's plain words, and nothing is recorded."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from channels.base import ChannelError
from channels.moderation.actions import HideRefused, message_hide, platform_name
from oss_inbox.tickets.models import Message
from oss_inbox.tickets.selectors import ticket_for_user

from .views import in_pane, render_ticket

REFUSED = 422


@require_POST
def hide(request, ticket_id, message_id):
    """Hide the comment on its platform (hidden=true) or show it again (hidden=false)."""
    ticket = ticket_for_user(request.user, ticket_id)
    message = get_object_or_404(ticket.messages, pk=message_id, direction=Message.Direction.INBOUND)
    hidden = request.POST.get("hidden") != "false"
    try:
        changed = message_hide(message=message, hidden=hidden, actor=request.user)
    except (HideRefused, ChannelError) as refused:
        text = str(refused).strip()
        # The page adds "Nothing was changed." after it: a platform's own words may lack a full stop.
        error = {"message": message.pk, "text": text if text.endswith((".", "!", "?")) else f"{text}."}
        return render_ticket(request, ticket, status=REFUSED, moderation_error=error)
    if changed:
        where = platform_name(message)
        messages.success(request, f"Hidden on {where}." if hidden else f"Shown again on {where}.")
    if in_pane(request):
        return render_ticket(request, ticket_for_user(request.user, ticket.pk))
    return redirect("inbox:ticket", ticket.pk)
