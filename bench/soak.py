"""Soak: `make run`'s whole stack with customers writing ten times as often as usual, for a while.

    .venv/bin/python bench/soak.py --minutes 30      # the figure in docs/BENCHMARKS.md
    make soak SOAK_MINUTES=2.5                       # what CI runs

The stack runs as `make run` runs it (embedded SQLite database and broker, web, worker, beat and
the sandbox) in a temporary folder. The sandbox's customers write every 0.8-2 s (the default is
8-20 s) on X, Facebook, Messenger and email; an agent answers every ticket that comes in, over HTTP,
with "Send & resolve", each answer carrying a unique mark. Then the customers stop, the stack gets
two minutes to catch up, and the run passes only if:
- no process crashed (make run restarted none, and make run itself is still up);
- every message a customer wrote is stored exactly once (by the channel's id for it);
- every answer is in the sandbox's sent list exactly once.
The summary is printed with the load average; the exit status is 1 when any check fails.
"""

import argparse
import os
import re
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stack import Agent, Stack, StackError  # noqa: E402

CATCH_UP_SECONDS = 120
ANSWER_EVERY_SECONDS = 3
MARK = re.compile(r"\(soak [0-9a-f]+-\d+\)")
SENT_LISTS = ("tweets", "dms", "facebook", "mail", "instagram")  # instagram: when make run has it


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--minutes", type=float, default=30.0, help="How long the customers write (default 30)."
    )
    parser.add_argument(
        "--every", default="0.8 2", help="Seconds between two customers' messages (default '0.8 2')."
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="oss-soak-") as var_dir:
        stack = Stack(Path(var_dir), SANDBOX_CUSTOMER_EVERY=args.every, DEMO_TICKETS="3")
        try:
            stack.wait_until_up()
            summary = soak(stack, Path(var_dir), args.minutes)
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


def soak(stack, var_dir, minutes):
    run = uuid.uuid4().hex[:6]
    agent = Agent(stack.web, "dana", stack.password_of("dana"))
    answers, failures = [], []
    started = time.monotonic()
    reported = 0
    while time.monotonic() - started < minutes * 60:
        answers += answer_new_tickets(agent, run, len(answers), failures)
        if time.monotonic() - started >= (reported + 1) * 60:
            reported += 1
            print(
                f"soak: minute {reported}: {len(stack.written())} messages written, {len(answers)} answers "
                "sent",
                flush=True,
            )
        time.sleep(ANSWER_EVERY_SECONDS)
    stack.pause_customers()
    written = stack.written()
    deadline = time.monotonic() + CATCH_UP_SECONDS
    while True:
        answers += answer_new_tickets(agent, run, len(answers), failures)
        stored, sent = stored_counts(var_dir, written), sent_marks(stack)
        caught_up = all(stored[item["id"]] for item in written) and all(sent[mark] for mark in answers)
        if caught_up or time.monotonic() > deadline:
            break
        time.sleep(5)
    return summarise(
        stack, minutes, written, stored, answers, sent, failures, stack_up=stack.process.poll() is None
    )


def answer_new_tickets(agent, run, answered, failures):
    """Send & resolve every ticket in the open queue's first page; returns the marks sent.

    A request that fails (the web process restarting, say) is counted in `failures` and tried
    again at the next round: the summary says how many, beside the restarts that explain them."""
    marks = []
    try:
        for ticket_id in agent.open_tickets():
            mark = f"(soak {run}-{answered + len(marks)})"
            if agent.reply(
                ticket_id,
                f"Thanks for telling us; crews are on it {mark}.",
                action="reply_resolve",
                check=False,
            ):
                marks.append(mark)
    except requests.RequestException as error:
        failures.append(f"{time.strftime('%H:%M:%S')} {error.__class__.__name__}: {error}"[:200])
    return marks


def stored_counts(var_dir, written):
    """How many inbound messages the stack's database holds for each written id."""
    import sqlite3

    ids = [external_id(item) for item in written]
    database = sqlite3.connect(f"file:{var_dir / 'oss_inbox.sqlite3'}?mode=ro", uri=True, timeout=30)
    try:
        rows = database.execute(
            "SELECT external_id, COUNT(*) FROM tickets_message WHERE direction = 'inbound' GROUP BY "
            "external_id"
        ).fetchall()
    finally:
        database.close()
    counts = dict(rows)
    return Counter({item["id"]: counts.get(stored, 0) for item, stored in zip(written, ids, strict=True)})


def external_id(item):
    # An email's Message-ID is stored without its angle brackets.
    return item["id"].strip("<>") if item["kind"] == "email" else item["id"]


def sent_marks(stack):
    sent = stack.sent()
    return Counter(
        mark
        for name in SENT_LISTS
        for item in sent.get(name, [])
        for mark in MARK.findall(item.get("text", ""))
    )


def summarise(stack, minutes, written, stored, answers, sent, failures, *, stack_up):
    restarts = [
        line for line in stack.lines if line.startswith("make run|") and "stopped (exit status" in line
    ]
    doubled = sorted(id_ for id_, count in stored.items() if count > 1)
    missing = sorted(item["id"] for item in written if not stored[item["id"]])
    answers_missing = [mark for mark in answers if not sent[mark]]
    answers_doubled = [mark for mark in answers if sent[mark] > 1]
    passed = stack_up and not (
        restarts or failures or doubled or missing or answers_missing or answers_doubled
    )
    return {
        "passed": passed, "minutes": minutes, "make run still up": stack_up,
        "crashed processes": len(restarts), "restarts": restarts, "agent requests failed": failures,
        "messages written": len(written),
        "by kind": dict(Counter(i["kind"] for i in written)),
        "stored exactly once": sum(1 for item in written if stored[item["id"]] == 1),
        "stored twice or more": doubled,
        "not stored": missing, "answers sent": len(answers),
        "answers in the sandbox exactly once": sum(1 for mark in answers if sent[mark] == 1),
        "answers missing": answers_missing, "answers doubled": answers_doubled,
        "console lines with ERROR or Traceback":
            [line[:160] for line in stack.lines if "ERROR" in line or "Traceback" in line][:10],
        "load average": " ".join(f"{load:.2f}" for load in os.getloadavg()),
    }  # fmt: skip


def report(summary):
    print("\nSoak of make run's stack")
    for name, value in summary.items():
        print(f"  {name}: {value}")
    print("PASSED" if summary["passed"] else "FAILED")


if __name__ == "__main__":
    main()
