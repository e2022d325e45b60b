"""@mentions in internal notes: "@lee can you check the outage map?" notifies Lee.

A mention names a colleague by username, or by first name when only one colleague has it; any
other @word (an X handle quoted in a note, a typo) stays plain text and notifies nobody.
"""

import re

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from oss_inbox.staff.notifications import notification_send
from oss_inbox.staff.roles import queue_workers
from oss_inbox.tickets.models import TicketEvent
from oss_inbox.tickets.services import ticket_add_note

# "@lee", "@Lee," "(@lee.park)"; not "kim@example.com" (a letter or digit before the @).
MENTION = re.compile(r"(?<![\w@])@([\w][\w.-]*\w|\w)")


def mentioned_names(text):
    """The @names in a note, lower-cased, in order, each once."""
    return list(dict.fromkeys(name.lower() for name in MENTION.findall(text)))


def colleagues_named(names, colleagues=None):
    """Active colleagues who may work the queue, matched by username, else by a first name only one has."""
    if not names:
        return []
    if colleagues is None:
        colleagues = list(queue_workers())
    found = {}
    for name in names:
        by_username = [user for user in colleagues if user.get_username().lower() == name]
        by_first_name = [user for user in colleagues if user.first_name.lower() == name]
        matches = by_username or (by_first_name if len(by_first_name) == 1 else [])
        for user in matches:
            found[user.pk] = user
    return list(found.values())


def mentions_marked(text, colleagues):
    """The note as safe HTML, each @mention of a colleague marked (<strong class="mention">); the rest
    escaped."""
    known = {name for name in mentioned_names(text) if colleagues_named([name], colleagues)}

    def mark(match):
        if match.group(1).lower() not in known:
            return escape(match.group(0))
        return format_html('<strong class="mention">{}</strong>', match.group(0))

    pieces, position = [], 0
    for match in MENTION.finditer(text):
        pieces += [escape(text[position : match.start()]), mark(match)]
        position = match.end()
    return mark_safe("".join([*pieces, escape(text[position:])]))


@transaction.atomic
def note_add(*, ticket, author, text, compose_token=None):
    """1. Store the internal note (and its timeline event; AlreadyPosted when its composer's
    `compose_token` was used before); 2. notify each colleague it @mentions, except its author,
    once, linked to the ticket (and by email once the note is committed)."""
    note = ticket_add_note(ticket=ticket, author=author, text=text, compose_token=compose_token)
    mentioned = [user for user in colleagues_named(mentioned_names(text)) if user.pk != author.pk]
    if mentioned:
        event = TicketEvent.objects.filter(
            ticket=ticket, kind=TicketEvent.Kind.NOTE, data__message=note.pk
        ).first()
        who = author.get_full_name() or author.get_username()
        summary = f"{who} mentioned you on #{ticket.pk}: {_first_line(text)}"
        link = settings.SITE_URL.rstrip("/") + reverse("inbox:ticket", args=[ticket.pk])
        body = (
            f"{who} wrote in an internal note on ticket #{ticket.pk} "
            f"({ticket.contact}):\n\n{text}\n\n{link}\n"
        )
        notification_send(recipients=mentioned, ticket=ticket, event=event, text=summary, body=body)
    return note


def _first_line(text, length=120):
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= length else line[: length - 1].rstrip() + "…"
