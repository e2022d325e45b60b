"""The platforms' send rules (channels/send_rules.py): pure functions over facts, each refusal and
warning in the words the agent reads."""

from datetime import UTC, datetime, timedelta

import pytest

from channels.send_rules import (
    HUMAN_AGENT,
    LINK_WARNING,
    SendFacts,
    has_rules,
    messaging_fields,
    send_verdict,
    x_post_summons,
    x_replied_to_ids,
)

NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def facts(**fields):
    return SendFacts(
        **{"reply_kind": "mention", "answered_kind": "mention", "private": False, "now": NOW, **fields}
    )


def messenger(ago, **fields):
    return facts(
        reply_kind="messenger", answered_kind="messenger", customer_last_wrote_at=NOW - ago, **fields
    )


def test_a_public_reply_to_an_x_post_that_did_not_summon_us_is_refused_with_a_dm_suggested():
    verdict = send_verdict(facts(summoned=False, account_handle="PrairieEGHelp"))
    assert verdict.refusal == (
        "This post did not mention @PrairieEGHelp or answer one of our posts; X lets us answer it only by "
        "DM — reply privately."
    )


@pytest.mark.parametrize("summoned", [True, None])  # None: the saved post cannot tell; X has the last word
def test_a_post_that_summoned_us_or_cannot_tell_may_be_answered_in_public(summoned):
    assert send_verdict(facts(summoned=summoned)).refusal == ""


def test_a_dm_answering_a_post_that_did_not_summon_us_is_allowed():
    assert send_verdict(facts(reply_kind="dm", private=True, summoned=None)).refusal == ""


def test_a_reply_tweet_with_a_link_is_warned_about_its_price_not_refused():
    verdict = send_verdict(facts(summoned=True, text="Outage map: https://example.com/outages"))
    assert (verdict.refusal, verdict.warnings) == ("", (LINK_WARNING,))
    assert send_verdict(facts(summoned=True, text="Crews are on Elm St.")).warnings == ()
    assert send_verdict(facts(reply_kind="dm", private=True, text="https://example.com")).warnings == ()


def test_messenger_within_24_hours_is_a_normal_response():
    verdict = send_verdict(messenger(timedelta(hours=23, minutes=59)))
    assert (verdict.refusal, verdict.warnings, verdict.messaging_tag) == ("", (), "")
    assert messaging_fields({}) == {"messaging_type": "RESPONSE"}


def test_messenger_between_24_hours_and_7_days_goes_with_the_human_agent_tag_and_says_so():
    verdict = send_verdict(messenger(timedelta(days=2)))
    assert (verdict.refusal, verdict.messaging_tag) == ("", HUMAN_AGENT)
    [notice] = verdict.warnings
    assert notice.startswith(
        "More than 24 hours since the customer last wrote: this goes out with Messenger's"
    )
    assert "until Nov 7, 3:00 PM" in notice  # the customer wrote Oct 31 at 3 PM: 7 days from then
    assert messaging_fields({"messaging_tag": verdict.messaging_tag}) == {
        "messaging_type": "MESSAGE_TAG",
        "tag": "HUMAN_AGENT",
    }


def test_messenger_and_instagram_after_7_days_are_refused_with_what_to_do():
    assert send_verdict(messenger(timedelta(days=7, minutes=1))).refusal == (
        "It has been more than 7 days since this customer last wrote; Messenger lets us write only within "
        "7 days — ask the customer to message us (e.g. by email or a public reply)."
    )
    instagram = facts(
        reply_kind="ig_dm", answered_kind="ig_dm", customer_last_wrote_at=NOW - timedelta(days=8)
    )
    assert "Instagram lets us write only within 7 days" in send_verdict(instagram).refusal


def test_a_page_without_the_human_agent_permission_answers_only_within_24_hours():
    verdict = send_verdict(messenger(timedelta(hours=25), human_agent_allowed=False))
    assert verdict.refusal == (
        "It has been more than 24 hours since this customer last wrote; without the human-agent permission "
        "Messenger lets us write only within 24 hours — ask the customer to message us (e.g. by email or a "
        "public reply)."
    )
    assert send_verdict(messenger(timedelta(hours=23), human_agent_allowed=False)).refusal == ""


def test_an_automatic_message_after_24_hours_is_refused_the_tag_is_for_people():
    verdict = send_verdict(messenger(timedelta(hours=25), automatic=True))
    assert "lets only a person answer after 24 hours" in verdict.refusal


def test_one_private_reply_per_comment():
    second = facts(reply_kind="messenger", answered_kind="comment", private=True, earlier_private_replies=1)
    assert send_verdict(second).refusal == (
        "Facebook allows one private reply per comment, and this comment already has one — answer in "
        "public, or wait for the customer to write back in private."
    )
    visitor_post = facts(
        reply_kind="messenger", answered_kind="post", private=True, earlier_private_replies=1
    )
    assert "one private reply per post, and this post already has one" in send_verdict(visitor_post).refusal
    first = facts(reply_kind="ig_dm", answered_kind="ig_comment", private=True, answered_at=NOW)
    assert send_verdict(first).refusal == ""


def test_a_private_reply_to_a_comment_older_than_7_days_is_refused():
    late = facts(
        reply_kind="ig_dm",
        answered_kind="ig_comment",
        private=True,
        answered_at=NOW - timedelta(days=7, seconds=1),
    )
    assert send_verdict(late).refusal == (
        "This comment is more than 7 days old; Instagram allows a private reply only within 7 days of it "
        "— answer in public instead."
    )
    # The conversation's 24-hour window is not a private reply's: the comment's own 7 days are.
    old_customer = facts(
        reply_kind="messenger",
        answered_kind="comment",
        private=True,
        answered_at=NOW - timedelta(days=3),
        customer_last_wrote_at=NOW - timedelta(days=3),
    )
    assert send_verdict(old_customer).refusal == "" and send_verdict(old_customer).messaging_tag == ""


def test_only_replies_that_a_rule_can_refuse_have_their_facts_read():
    assert [
        kind
        for kind in ("mention", "dm", "comment", "messenger", "ig_dm", "ig_comment", "email")
        if has_rules(kind)
    ] == [
        "mention",
        "messenger",
        "ig_dm",
    ]


@pytest.mark.parametrize(
    ("raw", "summons"),
    [
        ({"text": "@PrairieEGHelp power out on Elm St"}, True),
        ({"text": "power out, @prairieeghelp?"}, True),  # X's handles ignore case
        ({"text": "@PrairieEGHelpers are useless"}, False),  # another account
        ({"text": "power out", "entities": {"mentions": [{"id": "150", "username": "prairieeghelp"}]}}, True),
        ({"text": "thanks", "in_reply_to_user_id": "150"}, True),
        ({"text": "power out on Elm St"}, False),
        ({}, None),  # saved without its text: cannot tell
        ({"text": "power out", "entities": "garbled"}, False),
    ],
)
def test_an_x_post_summons_us_by_mentioning_or_answering_us(raw, summons):
    assert x_post_summons(raw, account_id="150", username="PrairieEGHelp") is summons


def test_without_our_username_only_x_s_own_mentions_can_say_a_post_is_not_ours():
    assert x_post_summons({"text": "power out"}, account_id="150", username="") is None
    assert x_post_summons({"text": "power out", "entities": {}}, account_id="150", username="") is False
    assert x_replied_to_ids(
        {"referenced_tweets": [{"type": "replied_to", "id": "9"}, {"type": "quoted", "id": "8"}]}
    ) == {"9"}
