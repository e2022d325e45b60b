"""Items per second through parse + ingest, in batches of 1,000, on the configured database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oss_bench python bench/ingest.py --batches 5

Each batch is one X API v2 mentions response (with the author expansion) of 1,000 tweets from
customers of whom a third wrote before, parsed by channels.twitter.parse and stored by
tickets.services.ingest, as a poll does. Prints a markdown table.

Besides wall-clock rates it prints CPU time per item, of this process and (when PostgreSQL runs on
this machine, so its backend's /proc/PID/stat is readable) of the PostgreSQL backend serving it:
on a machine busy with other work the wall-clock rate falls, the CPU cost per item does not.

The tweets are ordinary utility traffic (outages, bills, trees, streetlights, payments), none of
them a safety report. `--safety-share 0.02` makes that share of them emergencies (a downed line, a
gas smell, oxygen at home...), so that a safety ticket's follow-up (escalation, the safety advice
reply) is paid for too. `--time-safety` also prints the CPU time per item spent in ingest's safety
steps (`Batch._detect_safety`, `Batch._safety_follow_up`), where the code has them (each figure
includes about 1 µs of the timer's own cost per call). `--skip-detector` makes `_detect_safety` do
nothing, to tell the detector's cost from that of the rest of the code around it.
`--assignment round_robin` (or `capacity`) turns automatic assignment on, with agents on shift who have
room for every ticket, so that each new ticket is assigned and gets its timeline event.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oss_inbox.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from channels.models import ChannelAccount  # noqa: E402
from channels.twitter.parse import parse_mentions  # noqa: E402
from oss_inbox.backend_cpu import backend_cpu  # noqa: E402
from oss_inbox.tickets.services import ingest  # noqa: E402

TEXTS = (
    "@PrairieEGHelp power out on {street} since 6am, any ETA?",
    "@PrairieEGHelp my bill doubled this month and nothing changed at home. Can someone look?",
    "@PrairieEGHelp tree limbs are touching the lines behind {street}. Who trims those?",
    "@PrairieEGHelp streetlight at {street} and 5th has been out for a week",
    "@PrairieEGHelp can I set up a payment arrangement online? Account ends in {n}",
)
STREETS = ("Elm St", "Oak Ave", "Maple Dr", "Cedar Ln", "Prairie Rd", "Main St")
# Emergencies as customers tweet them, English and Spanish: each one the detector fires on.
SAFETY_TEXTS = (
    "@PrairieEGHelp power line down on {street}, sparking in the grass!!",
    "@PrairieEGHelp the transformer on the pole behind {street} is on fire",
    "@PrairieEGHelp strong gas smell by the meter at {street}",
    "@PrairieEGHelp wires hanging low over {street}, kids walk here",
    "@PrairieEGHelp hay un cable caído en {street}, está echando chispas",
    "@PrairieEGHelp my dad is on oxygen and the power is out on {street}",
    "@PrairieEGHelp loud boom and the transformer blew up on {street}",
    "@PrairieEGHelp huele a gas en {street}",
    "@PrairieEGHelp smoke coming out of the meter box at {street}!!",
    "@PrairieEGHelp water is flooding the basement around the electrical panel, {street}",
)
SAFETY_STEPS = ("_detect_safety", "_safety_follow_up")  # Batch methods timed by --time-safety


def mentions_response(rng, first_id, size, customers, safety_share=0.0):
    base = datetime.now(UTC) - timedelta(hours=1)
    tweets, users = [], {}
    for n in range(size):
        texts = SAFETY_TEXTS if safety_share and rng.random() < safety_share else TEXTS
        author = rng.choice(customers)
        users[author] = {"id": author, "username": f"customer{author}", "name": f"Customer {author}"}
        tweet_id = str(first_id + n)
        tweets.append(
            {
                "id": tweet_id,
                "text": rng.choice(texts).format(street=rng.choice(STREETS), n=rng.randint(1000, 9999)),
                "author_id": author,
                "conversation_id": tweet_id,
                "created_at": (base + timedelta(milliseconds=n)).isoformat().replace("+00:00", "Z"),
                "edit_history_tweet_ids": [tweet_id],
            }
        )
    tweets.reverse()  # newest first, as X answers
    return {"data": tweets, "includes": {"users": list(users.values())}, "meta": {"result_count": size}}


def time_safety_steps():
    """Wrap ingest's safety steps with CPU timers: returns {step: seconds}, filled as they run
    (empty for code without them, as before the detector was wired into ingest)."""
    from oss_inbox.tickets.services import batch

    spent = {}
    for name in SAFETY_STEPS:
        step = getattr(batch.Batch, name, None)
        if step is None:
            continue
        spent[name] = 0.0

        def timed(self, *args, step=step, name=name, **kwargs):
            started = time.process_time()
            try:
                return step(self, *args, **kwargs)
            finally:
                spent[name] += time.process_time() - started

        setattr(batch.Batch, name, timed)
    return spent


def bench_assignment(mode, agents=10):
    """The bench account's automatic assignment; on, `agents` fresh agents signed in and available,
    each with room for any number of tickets (the ones of earlier runs are marked away)."""
    from django.contrib.auth.models import Group, User
    from django.contrib.sessions.backends.db import SessionStore

    from oss_inbox.staff.last_seen import SEEN_KEY
    from oss_inbox.staff.models import StaffProfile

    ChannelAccount.objects.update_or_create(
        name="bench X",
        defaults={"kind": "twitter", "self_external_id": "1500000000000000001", "assignment": mode},
    )
    StaffProfile.objects.filter(user__username__startswith="bench-agent-").update(available=False)
    if not mode:
        return
    run_id = random.randrange(10**9)
    for n in range(agents):
        user = User.objects.create_user(f"bench-agent-{run_id}-{n}", first_name=f"Agent {n}")
        user.groups.add(Group.objects.get(name="Agent"))
        StaffProfile.objects.create(user=user, available=True, capacity=32767)
        session = SessionStore()
        session.update({"_auth_user_id": str(user.pk), SEEN_KEY: int(time.time())})
        session.create()


def run(batches, size, seed, safety_share=0.0):
    rng = random.Random(seed)
    account, _ = ChannelAccount.objects.get_or_create(
        name="bench X", defaults={"kind": "twitter", "self_external_id": "1500000000000000001"}
    )
    first_id = 1_900_000_000_000_000_000 + rng.randrange(10**12)
    customers = [str(10_000_000 + n) for n in range(size * batches * 2 // 3)]
    rates, cpu, backend = [], [], []
    for batch in range(batches):
        response = mentions_response(rng, first_id + batch * size, size, customers, safety_share)
        backend_before = backend_cpu()
        started, cpu_started = time.perf_counter(), time.process_time()
        items = parse_mentions(response)
        result = ingest(account, items, {"mentions_since_id": response["data"][0]["id"]})
        elapsed, cpu_used = time.perf_counter() - started, time.process_time() - cpu_started
        if backend_before is not None:
            backend.append((backend_cpu() - backend_before) / size * 1e6)
        if result.stored != size:
            sys.exit(f"only {result.stored} of {size} stored; first errors: {result.errors[:3]}")
        rates.append(size / elapsed)
        cpu.append(cpu_used / size * 1e6)
        print(f"batch {batch + 1}: {size / elapsed:,.0f} items/s, {cpu[-1]:,.0f} µs CPU/item here"
              + (f" + {backend[-1]:,.0f} µs in PostgreSQL" if backend else "")
              + f" ({result.tickets_opened} new tickets)", file=sys.stderr)  # fmt: skip
    return rates, cpu, backend


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument(
        "--seed", type=int, default=None, help="Same seed, same tweet ids: a rerun then measures duplicates."
    )
    parser.add_argument(
        "--safety-share",
        type=float,
        default=0.0,
        help="Share of the tweets that are safety reports (0.02: 2%%); the rest is ordinary traffic.",
    )
    parser.add_argument(
        "--time-safety",
        action="store_true",
        help="Also print the CPU time per item of ingest's safety steps (detector, follow-up).",
    )
    parser.add_argument(
        "--skip-detector",
        action="store_true",
        help="Ingest without running the safety detector (Batch._detect_safety does nothing).",
    )
    parser.add_argument(
        "--assignment",
        choices=["round_robin", "capacity"],
        help="Automatic assignment on for the bench account, with 10 new agents on shift and room for "
        "every ticket: each new ticket is assigned, with its timeline event (the worst case).",
    )
    parser.add_argument(
        "--bulk-create",
        action="store_true",
        help="Write rows with Django's bulk_create instead of COPY (services/rows.py), to compare.",
    )
    args = parser.parse_args()
    if args.bulk_create:
        from oss_inbox.tickets.services import batch

        batch.rows_insert = lambda objs: (lambda rows: rows and type(rows[0]).objects.bulk_create(rows))(
            list(objs)
        )
    if args.skip_detector:
        from oss_inbox.tickets.services import batch

        batch.Batch._detect_safety = lambda self, *args: None
    bench_assignment(args.assignment or "")
    spent = time_safety_steps() if args.time_safety else {}
    rates, cpu, backend = run(args.batches, args.size, args.seed, args.safety_share)
    # Items per CPU-second: the rate this process would reach alone on a core (the database's
    # backend on another), whatever else the machine is doing.
    own = 1e6 / statistics.median(cpu)
    backend_us = f"{statistics.median(backend):,.0f}" if backend else "n/a"
    print(f"load average {os.getloadavg()[0]:.1f}", file=sys.stderr)
    for name, seconds in spent.items():  # over every batch, not the median one
        print(f"{name}: {seconds / (args.batches * args.size) * 1e6:.1f} µs CPU/item", file=sys.stderr)
    print("| database | batch | batches | median items/s | worst items/s | µs CPU/item (process) "
          "| µs CPU/item (PostgreSQL backend) | items per process CPU-second |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    print(f"| {connection.vendor} | {args.size} | {args.batches} | {statistics.median(rates):,.0f} "
          f"| {min(rates):,.0f} | {statistics.median(cpu):,.0f} | {backend_us} | {own:,.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
