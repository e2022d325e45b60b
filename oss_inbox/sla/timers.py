"""What an SLA timer and the coverage header say, in words, for the templates."""

from dataclasses import dataclass

from django.utils import dateformat, timezone

from oss_inbox.staff.templatetags.dates import when_full

from .services import sla_state_at
from .states import SlaState


@dataclass(frozen=True)
class Timer:
    state: str  # a SlaState value: the CSS class and the colour
    text: str  # "due in 3h 12m", "breached 25m ago", "paused", "met"
    title: str  # the due time itself, in the viewer's time zone


def ticket_timer(ticket, now=None):
    """The timer of a ticket at `now`, from its stored due and at-risk instants."""
    now = now or timezone.now()
    state = sla_state_at(ticket, now)
    due = ticket.sla_due_at
    title = f"Due {due_words(due)}" if due else ""
    if state == SlaState.PAUSED:
        return Timer(state, "paused", "Waiting on the customer: the clock is stopped.")
    if state == SlaState.MET or due is None:
        return Timer(SlaState.MET, "met", "No response is due.")
    if state == SlaState.BREACHED:
        return Timer(state, f"breached {span_words(now - due)} ago", title)
    return Timer(
        state, f"due in {span_words(due - now)}", title + (" (at risk)" if state == SlaState.AT_RISK else "")
    )


def due_words(moment):
    """ "Sun, Nov 22, 2026, 1:58 PM CST" in the current (the viewer's) time zone: the app's full date
    style (staff dates.when_full), unambiguous in a hover title."""
    return when_full(moment)


def span_words(delta):
    """A duration as "2d 4h", "3h 12m", "25m" or "<1m"."""
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m" if minutes else "<1m"


def coverage_words(line, now=None):
    """ "Social media covered until 10:00 PM" or "Email: next coverage Sat 8:00 AM"."""
    now = now or timezone.now()
    if line.changes_at is None:
        return f"{line.name} covered around the clock" if line.covered else f"{line.name}: no coverage ahead"
    local = timezone.localtime(line.changes_at)
    same_day = local.date() == timezone.localtime(now).date()
    moment = dateformat.format(local, "g:i A" if same_day else "D g:i A")
    return f"{line.name} covered until {moment}" if line.covered else f"{line.name}: next coverage {moment}"
