"""A stored attachment, to the agents working the queue only (never a public media URL).

Images show in the browser; anything else downloads, so an HTML or SVG file a customer sent can
never run as a page of the app.
"""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from oss_inbox.tickets.models import Attachment
from oss_inbox.tickets.selectors import ticket_for_user


def attachment(request, ticket_id, attachment_id):
    ticket = ticket_for_user(request.user, ticket_id)
    stored = get_object_or_404(Attachment, pk=attachment_id, message__ticket=ticket)
    if not stored.file:
        raise Http404("This attachment is kept by the channel, not here.")
    try:
        content = stored.file.open("rb")
    except FileNotFoundError:
        raise Http404("The attachment's file is missing from storage.") from None
    response = FileResponse(
        content,
        as_attachment=not stored.is_image,
        filename=stored.filename or "attachment",
        content_type=stored.content_type if stored.is_image else "application/octet-stream",
    )
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Cache-Control"] = "private, max-age=3600"
    return response
