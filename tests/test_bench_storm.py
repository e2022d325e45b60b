"""bench/storm.py's pure parts: the payloads it hands to each channel's parser, the lane windows it
counts, and the words it gives a missed report (no database, no server is started here)."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from bench.storm_check import why_missed
from bench.storm_fanout import most_in_window
from bench.storm_play import external_id, inbound
from channels.sandbox.storm import KINDS, StormItem

SENT_AT = datetime(2026, 12, 7, 22, 0, tzinfo=UTC)
ACCOUNTS = {
    "twitter": SimpleNamespace(self_external_id="1500000000000000001"),
    "facebook": SimpleNamespace(self_external_id="100000000000001"),
    "instagram": SimpleNamespace(self_external_id="17841400000000001"),
    "email": SimpleNamespace(self_external_id="help@prairie-eg.example"),
}


def storm_item(kind, *, text="Power out on Elm St in Harlan, any ETA?", reply_to=None):
    author = "kim.jones.7@example.com" if kind == "email" else "kimjones7"
    return StormItem(
        kind=kind, at=60.0, author=author, name="Kim Jones", text=text,
        subject="Power outage" if kind == "email" else "", area="Harlan South (Feeder H-12)",
        outage=reply_to is None, reply_to=reply_to,
    )  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_becomes_what_its_channel_parser_makes_of_the_platform_payload(kind):
    item = storm_item(kind)

    parsed = inbound(item, 42, SENT_AT, ACCOUNTS)

    assert parsed.kind == kind
    assert parsed.external_id == external_id(kind, 42)
    assert "Power out on Elm St in Harlan" in parsed.text
    assert parsed.sent_at == SENT_AT
    assert parsed.author.name == "Kim Jones" or parsed.author.handle == "kimjones7"


def test_every_item_of_a_storm_has_its_own_channel_id():
    ids = {(kind, external_id(kind, index)) for kind in KINDS for index in range(8000)}

    assert len(ids) == len(KINDS) * 8000


@pytest.mark.parametrize("kind", KINDS)
def test_an_answer_to_where_are_you_is_in_its_reports_conversation(kind):
    report = inbound(storm_item(kind), 7, SENT_AT, ACCOUNTS)
    answer = inbound(
        storm_item(kind, text="I'm on Elm St in Harlan", reply_to=7),
        9,
        SENT_AT + timedelta(minutes=4),
        ACCOUNTS,
    )

    assert answer.external_id != report.external_id
    assert answer.thread_key == report.thread_key


def test_a_window_counts_the_sends_at_both_its_ends():
    start = SENT_AT
    slots = [
        start,
        start + timedelta(seconds=450),
        start + timedelta(seconds=900),
        start + timedelta(seconds=901),
    ]

    assert most_in_window(slots, 900) == 3
    assert most_in_window(slots, 449) == 2  # 900 s and 901 s; 450 s is 450 s from either
    assert most_in_window([], 900) == 0


@pytest.mark.parametrize(
    ("ticket", "linked", "report", "why"),
    [
        (None, None, None, "not stored"),
        (5, None, None, "not read as an outage"),
        (5, None, (None, [], []), "in no incident: no place named"),
        (5, None, (None, [1, 2], [{"kind": "street"}]), "in no incident: places allow several areas"),
        (5, None, (None, [], [{"kind": "street"}]), "in no incident: places unknown to the gazetteer"),
        (5, ("Fairview North", False), (None, [1, 2], [{"kind": "street"}]),
         "in another area's incident: its places allow several areas"),
        (5, ("Fairview North", False), (3, [3], [{"kind": "street"}]),
         "in another area's incident: its places name that area"),
    ],
)  # fmt: skip
def test_a_missed_report_says_at_which_step_it_fell_out(ticket, linked, report, why):
    assert why_missed(ticket, linked, report) == why
