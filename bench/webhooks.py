"""Webhooks' latency and polling's backstop, on `make run`'s whole stack.

    .venv/bin/python bench/webhooks.py                    # 100 items each way (the figures in BENCHMARKS.md)
    .venv/bin/python bench/webhooks.py --items 20         # a quick look

The stack runs as `make run` runs it (bench/stack.py: embedded SQLite database and broker, web,
worker, beat, the sandbox pushing signed webhooks) in a temporary folder; the sandbox's own customers
are paused, and this script makes customers write through its control address instead, one every
`--every` seconds, round the X mention, X DM, Facebook comment, visitor post, Messenger, Instagram
comment and Instagram DM kinds.

1. Webhooks on: each item's latency is from just before its write to when its message row was stored
   (the ticket is in the queue from that commit on): p50, p95, max. Acceptance: p95 <= 5 s.
2. `--drop` (0.3) of the webhooks lost: every item must still be stored, exactly once; the dropped
   ones are found by the accounts' reconciliation polls (every 30 s for the sandbox accounts), and
   their latency is shown apart.
The accounts' gap count (missed_by_webhooks) and webhook health are printed with the load average;
the exit status is 1 when an item is lost or doubled or the p95 is over 5 s.
"""

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stack import Stack, StackError  # noqa: E402

KINDS = ("mention", "dm", "comment", "post", "messenger", "ig_comment", "ig_dm")
P95_TARGET = 5.0
CATCH_UP_SECONDS = 120  # the dropped ones wait for a reconciliation poll


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100, help="Items written in each phase (default 100).")
    parser.add_argument("--every", type=float, default=0.5, help="Seconds between two writes (default 0.5).")
    parser.add_argument("--drop", type=float, default=0.3, help="Share of webhooks lost in phase 2 (0.3).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="oss-webhooks-") as var_dir:
        stack = Stack(Path(var_dir), DEMO_TICKETS="3")
        try:
            stack.wait_until_up()
            stack.pause_customers()
            summary = run(stack, Path(var_dir) / "oss_inbox.sqlite3", args)
        except StackError as error:
            print(f"FAILED: {error}")
            sys.exit(1)
        except Exception:
            print(f"FAILED. The last lines of make run:\n{stack.output(150)}", flush=True)
            raise
        finally:
            stack.stop()
    report(summary)
    sys.exit(0 if summary["passed"] else 1)


def run(stack, database, args):
    load_before = os.getloadavg()
    set_drop(stack, 0)
    on = write_and_wait(stack, database, args.items, args.every, "webhooks on")
    set_drop(stack, args.drop)
    dropping = write_and_wait(stack, database, args.items, args.every, f"{args.drop:.0%} dropped")
    dropped = set(webhooks(stack)["dropped_ids"]) & set(dropping["latency"])
    delivered = [seconds for item, seconds in dropping["latency"].items() if item not in dropped]
    fetched = [dropping["latency"][item] for item in dropped if item in dropping["latency"]]
    p95 = percentile(list(on["latency"].values()), 95)
    lost = on["lost"] + dropping["lost"]
    doubled = on["doubled"] + dropping["doubled"]
    return {
        "passed": not lost and not doubled and p95 is not None and p95 <= P95_TARGET,
        "items a phase": args.items,
        "one write every (s)": args.every,
        "webhooks on: post -> queue p50 / p95 / max (s)": spread(list(on["latency"].values())),
        f"{args.drop:.0%} dropped: webhooks dropped": len(dropped),
        f"{args.drop:.0%} dropped: delivered ones p50 / p95 / max (s)": spread(delivered),
        f"{args.drop:.0%} dropped: dropped ones (found by polling) p50 / p95 / max (s)": spread(fetched),
        "stored exactly once": sum(
            1 for phase in (on, dropping) for count in phase["counts"].values() if count == 1
        ),
        "lost": lost,
        "doubled": doubled,
        "accounts' gap (missed_by_webhooks) and health": accounts(database),
        "webhooks sent by the sandbox": {
            key: value for key, value in webhooks(stack).items() if key not in ("dropped_ids", "url")
        },
        "console lines with ERROR or Traceback": [
            line[:160] for line in stack.lines if "ERROR" in line or "Traceback" in line
        ][:10],
        "load average before / after": f"{fmt_load(load_before)} / {fmt_load(os.getloadavg())}",
    }


def write_and_wait(stack, database, items, every, label):
    """Write `items` messages, one every `every` s; wait until each is stored (or CATCH_UP_SECONDS
    after the last write); their latencies, and what was lost or stored twice."""
    written = {}  # external id -> when it was written (Unix time)
    started = time.monotonic()
    for n in range(items):
        kind = KINDS[n % len(KINDS)]
        before = time.time()
        item = stack.write(kind, f"Power out on block {n} ({label}); any news?")
        written[item["id"]] = before
        time.sleep(max(0.0, started + (n + 1) * every - time.monotonic()))
    deadline = time.monotonic() + CATCH_UP_SECONDS
    while True:
        stored = stored_rows(database, written)
        if len(stored) == len(written) or time.monotonic() > deadline:
            break
        time.sleep(1)
    counts = {external_id: stored.get(external_id, (0, None))[0] for external_id in written}
    latency = {
        external_id: (stored[external_id][1] - written[external_id])
        for external_id in written
        if external_id in stored
    }
    print(f"{label}: {len(stored)} of {len(written)} stored", flush=True)
    return {
        "latency": latency,
        "counts": counts,
        "lost": sorted(i for i, count in counts.items() if count == 0),
        "doubled": sorted(i for i, count in counts.items() if count > 1),
    }


def stored_rows(database, written):
    """external id -> (how many inbound rows, when the first was stored as Unix time)."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    try:
        marks = ",".join("?" * len(written))
        rows = connection.execute(
            f"SELECT external_id, COUNT(*), MIN(created_at) FROM tickets_message "
            f"WHERE direction = 'inbound' AND external_id IN ({marks}) GROUP BY external_id",
            list(written),
        ).fetchall()
    finally:
        connection.close()
    return {external_id: (count, unix(created)) for external_id, count, created in rows}


def accounts(database):
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    try:
        rows = connection.execute(
            "SELECT name, missed_by_webhooks, webhooks_unhealthy_since FROM channels_channelaccount "
            "WHERE webhooks_enabled ORDER BY name"
        ).fetchall()
    finally:
        connection.close()
    return {
        name: f"{missed} missed, {'stopped' if unhealthy else 'healthy'}" for name, missed, unhealthy in rows
    }


def webhooks(stack):
    return requests.get(f"{stack.control}/webhooks", timeout=10).json()


def set_drop(stack, share):
    requests.post(f"{stack.control}/webhooks", json={"drop": share}, timeout=10).raise_for_status()


def unix(stored_at):
    """SQLite keeps Django's UTC datetimes as text: '2026-12-07 19:02:03.123456'."""
    return datetime.fromisoformat(stored_at).replace(tzinfo=UTC).timestamp()


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def spread(values):
    if not values:
        return "none"
    median, p95 = statistics.median(values), percentile(values, 95)
    return f"{median:.2f} / {p95:.2f} / {max(values):.2f} ({len(values)} items)"


def fmt_load(load):
    return " ".join(f"{value:.2f}" for value in load)


def report(summary):
    print("\nWebhooks on make run's stack")
    for name, value in summary.items():
        print(f"  {name}: {value}")
    print("PASSED" if summary["passed"] else "FAILED")


if __name__ == "__main__":
    main()
