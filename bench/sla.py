"""Speed of the coverage clock on the default social schedule.

Run from anywhere: `.venv/bin/python bench/sla.py`. Starts are spread over a year so that the
per-date caches are not the only thing measured. "Cold" gives every call a fresh copy of the
schedule (its per-date and per-week caches empty; the per-zone table of DST days stays cached,
as it does in a running process); "warm" reuses one schedule after a pass over the same starts.
"""

import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from oss_inbox.sla.clock import (  # noqa: E402 (the path above makes a fresh clone importable)
    DEFAULT_SOCIAL,
    Schedule,
    add_coverage_time,
    coverage_between,
)

CALLS = 20_000
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)


def spread_starts(count, seed=2026):
    """Instants at random seconds across 2026, the same list on every run."""
    rng = random.Random(seed)
    return [YEAR_START + timedelta(seconds=rng.randrange(365 * 86_400)) for _ in range(count)]


def fresh_schedules(count):
    template = DEFAULT_SOCIAL
    return [Schedule(template.tz, template.weekly, template.overrides) for _ in range(count)]


def calls_per_second(call, starts, schedules):
    began = time.perf_counter()
    for start, schedule in zip(starts, schedules, strict=True):
        call(start, schedule)
    return len(starts) / (time.perf_counter() - began)


def measure(call, starts):
    """(cold, warm) calls per second; warm is the best of three passes over a warmed schedule."""
    cold = calls_per_second(call, starts, fresh_schedules(len(starts)))
    shared = [DEFAULT_SOCIAL] * len(starts)
    calls_per_second(call, starts, shared)  # fill the caches
    warm = max(calls_per_second(call, starts, shared) for _ in range(3))
    return cold, warm


def main():
    starts = spread_starts(CALLS)
    cases = [
        ("add_coverage_time, 24 h", lambda s, sch: add_coverage_time(s, timedelta(hours=24), sch)),
        ("add_coverage_time, 30 days", lambda s, sch: add_coverage_time(s, timedelta(days=30), sch)),
        ("coverage_between, 365-day span", lambda s, sch: coverage_between(s, s + timedelta(days=365), sch)),
    ]
    print(f"DEFAULT_SOCIAL (America/Chicago), {CALLS:,} starts spread over 2026, one core\n")
    print("| call | cold calls/s | cold µs/call | warm calls/s | warm µs/call |")
    print("|---|---:|---:|---:|---:|")
    for name, call in cases:
        cold, warm = measure(call, starts)
        print(f"| {name} | {cold:,.0f} | {1e6 / cold:.1f} | {warm:,.0f} | {1e6 / warm:.1f} |")


if __name__ == "__main__":
    main()
