"""Recall and precision of the storm's outage detector (oss_inbox/incidents/outage.py), and its cost.

    .venv/bin/python bench/outage_detector.py            # seeds 1..5
    .venv/bin/python bench/outage_detector.py --misses   # also print every miss and false alarm
    .venv/bin/python bench/outage_detector.py --without-slips   # as before typos.py: no slip read

Sets, each read as storm mode reads a message (an email's subject with its body):

- recall: the sandbox storm's outage reports (`storm_scenario(seed=s)` items with outage True), seeds
  1..5, 5,000 each; the typos among them are the scenario's own (a letter dropped, doubled or two
  swapped, in one in twelve messages).
- false alarms, storm: the same scenarios' ordinary requests (outage False, answering no report),
  which should stay at or near 0.
- false alarms, text bank: the openings of the demo's topics other than outage, storm and a
  critical-care customer's outage (oss_inbox/demo/topics_*.py), each filled three times, as
  docs/storm.md "Measured" counts them (3 of 270 before: "There's a power line down across ...").
- false alarms, tests: tests/incidents/test_outage_detector.py's near misses and look-alikes.

Cost: CPU time (time.process_time) per message over every storm item of seed 1, warm (the detector
has seen each word before) and first sight (the word caches emptied before each pass).
"""

import random
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from channels.sandbox.storm import storm_scenario  # noqa: E402
from oss_inbox.demo.content import STREETS, TOPICS, TOWNS, ticket_values  # noqa: E402
from oss_inbox.incidents.outage import detect_outage  # noqa: E402

SEEDS = range(1, 6)
OUTAGE_TOPICS = {"outage", "storm", "medical_outage"}  # their openings are (or may be) reports


def main(argv):
    show = "--misses" in argv
    if "--without-slips" in argv:
        from oss_inbox.incidents import outage

        outage.read_typos = lambda text: (text, None)
    reports = ordinary = 0
    found = alarms = 0
    for seed in SEEDS:
        items = storm_scenario(seed=seed)
        read = [(item, detect_outage(_text(item)) is not None) for item in items]
        seed_reports = [item for item, hit in read if item.outage]
        seed_found = sum(hit for item, hit in read if item.outage)
        # Answers to "where are you?" are apart: an email one keeps its report's subject ("Re: Power
        # outage"), read as a report as the report was; a ticket already placed in the storm.
        seed_alarms = [item for item, hit in read if hit and not item.outage and item.reply_to is None]
        seed_ordinary = sum(not item.outage and item.reply_to is None for item in items)
        print(
            f"seed {seed}: reports read {seed_found} of {len(seed_reports)} "
            f"({seed_found / len(seed_reports):.1%}); ordinary read as outages {len(seed_alarms)} of "
            f"{seed_ordinary}"
        )
        if show:
            for item, hit in read:
                if item.outage and not hit:
                    print(f"  miss: {_text(item)!r}")
            for item in seed_alarms:
                print(f"  false alarm: {_text(item)!r}")
        reports += len(seed_reports)
        found += seed_found
        ordinary += seed_ordinary
        alarms += len(seed_alarms)
    print(f"storm, seeds 1-5: recall {found} of {reports} ({found / reports:.2%}); "
          f"false alarms {alarms} of {ordinary}")  # fmt: skip

    bank = text_bank()
    bank_alarms = [text for text in bank if detect_outage(text)]
    print(f"text bank (other topics' openings x3): read as outages {len(bank_alarms)} of {len(bank)}")
    for text in bank_alarms:
        print(f"  {text!r}: {detect_outage(text).why}")

    from tests.incidents.test_outage_detector import LOOKALIKES, NOT_REPORTS

    near_misses = [*NOT_REPORTS, *LOOKALIKES]
    test_alarms = [text for text in near_misses if detect_outage(text)]
    print(f"tests' near misses: read as outages {len(test_alarms)} of {len(near_misses)}")
    for text in test_alarms:
        print(f"  {text!r}")

    cost()


def text_bank():
    rng = random.Random(1)
    texts = []
    for topic in TOPICS:
        if topic.key in OUTAGE_TOPICS:
            continue
        for opening in topic.openings:
            for _ in range(3):
                house, street, town = rng.randrange(100, 9900), rng.choice(STREETS), rng.choice(TOWNS)
                customer = SimpleNamespace(first="Alex", house=house, street=street, town=town)
                texts.append(opening.format_map(ticket_values(rng, customer, "Dana")))
    return texts


def cost():
    from oss_inbox.incidents import outage, typos

    texts = [_text(item) for item in storm_scenario(seed=1)]
    for text in texts:
        detect_outage(text)
    warm = _per_message(texts, lambda: None)

    def cold():
        outage.outage_detector.cache_clear()
        outage.outage_detector()
        typos._slipped.cache_clear()
        typos._slipped()

    first_sight = _per_message(texts, cold)
    print(f"cost per message (CPU, {len(texts)} storm messages): warm {warm * 1000:.4f} ms, "
          f"first sight {first_sight * 1000:.4f} ms")  # fmt: skip


def _per_message(texts, before):
    passes = []
    for _ in range(5):
        before()
        start = time.process_time()
        for text in texts:
            detect_outage(text)
        passes.append((time.process_time() - start) / len(texts))
    return sorted(passes)[len(passes) // 2]


def _text(item):
    return f"{item.subject}\n{item.text}" if item.subject else item.text


if __name__ == "__main__":
    main(sys.argv[1:])
