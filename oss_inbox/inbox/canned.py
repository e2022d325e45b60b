"""Canned responses: which ones a ticket offers, and their text filled for that ticket."""

import re

from django.db.models import Q

from oss_inbox.sla.storm_state import current_storm

from .models import CannedResponse

PLACEHOLDER = re.compile(r"\{\{\s*(customer\.first_name|agent\.first_name|ticket\.id)\s*\}\}")


CANNED_KEY = "inbox:canned-offered"  # (name, channel, storm) rows; the old key held pairs


def canned_for_ticket(ticket):
    return CannedResponse.objects.filter(Q(channel_kind="") | Q(channel_kind=ticket.account.kind))


def canned_names(ticket):
    """The names the ticket's composer offers, by name (storm ones first while storm mode is on);
    cached until a canned response changes."""
    from oss_inbox.cached import cached_list

    offered = cached_list(
        CANNED_KEY, lambda: CannedResponse.objects.values_list("name", "channel_kind", "storm")
    )
    names = [(name, storm) for name, kind, storm in offered if kind in ("", ticket.account.kind)]
    if current_storm() is not None:
        names.sort(key=lambda pair: not pair[1])  # stable: still by name within each group
    return [name for name, _ in names]


def canned_fill(text, *, ticket, agent):
    """Replace the known placeholders; anything else in braces is left as the agent wrote it."""
    values = {
        "customer.first_name": _first_name(ticket.contact.name) or "there",
        "agent.first_name": agent.first_name or agent.get_username(),
        "ticket.id": str(ticket.pk),
    }
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def _first_name(name):
    words = name.split()
    if not words:
        return ""
    return words[0].lstrip("@")
