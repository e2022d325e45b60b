"""Recall, precision and cost of the life-safety detector on the labelled set.

    .venv/bin/python bench/safety.py

Reads tests/safety/labelled.jsonl (realistic tweets, comments, DMs, Messenger messages and emails,
English and Spanish, each labelled "safety" with its category, "ordinary" or "lookalike") and runs
the detector ingest runs over it: `compile_detectors(DEFAULT_PHRASES + OUTAGE_PHRASES).safety`, the
default list as a new database holds it. Prints recall on the emergencies and precision, each for
the whole set and by batch (batch 1 was written first and used to tune the phrase list; batches 2
and 4 were written after tuning and measured once before any further change; batch 5 was written
blind, by someone who had not seen the phrase list, and measured once untouched), a confusion table by
category, every miss, false alarm and wrong category with the detector's `why`, and the messages
whose language the detector reads differently from the label.

Then the cost per item in CPU time (time.process_time, this process only): the median pass over
each group of messages, passes repeated until at least a second of work, with the load average
beside it (the machine may be shared; CPU time moves less with the load than wall-clock time).
"Warm": the detector has seen every word before; "+ 2 new words": each item also carries two words
it has never seen (names, typos: a worker's usual state); "first sight": every pass has a new
detector (compiled before its timer starts), so every word is new to it, the worst case.
Ordinary traffic, look-alikes, emergencies and emails are timed apart: most of what ingest sees is
the first group (look-alikes are over-represented here, on purpose).
"""

import json
import os
import random
import statistics
import string
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oss_inbox.settings")

import django  # noqa: E402
from django.apps import apps  # noqa: E402

if not apps.ready:
    django.setup()  # lists.py (compile_detectors) sits beside the models; no database is used

from oss_inbox.safety.detector import CATEGORIES  # noqa: E402
from oss_inbox.safety.lists import compile_detectors  # noqa: E402
from oss_inbox.safety.phrases import DEFAULT_PHRASES, OUTAGE_PHRASES  # noqa: E402

LABELLED = ROOT / "tests" / "safety" / "labelled.jsonl"
PHRASES = (*DEFAULT_PHRASES, *OUTAGE_PHRASES)  # what a new database's list holds
MIN_SECONDS = 1.0
NOT_SAFETY = ("ordinary", "lookalike")


def safety_detector(phrases=PHRASES):
    """The detector ingest runs on every message (the outage one runs only for critical care)."""
    return compile_detectors(phrases).safety


def load_labelled(path=LABELLED):
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def truth(row):
    """The category a message should get: a safety category, or "ordinary" / "lookalike"."""
    return row["category"] if row["label"] == "safety" else row["label"]


@dataclass
class Evaluation:
    confusion: Counter = field(default_factory=Counter)  # (truth, detected category or "none") -> count
    misses: list = field(default_factory=list)  # rows
    false_alarms: list = field(default_factory=list)  # (row, detection)
    wrong_category: list = field(default_factory=list)  # (row, detection)
    wrong_language: list = field(default_factory=list)  # (row, detection): an emergency read in another

    def count(self, safe, detected):
        return sum(n for (expected, found), n in self.confusion.items() if (expected in CATEGORIES) == safe
                   and (found != "none") == detected)  # fmt: skip

    @property
    def recall(self):
        found, missed = self.count(True, True), self.count(True, False)
        return found / (found + missed) if found + missed else 1.0

    @property
    def precision(self):
        right, wrong = self.count(True, True), self.count(False, True)
        return right / (right + wrong) if right + wrong else 1.0


def evaluate(detector, rows):
    evaluation = Evaluation()
    for row in rows:
        detection = detector.detect(row["text"])
        expected, found = truth(row), detection.category if detection else "none"
        evaluation.confusion[expected, found] += 1
        if expected in CATEGORIES and detection is None:
            evaluation.misses.append(row)
        elif expected in NOT_SAFETY and detection is not None:
            evaluation.false_alarms.append((row, detection))
        elif expected in CATEGORIES and found != expected:
            evaluation.wrong_category.append((row, detection))
        if expected in CATEGORIES and detection is not None and detection.language != row["language"]:
            evaluation.wrong_language.append((row, detection))
    return evaluation


def cpu_per_item(texts, *, fresh_each_pass=False, new_words=0):
    """µs of CPU per item: the median over passes of `texts`, run until MIN_SECONDS of work (one
    pass's figure moves with what else the machine runs). With `fresh_each_pass` every pass has a
    new detector (compiled before its timer starts), so every word is new to it; `new_words` adds
    that many words never seen before to every item (names, typos), a worker's usual state."""
    detector, passes, words = safety_detector(), [], new_word_maker()
    for text in texts:  # the warm state: every word seen once
        detector.detect(text)
    while sum(passes) < MIN_SECONDS:
        if fresh_each_pass:
            detector = safety_detector()
        batch = [" ".join([text, *(next(words) for _ in range(new_words))]) for text in texts]
        started = time.process_time()
        for text in batch:
            detector.detect(text)
        passes.append(time.process_time() - started)
    return statistics.median(passes) / len(texts) * 1e6


def new_word_maker(seed=16):
    """Endless distinct made-up words of 5 to 9 letters ("Kelvarin"), as names and typos are."""
    rng, seen = random.Random(seed), set()
    while True:
        word = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(5, 9))).title()
        if word not in seen:
            seen.add(word)
            yield word


def compile_cost_ms():
    started, rounds = time.process_time(), 0
    while time.process_time() - started < MIN_SECONDS / 4:
        safety_detector()
        rounds += 1
    return (time.process_time() - started) / rounds * 1e3


def one_line(text, width=150):
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def print_figures(rows, evaluation, detector):
    safety = sum(row["label"] == "safety" for row in rows)
    print(f"{len(rows)} messages: {safety} emergencies, {len(rows) - safety} ordinary and look-alike; "
          f"{len(detector.phrases)} phrases in the safety detector\n")  # fmt: skip
    print("| messages | emergencies | recall (target ≥ 0.98) | precision (target ≥ 0.90) | misses "
          "| false alarms |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- |")
    batches = [("all", rows)] + [
        (f"batch {batch}", [row for row in rows if row.get("batch") == batch])
        for batch in sorted({row.get("batch") for row in rows} - {None})
    ]
    for name, part in batches:
        result = evaluate(detector, part) if name != "all" else evaluation
        count = sum(row["label"] == "safety" for row in part)
        print(f"| {name} ({len(part)}) | {count} | {result.recall:.3f} | {result.precision:.3f} "
              f"| {len(result.misses)} | {len(result.false_alarms)} |")  # fmt: skip


def print_confusion(evaluation):
    expected = [*CATEGORIES, *NOT_SAFETY]
    found = [*CATEGORIES, "none"]
    print("\nConfusion (rows: the label; columns: what the detector said):\n")
    print("| label | " + " | ".join(found) + " |")
    print("| --- " * (len(found) + 1) + "|")
    for label in expected:
        cells = [str(evaluation.confusion[label, column] or "·") for column in found]
        print(f"| {label} | " + " | ".join(cells) + " |")


def print_mistakes(evaluation):
    print(f"\nMisses ({len(evaluation.misses)}):")
    for row in evaluation.misses:
        print(f"- [{row['category']}] {one_line(row['text'])}")
    print(f"\nFalse alarms ({len(evaluation.false_alarms)}):")
    for row, detection in evaluation.false_alarms:
        print(f"- [{row['label']}] {detection.why}")
    print(f"\nRight alarm, other category ({len(evaluation.wrong_category)}):")
    for row, detection in evaluation.wrong_category:
        print(f"- [{row['category']} → {detection.category}] {detection.why}")
    print(f"\nEmergency read in another language ({len(evaluation.wrong_language)}):")
    for row, detection in evaluation.wrong_language:
        print(f"- [{row['language']} → {detection.language}] {one_line(row['text'])}")


def cost_groups(rows):
    short = [row for row in rows if row["channel"] != "email"]
    return (
        ("ordinary: tweets, comments, DMs, Messenger", [r for r in short if r["label"] == "ordinary"]),
        ("look-alikes: tweets, comments, DMs, Messenger", [r for r in short if r["label"] == "lookalike"]),
        ("emergencies: tweets, comments, DMs, Messenger", [r for r in short if r["label"] == "safety"]),
        ("emails (with quoted threads), all labels", [r for r in rows if r["channel"] == "email"]),
        ("the whole set", rows),
    )


def print_cost(rows):
    load = os.getloadavg()[0]
    print(f"\nCost, CPU time (time.process_time) of this process; load average {load:.2f} at the start:\n")
    print("| items | count | mean characters | µs CPU per item: warm | + 2 new words each | first sight |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, group in cost_groups(rows):
        texts = [row["text"] for row in group]
        figures = (
            cpu_per_item(texts),
            cpu_per_item(texts, new_words=2),
            cpu_per_item(texts, fresh_each_pass=True),
        )
        mean = sum(map(len, texts)) / len(texts)
        print(f"| {name} | {len(texts)} | {mean:.0f} | " + " | ".join(f"{us:.1f}" for us in figures) + " |")
    load = " / ".join(f"{figure:.2f}" for figure in os.getloadavg())
    compiled = compile_cost_ms()
    print(f"\ncompile_detectors(DEFAULT_PHRASES + OUTAGE_PHRASES), both detectors: {compiled:.1f} ms CPU; "
          f"load average (1/5/15) {load}")  # fmt: skip


def main():
    rows = load_labelled()
    detector = safety_detector()
    evaluation = evaluate(detector, rows)
    print_figures(rows, evaluation, detector)
    print_confusion(evaluation)
    print_mistakes(evaluation)
    print_cost(rows)


if __name__ == "__main__":
    main()
