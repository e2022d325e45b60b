"""The platforms' rules in the composer: the reason a reply would be refused, or what the agent should
know (a link's price on X, Messenger's human-agent tag), shown while typing by the counter's request,
and the same refusal when Send is pressed anyway."""

import re
from datetime import timedelta
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from tests import factories

from .conftest import open_ticket

pytestmark = pytest.mark.django_db

NOT_SUMMONED = (
    "This post did not mention @PrairieEGHelp or answer one of our posts; X lets us answer it only by DM "
    "— reply privately."
)


def rules_shown(client, ticket, text, reply_as=""):
    """What the composer shows under the counter: (refusal, [warnings])."""
    data = {"text": text, **({"reply_as": reply_as} if reply_as else {})}
    response = client.post(reverse("inbox:reply_count", args=[ticket.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    refusal = re.findall(r'<p id="composer-rule" class="error">(.*?)</p>', html)
    warnings = re.findall(r'<p class="help composer-warning">(.*?)</p>', html)
    return unescape("".join(refusal)), [unescape(words) for words in warnings]


@pytest.fixture
def not_summoning(db):
    """A post about us that does not mention our account (a search or a webhook brought it)."""
    account = factories.account("twitter", settings={"username": "PrairieEGHelp"})
    text = "Third outage on Elm St this month"
    return open_ticket(account, text=text, raw={"text": text, "author_id": "111"})


@pytest.fixture
def messenger_ticket(facebook):
    return open_ticket(facebook, kind="messenger", thread_key="fbm:t_1")


def test_a_post_that_did_not_summon_us_shows_why_a_public_reply_is_refused_and_a_dm_is_not(
    client, agent, not_summoning
):
    client.force_login(agent)
    assert rules_shown(client, not_summoning, "Sorry about that.") == (NOT_SUMMONED, [])
    assert rules_shown(client, not_summoning, "Sorry about that.", reply_as="private") == ("", [])


def test_pressing_send_anyway_is_refused_with_the_same_reason_and_nothing_is_stored(
    client, agent, not_summoning
):
    client.force_login(agent)
    response = client.post(
        reverse("inbox:compose", args=[not_summoning.pk]), {"text": "Sorry about that.", "action": "reply"}
    )
    assert response.status_code == 422
    assert NOT_SUMMONED in response.content.decode()
    assert not not_summoning.messages.filter(direction="outbound").exists()


def test_a_link_in_a_reply_tweet_warns_of_the_higher_price_while_typing(client, agent, x_ticket):
    client.force_login(agent)
    warned = rules_shown(client, x_ticket, "Outage map: https://example.com/outages")
    assert warned == ("", ["A post with a link is billed at the higher rate."])
    assert rules_shown(client, x_ticket, "Crews are on Elm St.") == ("", [])


def test_messenger_says_when_the_human_agent_tag_applies_and_when_it_is_too_late(
    client, agent, messenger_ticket
):
    client.force_login(agent)
    wrote = messenger_ticket.last_inbound_at
    with time_machine.travel(wrote + timedelta(days=2), tick=False):
        refusal, [notice] = rules_shown(client, messenger_ticket, "Sorry for the wait.")
    assert refusal == "" and "this goes out with Messenger's human-agent tag" in notice
    with time_machine.travel(wrote + timedelta(days=8), tick=False):
        refusal, _ = rules_shown(client, messenger_ticket, "Sorry for the wait.")
        response = client.post(
            reverse("inbox:compose", args=[messenger_ticket.pk]),
            {"text": "Sorry for the wait.", "action": "reply"},
        )
    assert refusal.startswith("It has been more than 7 days since this customer last wrote")
    assert response.status_code == 422 and "ask the customer to message us" in response.content.decode()
