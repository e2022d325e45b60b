"""Broadcast pacing: however late the outbox's sweeper releases a planned send (up to 30 s), no window
of a platform's documented length ever holds more sends than its limit."""

from datetime import UTC, datetime, timedelta

import pytest

from oss_inbox.incidents.pacing import LATENESS, lane, plan_slots, send_limits

START = datetime(2026, 11, 2, 23, 0, tzinfo=UTC)


def most_in_any_window(sends, seconds):
    """The most sends any closed window of `seconds` holds (a busiest window starts at a send)."""
    sends = sorted(sends)
    span = timedelta(seconds=seconds)
    most, first = 0, 0
    for last, send in enumerate(sends):
        while sends[first] < send - span:
            first += 1
        most = max(most, last - first + 1)
    return most


def released(slots, how_late):
    """When the sends really leave: each slot delayed by its own lateness, up to LATENESS."""
    return [slot + how_late(index) for index, slot in enumerate(slots)]


LATENESSES = {
    "on time": lambda index: timedelta(0),
    "all at the sweep's worst": lambda index: LATENESS,
    "bunched (early ones late)": lambda index: LATENESS if index % 2 == 0 else timedelta(0),
    "alternating": lambda index: timedelta(seconds=(index * 7) % 31),
}


@pytest.mark.parametrize(
    ("channel", "reply_kind", "count"),
    [
        ("twitter", "mention", 400),
        ("twitter", "dm", 1_200),
        ("facebook", "messenger", 2_000),
        ("facebook", "comment", 300),
        ("instagram", "ig_dm", 2_000),
        ("email", "email", 300),
    ],
)
@pytest.mark.parametrize("lateness", LATENESSES.values(), ids=LATENESSES.keys())
def test_no_window_of_a_documented_limit_holds_more_than_it(channel, reply_kind, count, lateness):
    limits = send_limits(channel, reply_kind)

    sends = released(plan_slots(count, limits, start=START), lateness)

    for allowed, seconds in limits:
        assert most_in_any_window(sends, seconds) <= allowed, (allowed, seconds)


def test_a_second_broadcast_on_the_lane_waits_for_the_first_ones_budget():
    limits = send_limits("twitter", "mention")  # 100 per 15 min
    first = plan_slots(90, limits, start=START)

    second = plan_slots(90, limits, start=START, earlier=first)

    assert second[0] > first[-1]
    assert most_in_any_window(released(first + second, LATENESSES["bunched (early ones late)"]), 900) <= 100


def test_x_replies_go_at_a_steady_pace_not_in_a_burst():
    slots = plan_slots(10, send_limits("twitter", "mention"), start=START)

    gaps = {later - earlier for earlier, later in zip(slots, slots[1:], strict=False)}
    assert gaps == {timedelta(seconds=10)}  # 90 of the 100 allowed, spread over 15 minutes


def test_a_daily_limit_holds_the_rest_for_the_next_day():
    slots = plan_slots(1_000, send_limits("twitter", "dm"), start=START)  # 1,000 DMs a day

    assert slots[899] < START + timedelta(hours=2)  # 900 (90 %) go within the first hours
    assert slots[900] > START + timedelta(hours=24)


def test_messenger_5000_updates_finish_within_minutes():
    slots = plan_slots(5_000, send_limits("facebook", "messenger"), start=START)

    assert slots[-1] - START < timedelta(minutes=15)


def test_a_comment_reply_and_a_reply_on_a_visitors_post_share_one_budget():
    assert lane("facebook", "comment") == lane("facebook", "post")
    assert lane("facebook", "messenger") != lane("facebook", "comment")
    assert lane("twitter", "mention") != lane("twitter", "dm")
