"""Resolved search sizes its windows of messages from how often the words occur (the statistics of
the messages' index), and the statistics only choose how the messages are read: whatever they say,
stale or missing, a search finds exactly its newest matches and says when it left older ones out."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from oss_inbox.inbox import search as queue_search
from oss_inbox.tickets.models import Ticket
from oss_inbox.tickets.services import ingest, ticket_set_status
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

CUT_NOTICE = "Showing only the newest matches"


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def keep_three(monkeypatch):
    """A search keeps the tickets of the newest 3 matching messages; windows may be 1 message wide,
    and reading a message's words costs no more than one index entry, so that a small test
    reads its first window one message at a time."""
    monkeypatch.setattr(queue_search, "SEARCH_MESSAGES", 3)
    monkeypatch.setattr(queue_search, "SEARCH_CUSTOMER_TICKETS", 3)
    monkeypatch.setattr(queue_search, "SEARCH_WINDOW", 1)
    monkeypatch.setattr(queue_search, "MESSAGE_COST_IN_INDEX_ENTRIES", 1)


def _resolved(mailbox, agent, clock, text):
    """A resolved ticket whose customer wrote `text`, an hour after the one before."""
    clock.shift(timedelta(hours=1))
    item = factories.email(text=text, sender=f"customer{Ticket.objects.count()}@example.com")
    ingest(mailbox, [item])
    ticket = Ticket.objects.get(thread_key=item.thread_key)
    ticket_set_status(ticket=ticket, status="resolved", actor=agent)
    return ticket.pk


def _search(client, q):
    """(ids of the tickets Resolved shows for `q`, in its order, whether it says the results were cut)."""
    response = client.get(reverse("inbox:queue"), {"q": q, "view": "resolved"})
    assert response.status_code == 200
    return [t.pk for t in response.context["page"].tickets], CUT_NOTICE in response.content.decode()


def _analyze():
    """What autovacuum does in time: the share of messages holding each word, for the planner and search."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_message")


def test_the_frequencies_are_the_share_of_messages_with_each_word(agent, mailbox, clock):
    for n in range(20):
        _resolved(
            mailbox, agent, clock, f"Streetlight {n} flickers" + (" near the substation" if n < 5 else "")
        )
    assert queue_search._word_frequencies("streetlight") is None  # no statistics yet: unknown
    _analyze()
    streetlight, _ = queue_search._word_frequencies("streetlights")  # as the index has it: a stem
    substation, _ = queue_search._word_frequencies("substation")
    # The auto-acknowledgements out of hours are messages too: shares of all the messages.
    assert streetlight == pytest.approx(4 * substation, rel=0.01)
    # Two words: as if independent, and at most the rarer one's share.
    assert queue_search._word_frequencies("substation streetlight") == pytest.approx(
        (streetlight * substation, substation)
    )
    assert queue_search._word_frequencies("the of") is None  # stop words: no word to count


def test_the_first_window_is_sized_from_the_frequency_and_read_the_cheaper_way(monkeypatch):
    """A word in a fifth of a million messages: its newest ~2,000 read one by one (about 400 with
    it), not its 200,000 entries in the index; a word in one message in ten thousand: one pass
    through the index over the whole history, not a window at a time."""
    monkeypatch.setattr(queue_search, "_message_ids", lambda: (0, 1_000_000))
    common = queue_search._message_windows((0.2, 0.2), 201)
    assert common[0] == (1_000_000 - 2010, None, True)
    assert [one_by_one for _, _, one_by_one in common[1:]] == [False] * (len(common) - 1)
    assert queue_search._message_windows((0.0001, 0.0001), 201) == [(None, None, False)]
    # Two words seldom together: sized by both, but no wider than ten times the matches needed
    # at the rarer word's share, in case they always come together.
    assert queue_search._message_windows((0.0001, 0.02), 201)[0] == (1_000_000 - 100_500, None, False)
    # Unknown: the newest SEARCH_WINDOW one by one, then the index, each window 8x the one before.
    assert queue_search._message_windows(None, 201)[:2] == [
        (1_000_000 - 1000, None, True),
        (1_000_000 - 9000, 1_000_000 - 1000, False),
    ]


def test_stale_frequencies_still_find_the_newest_matches(client, agent, mailbox, clock, keep_three):
    """A word rare when the statistics were taken and common since, and the other way round: the
    windows are sized wrongly, and the search still finds the newest matches, and only says it
    left some out when it did."""
    client.force_login(agent)
    old_outages = [_resolved(mailbox, agent, clock, f"Outage {n} on my street") for n in range(12)]
    for n in range(4):
        _resolved(mailbox, agent, clock, f"Storm damage {n}")
    _analyze()  # "outage" in most messages, "storm" in few
    new_storms = [_resolved(mailbox, agent, clock, f"Storm {n} broke my fence gate") for n in range(12)]
    for n in range(4):
        _resolved(mailbox, agent, clock, f"My bill {n} is wrong")

    assert _search(client, "outage") == (old_outages[:-4:-1], True)
    assert _search(client, "storm") == (new_storms[:-4:-1], True)
    assert _search(client, "storm fence") == (new_storms[:-4:-1], True)
    assert _search(client, '"broke my fence"') == (new_storms[:-4:-1], True)
    assert _search(client, "outage street 3") == ([old_outages[3]], False)
    assert _search(client, "outage storm") == ([], False)


def test_a_common_word_read_one_by_one_finds_an_old_match_beyond_its_window(
    client, agent, mailbox, clock, keep_three
):
    """A word in most messages reads its first window one by one; when the newest messages have
    fewer of it than the statistics promise, the older windows go through the index."""
    client.force_login(agent)
    oldest = _resolved(mailbox, agent, clock, "A meter reading, please")
    for n in range(20):
        _resolved(mailbox, agent, clock, f"Meter {n} is spinning")
    _analyze()
    for n in range(30):
        _resolved(mailbox, agent, clock, f"Question {n} about my payment plan")
    newest = _resolved(mailbox, agent, clock, "My meter again")
    assert queue_search._message_windows(queue_search._word_frequencies("meter"), 4)[0][2] is True
    found, cut = _search(client, "meter")
    assert (found[0], cut) == (newest, True)
    assert _search(client, '"meter reading"') == ([oldest], False)
