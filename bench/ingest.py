"""Items per second through parse + ingest, in batches of 1,000, on the configured database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oss_bench python bench/ingest.py --batches 5

Each batch is one X API v2 mentions response (with the author expansion) of 1,000 tweets from
customers of whom a third wrote before, parsed by channels.twitter.parse and stored by
tickets.services.ingest, as a poll does. Prints a markdown table.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oss_inbox.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from channels.models import ChannelAccount  # noqa: E402
from channels.twitter.parse import parse_mentions  # noqa: E402
from oss_inbox.tickets.services import ingest  # noqa: E402

TEXTS = (
    "@PrairieEGHelp power out on {street} since 6am, any ETA?",
    "@PrairieEGHelp my bill doubled this month and nothing changed at home. Can someone look?",
    "@PrairieEGHelp tree limbs are touching the lines behind {street}. Who trims those?",
    "@PrairieEGHelp streetlight at {street} and 5th has been out for a week",
    "@PrairieEGHelp can I set up a payment arrangement online? Account ends in {n}",
)
STREETS = ("Elm St", "Oak Ave", "Maple Dr", "Cedar Ln", "Prairie Rd", "Main St")


def mentions_response(rng, first_id, size, customers):
    base = datetime.now(timezone.utc) - timedelta(hours=1)
    tweets, users = [], {}
    for n in range(size):
        author = rng.choice(customers)
        users[author] = {"id": author, "username": f"customer{author}", "name": f"Customer {author}"}
        tweet_id = str(first_id + n)
        tweets.append({
            "id": tweet_id,
            "text": rng.choice(TEXTS).format(street=rng.choice(STREETS), n=rng.randint(1000, 9999)),
            "author_id": author,
            "conversation_id": tweet_id,
            "created_at": (base + timedelta(milliseconds=n)).isoformat().replace("+00:00", "Z"),
            "edit_history_tweet_ids": [tweet_id],
        })
    tweets.reverse()  # newest first, as X answers
    return {"data": tweets, "includes": {"users": list(users.values())}, "meta": {"result_count": size}}


def run(batches, size, seed):
    rng = random.Random(seed)
    account, _ = ChannelAccount.objects.get_or_create(
        name="bench X", defaults={"kind": "twitter", "self_external_id": "1500000000000000001"}
    )
    first_id = 1_900_000_000_000_000_000 + rng.randrange(10**12)
    customers = [str(10_000_000 + n) for n in range(size * batches * 2 // 3)]
    rates = []
    for batch in range(batches):
        response = mentions_response(rng, first_id + batch * size, size, customers)
        started = time.perf_counter()
        items = parse_mentions(response)
        result = ingest(account, items, {"mentions_since_id": response["data"][0]["id"]})
        elapsed = time.perf_counter() - started
        if result.stored != size:
            sys.exit(f"only {result.stored} of {size} stored; first errors: {result.errors[:3]}")
        rates.append(size / elapsed)
        print(f"batch {batch + 1}: {size / elapsed:,.0f} items/s ({result.tickets_opened} new tickets)", file=sys.stderr)
    return rates


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=None, help="Same seed, same tweet ids: a rerun then measures duplicates.")
    args = parser.parse_args()
    rates = run(args.batches, args.size, args.seed)
    print(f"| database | batch | batches | median items/s | worst items/s |")
    print(f"| --- | --- | --- | --- | --- |")
    print(f"| {connection.vendor} | {args.size} | {args.batches} | {statistics.median(rates):,.0f} | {min(rates):,.0f} |")


if __name__ == "__main__":
    main()
