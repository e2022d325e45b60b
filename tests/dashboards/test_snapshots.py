"""Percentile snapshots: the page's medians and 90th percentiles are kept per filter combination,
and are never older than the facts (snapshots.py). Hand-computed values as in test_metrics.py."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from oss_inbox.dashboards import selectors, snapshots
from oss_inbox.dashboards.filters import Filters, local_today
from oss_inbox.dashboards.models import PercentileSnapshot, RollupState
from oss_inbox.dashboards.page import Sections
from oss_inbox.dashboards.percentiles import ALL
from oss_inbox.dashboards.rollup import rollup_rebuild, rollup_refresh
from oss_inbox.dashboards.tasks import refresh_rollup
from oss_inbox.tickets.models import Ticket

from .history import NOW, at, build

pytestmark = pytest.mark.django_db

RANGE = Filters(date(2026, 10, 31), date(2026, 11, 30))


@pytest.fixture
def world(twitter, facebook, mailbox, agent, other_agent):
    made = build(twitter=twitter, facebook=facebook, mailbox=mailbox, dana=agent, lee=other_agent)
    rollup_refresh()
    return made


@pytest.fixture
def no_computing(monkeypatch):
    """Reading the percentiles must not compute them (call after the snapshot is in place)."""

    def refuse(filters):
        raise AssertionError("percentiles computed instead of read from the snapshot")

    def forbid():
        monkeypatch.setattr(selectors, "first_response_percentiles", refuse)
        monkeypatch.setattr(selectors, "resolution_percentiles", refuse)

    return forbid


def times(filters=RANGE, now=NOW):
    return Sections(filters, now, staff=[]).times


def change_t6_first_response(world, hours):
    """T6 (X, Lee, Mon Nov 23 09:00) answered `hours` after it arrived instead of 30 minutes."""
    Ticket.objects.filter(pk=world["T6"].pk).update(
        first_response_at=at("2026-11-23 09:00") + timedelta(hours=hours), updated_at=timezone.now()
    )


def test_a_snapshot_holds_the_computed_numbers_and_the_next_read_uses_it(world, no_computing, other_agent):
    first = times()
    # test_metrics: first responses 1800, 45000, 61200, 70200, 129600; resolutions 48600, 72000, 151500.
    assert first[ALL]["first_response_seconds"] == [61200, 105840]
    assert first[ALL]["resolution_coverage_seconds"] == [7200, 27600]
    no_computing()
    assert times() == first
    # The agents table's medians come from the same snapshot: Lee's T6 1800 and T2 129600.
    by_agent = Sections(RANGE, NOW, staff=[]).first_response_percentiles
    assert by_agent[("assignee_id", other_agent.pk)]["first_response_seconds"][0] == 65700
    assert PercentileSnapshot.objects.count() == 1


def test_snapshot_values_equal_a_fresh_computation_exactly(world):
    stored = snapshots.response_percentiles(RANGE, NOW)  # computed and kept
    read = snapshots.response_percentiles(RANGE, NOW)  # read back from JSON
    direct = (selectors.first_response_percentiles(RANGE), selectors.resolution_percentiles(RANGE))
    assert read == stored == direct
    assert ("assignee_id", world["T1"].assignee_id) in read[0] and ("channel", "email") in read[1]


def test_each_filter_combination_has_its_own_snapshot(world, agent):
    email = Filters(RANGE.start, RANGE.end, channel="email")
    assert times(email)[ALL]["first_response_seconds"] == [95400, 122760]  # T2 129600, T5 61200
    assert times()[ALL]["first_response_seconds"] == [61200, 105840]
    dana = Filters(RANGE.start, RANGE.end, agent=agent.pk)
    # Dana's: T1 45000, T5 61200, T9 70200.
    assert times(dana)[ALL]["first_response_seconds"] == [61200, 68400]
    assert PercentileSnapshot.objects.count() == 3


def test_a_refresh_that_changes_facts_makes_the_page_compute_again(world):
    assert times()[ALL]["first_response_seconds"] == [61200, 105840]
    change_t6_first_response(world, hours=20)
    assert rollup_refresh().refreshed == 1
    # T6 now 72000: 45000, 61200, 70200, 72000, 129600 -> median 70200, 90th 72000 + 0.6 * 57600.
    assert times()[ALL]["first_response_seconds"] == [70200, 106560]


def test_a_refresh_with_nothing_to_do_keeps_the_snapshot(world, no_computing):
    times()
    assert rollup_refresh().refreshed == 0
    no_computing()
    assert times()[ALL]["first_response_seconds"] == [61200, 105840]


def test_a_rebuild_makes_every_snapshot_out_of_date(world):
    times()
    version = RollupState.objects.get(pk=1).facts_version
    rollup_rebuild()
    assert RollupState.objects.get(pk=1).facts_version > version
    assert not PercentileSnapshot.objects.filter(
        facts_version=RollupState.objects.get(pk=1).facts_version
    ).exists()


def test_beat_recomputes_the_snapshots_pages_read_so_the_next_page_reads_them(world, no_computing):
    real_now = timezone.now()
    times(now=real_now)  # read just now, so beat keeps it up to date
    change_t6_first_response(world, hours=20)
    refresh_rollup()  # the facts move on, then the snapshots follow
    no_computing()
    assert times(now=real_now)[ALL]["first_response_seconds"] == [70200, 106560]


def test_beat_leaves_views_nobody_read_lately_and_forgets_old_ones(world):
    now = timezone.now()
    old = Filters(RANGE.start, date(2026, 11, 29))
    forgotten = Filters(RANGE.start, date(2026, 11, 28))
    snapshots.response_percentiles(RANGE, now - timedelta(minutes=16))
    snapshots.response_percentiles(old, now - timedelta(hours=3))
    snapshots.response_percentiles(forgotten, now - timedelta(days=2))
    change_t6_first_response(world, hours=20)
    rollup_refresh()
    snapshots.refresh_snapshots(now, seconds=60)
    version = RollupState.objects.get(pk=1).facts_version
    kept = dict(PercentileSnapshot.objects.values_list("key", "facts_version"))
    assert kept[RANGE.query()] < version and kept[old.query()] < version  # not read in the last 15 minutes
    assert forgotten.query() not in kept


def test_beat_prepares_the_default_views_before_anyone_asks(world):
    now = timezone.now()
    computed = snapshots.refresh_snapshots(now, seconds=60)
    today = local_today(now)
    ready = set(PercentileSnapshot.objects.values_list("key", flat=True))
    assert computed == 2
    assert ready == {Filters(today - timedelta(days=days - 1), today).query() for days in (30, 365)}
    assert snapshots.refresh_snapshots(now, seconds=60) == 0  # nothing changed since


def test_beat_stops_starting_new_computations_after_its_time(world):
    assert snapshots.refresh_snapshots(timezone.now(), seconds=-1) == 0


@pytest.mark.parametrize(
    "filters",
    [
        Filters(date(2026, 1, 1), date(2026, 12, 31)),
        Filters(date(2026, 11, 1), date(2026, 11, 30), channel="email", agent=0, key_accounts=True),
        Filters(date(2026, 11, 30), date(2026, 11, 30), agent=42),
    ],
)
def test_a_snapshot_key_gives_back_its_filters(filters):
    assert Filters.from_query(filters.query()) == filters


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_both_kinds_are_computed_side_by_side_with_the_same_numbers(
    twitter, facebook, mailbox, agent, other_agent, monkeypatch
):
    """On PostgreSQL the resolutions are computed on a second connection at the same time; the
    numbers are the hand-computed ones all the same (test_metrics.py)."""
    build(twitter=twitter, facebook=facebook, mailbox=mailbox, dana=agent, lee=other_agent)
    rollup_refresh()
    monkeypatch.setattr(snapshots, "SIDE_BY_SIDE_FACTS", 0)
    own = []
    on_own_connection = snapshots._on_own_connection
    monkeypatch.setattr(
        snapshots, "_on_own_connection", lambda *args: own.append(1) or on_own_connection(*args)
    )
    first, resolution = snapshots.both_percentiles(RANGE)
    assert own == ([1] if connection.vendor == "postgresql" else [])
    assert first[ALL]["first_response_seconds"] == [61200, 105840]
    assert resolution == selectors.resolution_percentiles(RANGE)
    assert resolution[ALL]["resolution_seconds"] == [72000, 135600]
