"""Two agents claim one ticket at the same instant, on two real PostgreSQL connections: one wins."""

import pytest

from oss_inbox.tickets.models import Ticket, TicketEvent
from oss_inbox.tickets.services import ClaimConflict, ticket_claim

from ..conftest import queue_worker
from ..tickets.test_ingest_concurrency import run_concurrently
from .conftest import open_ticket

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def claim_job(ticket, user, outcomes):
    """A thread's work: claim the ticket as the user, noting ("won", user) or ("lost", who won)."""

    def job():
        try:
            ticket_claim(ticket=Ticket.objects.get(pk=ticket.pk), user=user)
            outcomes.append(("won", user.pk))
        except ClaimConflict as conflict:
            outcomes.append(("lost", conflict.ticket.assignee_id))

    return job


def test_two_concurrent_claims_exactly_one_wins(twitter):
    agent, other_agent = queue_worker("dana"), queue_worker("lee")
    for _ in range(3):  # the race is real; give it a few chances to bite
        ticket = open_ticket(twitter)
        outcomes = []
        run_concurrently(claim_job(ticket, agent, outcomes), claim_job(ticket, other_agent, outcomes))
        ticket.refresh_from_db()
        winners = [who for result, who in outcomes if result == "won"]
        assert len(winners) == 1 and ticket.assignee_id == winners[0]
        assert ("lost", winners[0]) in outcomes  # the loser is told who won
        assert ticket.events.filter(kind=TicketEvent.Kind.CLAIMED).count() == 1
