"""Percentiles: linear interpolation between closest ranks, identical in PostgreSQL and in Python."""

import random
import statistics
from datetime import timedelta

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oss_inbox.dashboards import percentiles
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


# The exact selection (PostgreSQL, `over=`): a sample guesses windows, one scan counts below them
# and collects inside; the numbers must be percentile_cont's whatever the sample guessed.
DAY = timedelta(days=1)
FIRST = ["first_response_seconds", "first_response_coverage_seconds"]


@pytest.fixture
def many_tickets(twitter, mailbox, monkeypatch):
    # A hundred facts would sort (SAMPLE_WORTH): select them, to test the selection.
    monkeypatch.setattr(percentiles, "SAMPLE_WORTH", 0)
    contact = Contact.objects.create(name="Many")
    return Ticket.objects.bulk_create(
        [
            Ticket(account=account, contact=contact, thread_key=f"s:{n}", created_at=NOW, status="open")
            for n, account in enumerate([twitter, mailbox] * 60)
        ]
    )


def _facts(tickets, values, agents, spread):
    """Facts with these first-response seconds (None: unanswered), agents and created times
    spread over `spread` days before NOW; coverage is half the calendar value, or None for every
    seventh. Returns the queryset of the range's answered facts and the range."""
    TicketFact.objects.all().delete()
    TicketFact.objects.bulk_create(
        [
            TicketFact(
                ticket=ticket,
                source_updated_at=NOW,
                created_at=NOW - spread * DAY * (n / len(values)),
                status="open",
                channel=ticket.account.kind,
                assignee_id=agents[n % len(agents)],
                first_response_seconds=value,
                first_response_coverage_seconds=None if value is None or n % 7 == 0 else value // 2,
            )
            for n, (ticket, value) in enumerate(zip(tickets, values, strict=False))
        ]
    )
    start, end = NOW - (spread + 1) * DAY, NOW + DAY
    facts = TicketFact.objects.filter(
        created_at__gte=start, created_at__lt=end, first_response_seconds__isnull=False
    )
    return facts, ("created_at", start, end)


def _exact(facts):
    return _in_python(facts, ["channel", "assignee_id"], FIRST, (0.5, 0.9))


values_lists = st.lists(
    st.one_of(st.none(), st.integers(min_value=0, max_value=400_000), st.sampled_from([0, 60, 3600])),
    min_size=0,
    max_size=120,
)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=values_lists,
    agents=st.lists(st.integers(0, 4), min_size=1, max_size=4),
    spread=st.integers(0, 400),
)
def test_selection_equals_percentile_cont_on_any_distribution(many_tickets, values, agents, spread):
    """Ties, empty groups, one value, unanswered tickets: the same numbers as sorting them all."""
    facts, over = _facts(many_tickets, values, agents, spread)
    expected = _exact(facts)
    assert percentiles_by(facts, ["channel", "assignee_id"], FIRST, over=over) == expected
    if connection.vendor == "postgresql":
        assert percentiles._in_database(facts, ["channel", "assignee_id"], FIRST, (0.5, 0.9)) == expected


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=values_lists, agents=st.lists(st.integers(0, 4), min_size=1, max_size=4))
def test_selection_from_narrow_windows_is_exact_or_sorts(many_tickets, monkeypatch, values, agents):
    """A large sample and windows of a fraction of a standard error: ranks often fall outside them;
    each is then found by sorting, never guessed."""
    monkeypatch.setattr(percentiles, "SAMPLE_SHARE", 0.5)
    monkeypatch.setattr(percentiles, "SAMPLE_ENOUGH", 3)
    monkeypatch.setattr(percentiles, "WINDOW_ERRORS", 0.2)
    facts, over = _facts(many_tickets, values, agents, 30)
    assert percentiles_by(facts, ["channel", "assignee_id"], FIRST, over=over) == _exact(facts)


@pytest.mark.django_db
@pytest.mark.postgres  # the selection runs on PostgreSQL only
def test_selection_does_not_sort_when_the_sample_holds_the_ranks(many_tickets, monkeypatch):
    """Sampling every row puts each wanted rank inside its window: no percentile_cont at all, and
    the numbers (before and after the facts change) are still the exact ones."""
    monkeypatch.setattr(percentiles, "SAMPLE_SHARE", 1.0)
    monkeypatch.setattr(percentiles, "SAMPLE_SLICES", 1)

    def no_sort(*args):
        raise AssertionError("fell back to sorting")

    monkeypatch.setattr(percentiles, "_in_database", no_sort)
    rng = random.Random(11)
    for _ in range(2):  # the second time, every value changed
        values = [rng.choice([None, rng.randrange(0, 90_000), 1800]) for _ in many_tickets]
        facts, over = _facts(many_tickets, values, [1, 2, 3], 200)
        found = percentiles_by(facts, ["channel", "assignee_id"], FIRST, over=over)
        assert found == _exact(facts)
        answered = sorted(value for value in values if value is not None)
        assert found[ALL]["first_response_seconds"] == [percentile(answered, 0.5), percentile(answered, 0.9)]


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=values_lists, agents=st.lists(st.integers(0, 4), min_size=1, max_size=4))
def test_agents_get_only_the_median_the_page_shows(many_tickets, values, agents):
    facts, over = _facts(many_tickets, values, agents, 60)
    exact = _exact(facts)
    shown = {"assignee_id": {"first_response_seconds": (0.5,)}}
    for found in (
        percentiles_by(facts, ["channel", "assignee_id"], FIRST, over=over, shown=shown),
        percentiles_by(facts, ["channel", "assignee_id"], FIRST, shown=shown),
    ):
        agents_found = {key: value for key, value in found.items() if key != ALL and key[0] == "assignee_id"}
        assert agents_found == {
            key: {"first_response_seconds": [value["first_response_seconds"][0]]}
            for key, value in exact.items()
            if key != ALL and key[0] == "assignee_id" and value["first_response_seconds"][0] is not None
        }
        assert {key: value for key, value in found.items() if key not in agents_found} == {
            key: value for key, value in exact.items() if key == ALL or key[0] == "channel"
        }
