"""Percentiles: linear interpolation between closest ranks, identical in PostgreSQL and in Python."""

import random
import statistics

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from oss_inbox.dashboards.models import TicketFact
from oss_inbox.dashboards.percentiles import ALL, _in_python, percentile, percentiles_by
from oss_inbox.tickets.models import Contact, Ticket

from .history import NOW


def test_no_values_have_no_percentile():
    assert percentile([], 0.5) is None


def test_one_value_is_every_percentile():
    assert percentile([7], 0.5) == percentile([7], 0.9) == 7


def test_median_of_an_even_count_is_halfway():
    assert percentile([10, 20, 30, 40], 0.5) == 25


def test_ninetieth_interpolates_between_the_two_closest_ranks():
    # Position 0.9 * (5 - 1) = 3.6: 40 + 0.6 * (100 - 40).
    assert percentile([10, 20, 30, 40, 100], 0.9) == pytest.approx(76)


@given(st.lists(st.integers(min_value=0, max_value=10**7), min_size=2, max_size=60))
def test_matches_the_inclusive_method_of_the_standard_library(values):
    deciles = statistics.quantiles(values, n=10, method="inclusive")
    assert percentile(sorted(values), 0.9) == pytest.approx(deciles[8], rel=1e-12, abs=1e-6)
    assert percentile(sorted(values), 0.5) == pytest.approx(statistics.median(values), rel=1e-12, abs=1e-6)


@pytest.mark.django_db
def test_database_and_python_give_the_same_numbers(twitter, mailbox):
    """On PostgreSQL percentile_cont runs in the database; it must equal the Python path exactly."""
    rng = random.Random(7)
    contact = Contact.objects.create(name="Many")
    tickets = Ticket.objects.bulk_create(
        [
            Ticket(
                account=account, contact=contact, thread_key=f"p:{number}", created_at=NOW, status="resolved"
            )
            for number, account in enumerate([twitter, mailbox] * 37)
        ]
    )
    TicketFact.objects.bulk_create(
        [
            TicketFact(
                ticket=ticket,
                source_updated_at=NOW,
                created_at=NOW,
                status="resolved",
                channel=ticket.account.kind,
                first_response_seconds=rng.randrange(0, 400_000),
                first_response_coverage_seconds=None if number % 5 == 0 else rng.randrange(0, 90_000),
            )
            for number, ticket in enumerate(tickets)
        ]
    )
    measures = ["first_response_seconds", "first_response_coverage_seconds"]
    facts = TicketFact.objects.all()
    expected = _in_python(facts, ["channel", "status"], measures, (0.5, 0.9))
    assert percentiles_by(facts, ["channel", "status"], measures) == expected
    assert set(expected) == {ALL, ("channel", "twitter"), ("channel", "email"), ("status", "resolved")}
    values = sorted(facts.values_list("first_response_seconds", flat=True))
    assert expected[ALL]["first_response_seconds"] == [percentile(values, 0.5), percentile(values, 0.9)]
    assert connection.vendor in ("postgresql", "sqlite")
