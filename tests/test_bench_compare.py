"""bench/compare.py's side-by-side table and its loopback-only rule (no server is started here)."""

import math

import pytest

from bench.compare import Row, Stats, format_table, loopback_only, main, percentile

SIZES = {"OSS Inbox": "1,000 tickets, 3,400 messages", "django-helpdesk": "1,000 tickets, 2,400 follow-ups"}
LOADS = [(1.0, 0.5, 0.25), (2.5, 1.25, 0.5)]


def test_table_puts_both_apps_side_by_side_with_the_ratios():
    rows = [
        Row(
            "Queue page (All open)",
            1,
            Stats(12.5, 20.0, 75.0, 100, cpu_ms=(9.0, 1.0)),
            Stats(250.0, 400.0, 4.0, 100, cpu_ms=(120.0, 80.0)),
        ),
        Row("Unchanged refresh (304)", 8, Stats(3.0, 5.5, 900.0, 200, cpu_ms=(1.5, 0.5)), None),
        Row(
            "Dashboard, 30 days",
            1,
            Stats(100.0, 150.0, 9.5, 100),
            Stats(3900.0, 4100.0, 0.3, 8),
            "whole history",
        ),
    ]

    table = format_table(rows, SIZES, LOADS, workers=5, peer=True).splitlines()

    sizes = "OSS Inbox 1,000 tickets, 3,400 messages; django-helpdesk 1,000 tickets, 2,400 follow-ups"
    assert sizes in table[0]
    assert "at start 1.00 / 0.50 / 0.25, at end 2.50 / 1.25 / 0.50" in table[1]
    queue = (
        "| Queue page (All open) | 1 | 12.5 / 20.0 | 75.0 | 9.0 + 1.0 | 250.0 / 400.0 | 4.0 | 120.0 + 80.0 |"
    )
    assert f"{queue} 20.0x | 20.0x |" in table
    # The peer has no refresh check: its cells and the ratios stay empty rather than invented.
    assert "| Unchanged refresh (304) | 8 | 3.0 / 5.5 | 900.0 | 1.5 + 0.5 | — | — | — | — | — |" in table
    # No CPU figures (PostgreSQL elsewhere): the ratio of the medians alone.
    dashboard = (
        "| Dashboard, 30 days | 1 | 100.0 / 150.0 | 9.5 | — | 3,900.0 / 4,100.0 (whole history) | 0.3 | — |"
    )
    assert f"{dashboard} 39.0x | — |" in table


def test_without_a_peer_the_table_has_oss_inbox_column_only():
    rows = [Row("Ticket page", 1, Stats(14.2, 16.4, 68.0, 100, cpu_ms=(10.25, 2.0)))]

    table = format_table(rows, {"OSS Inbox": "10 tickets, 34 messages"}, LOADS, workers=5, peer=False)

    assert "| Ticket page | 1 | 14.2 / 16.4 | 68.0 | 10.2 + 2.0 |" in table.splitlines()
    assert "django-helpdesk" not in table


def test_percentiles_are_nearest_rank():
    ordered = list(range(1, 101))
    assert (percentile(ordered, 0.5), percentile(ordered, 0.95)) == (50, 95)
    assert percentile([7.0], 0.95) == 7.0


@pytest.mark.parametrize(
    "url",
    [
        "postgres://postgres@db.example.com:5432/oss_bench1m",
        "postgres://postgres@10.0.0.5/helpdesk_100k",
        "redis://cache.internal:6379/11",
    ],
)
def test_it_refuses_anything_not_on_this_machine(url):
    with pytest.raises(SystemExit, match="this machine only"):
        loopback_only(url)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_it_accepts_loopback(host):
    url = f"postgres://postgres@{host}:5432/oss_bench1m"
    assert loopback_only(url) == url


def test_a_remote_peer_database_is_refused_before_anything_starts(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/oss_compare")
    with pytest.raises(SystemExit, match="this machine only"):
        main(["--peer-database", "postgres://postgres@helpdesk.example.com/helpdesk"])


def test_a_page_that_never_answered_says_so_instead_of_a_time():
    rows = [
        Row(
            "Dashboard, 365 days",
            1,
            Stats(400.0, 600.0, 2.5, 60),
            Stats(math.nan, math.nan, 0.0, 0, failed=2),
        )
    ]

    table = format_table(rows, SIZES, LOADS, workers=5, peer=True)

    assert "| 400.0 / 600.0 | 2.5 | — | none answered (2 failed) | 0 | — | — | — |" in table
