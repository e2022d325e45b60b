"""The composer's counter is the server's: inbox:reply_count counts by the channel's spec, and the
page's script holds no copy of any length rule."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from .conftest import open_ticket

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
FAMILY = "👨‍👩‍👧‍👦"


def count(client, ticket, text, reply_as="", method="post"):
    """The counter's text, or None when it is hidden; the response is checked as the page uses it."""
    data = {"text": text, **({"reply_as": reply_as} if reply_as else {})}
    response = getattr(client, method)(reverse("inbox:reply_count", args=[ticket.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    # The counter comes first; the platforms' rules may follow it (tests/inbox/test_composer_rules.py).
    counter = re.match(
        r'<p id="composer-count" class="help( over)?"\s*(hidden)?>\s*(.*?)\s*</p>', html.strip()
    )
    assert counter, html
    over, hidden, words = counter.groups()
    assert bool(over) == ("too long" in words) and bool(hidden) == (words == "")
    return None if hidden else words


@pytest.fixture
def comment_ticket(facebook):
    return open_ticket(facebook, kind="comment", thread_key="fb:104000000000001_7:7_8", external_id="7_8")


@pytest.fixture
def messenger_ticket(facebook):
    return open_ticket(facebook, kind="messenger", thread_key="fbm:t_1")


@pytest.fixture
def dm_ticket(twitter):
    return open_ticket(twitter, kind="dm", thread_key="xdm:111-1500")


def test_a_reply_tweet_is_counted_as_x_counts_it(client, agent, x_ticket):
    client.force_login(agent)
    assert count(client, x_ticket, FAMILY) == "2/280"
    assert count(client, x_ticket, "Crews are on their way, see https://example.com/outages") == "51/280"
    assert count(client, x_ticket, "停電しています") == "14/280"
    assert count(client, x_ticket, "a" * 280, reply_as="public") == "280/280"
    assert count(client, x_ticket, "a" * 281) == "281/280 — 1 too long for X"
    assert count(client, x_ticket, "") == "0/280"
    assert count(client, x_ticket, FAMILY, method="get") == "2/280"


def test_a_private_dm_on_x_shows_no_counter_until_near_its_limit(client, agent, x_ticket, dm_ticket):
    client.force_login(agent)
    assert count(client, x_ticket, "Kim, please DM us your address.", reply_as="private") is None
    over = count(client, x_ticket, "x" * 10_001, reply_as="private")
    assert over == "10,001/10,000 — 1 too long for an X DM"
    assert count(client, dm_ticket, "x" * 600) is None  # a DM conversation is not held to 280


def test_facebook_counts_comments_and_messenger_by_their_own_limits(
    client, agent, comment_ticket, messenger_ticket
):
    client.force_login(agent)
    assert count(client, comment_ticket, "x" * 2001) is None  # public: a comment takes 8,000
    private = count(client, comment_ticket, "x" * 2001, reply_as="private")
    assert private == "2,001/2,000 — 1 too long for Messenger"
    assert count(client, comment_ticket, "x" * 8001) == "8,001/8,000 — 1 too long for a Facebook comment"
    assert count(client, messenger_ticket, "x" * 1700) == "1,700/2,000"
    assert count(client, messenger_ticket, "x" * 1700, reply_as="private") == "1,700/2,000"  # no choice there


def test_email_has_no_counter(client, agent, email_ticket):
    client.force_login(agent)
    assert count(client, email_ticket, "x" * 50_000) is None
    page = client.get(reverse("inbox:ticket", args=[email_ticket.pk])).content.decode()
    assert reverse("inbox:reply_count", args=[email_ticket.pk]) not in page


def test_only_queue_workers_ask_and_only_of_a_ticket_that_exists(client, outsider, agent, x_ticket):
    url = reverse("inbox:reply_count", args=[x_ticket.pk])
    client.force_login(outsider)
    assert client.post(url, {"text": "hello"}).status_code == 403
    client.force_login(agent)
    assert client.post(reverse("inbox:reply_count", args=[999_999]), {"text": "hello"}).status_code == 404
    assert client.put(url).status_code == 405


def test_the_composer_asks_the_server_as_the_agent_types_and_switches(client, agent, x_ticket):
    client.force_login(agent)
    page = client.get(reverse("inbox:ticket", args=[x_ticket.pk])).content.decode()
    region = re.search(r'<div class="reply-counter reply-only"[^>]*>', page).group(0)
    assert 'aria-live="polite"' in region
    assert f'hx-post="{reverse("inbox:reply_count", args=[x_ticket.pk])}"' in region
    trigger = re.search(r'hx-trigger="([^"]+)"', region).group(1)
    assert "load" in trigger and "input changed delay:300ms" in trigger and "change" in trigger
    assert 'hx-target="this"' in region  # not the queue pane, which the ticket's other forms answer into
    assert 'id="composer-count"' in page and "data-max-length" not in page


def test_the_pages_script_holds_no_length_rule():
    script = (ROOT / "static/js/inbox.js").read_text()
    rules = ("280", "URL_LENGTH", "tweetLength", "codePointAt", "normalize(", "maxLength", "too long for")
    for rule in rules:
        assert rule not in script, rule
