"""Two agents claim one ticket at the same instant, on two real PostgreSQL connections: one wins."""

import pytest
from django.contrib.auth.models import User

from oss_inbox.tickets.models import Ticket, TicketEvent
from oss_inbox.tickets.services import ClaimConflict, ticket_claim

from ..tickets.test_ingest_concurrency import run_concurrently
from .conftest import open_ticket

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_claims_exactly_one_wins(twitter):
    # Plain users: earlier transactional tests flush the role groups, and the claim service checks no role.
    agent, other_agent = (User.objects.create_user(name, first_name=name.title()) for name in ("dana", "lee"))
    for _ in range(3):  # the race is real; give it a few chances to bite
        ticket = open_ticket(twitter)
        outcomes = []

        def claim_as(user):
            def job():
                try:
                    ticket_claim(ticket=Ticket.objects.get(pk=ticket.pk), user=user)
                    outcomes.append(("won", user.pk))
                except ClaimConflict as conflict:
                    outcomes.append(("lost", conflict.ticket.assignee_id))

            return job

        run_concurrently(claim_as(agent), claim_as(other_agent))
        ticket.refresh_from_db()
        winners = [who for result, who in outcomes if result == "won"]
        assert len(winners) == 1 and ticket.assignee_id == winners[0]
        assert ("lost", winners[0]) in outcomes  # the loser is told who won
        assert ticket.events.filter(kind=TicketEvent.Kind.CLAIMED).count() == 1
