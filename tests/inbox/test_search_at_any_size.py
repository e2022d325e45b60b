"""Search of Resolved at any size (issue 18): it keeps only the newest matches, reads the messages in
windows of ids from the newest, and the page says when older matches were left out."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from oss_inbox.inbox import search as queue_search
from oss_inbox.tickets.models import Ticket
from oss_inbox.tickets.services import ingest, ticket_set_status
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

CUT_NOTICE = "Showing only the newest matches"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def keep_three(monkeypatch):
    """A search keeps the tickets of the newest 3 matching messages (and 3 of matching customers),
    and reads the messages in windows of 1, 4, 16... ids: several windows even in a small test."""
    monkeypatch.setattr(queue_search, "SEARCH_MESSAGES", 3)
    monkeypatch.setattr(queue_search, "SEARCH_CUSTOMER_TICKETS", 3)
    monkeypatch.setattr(queue_search, "SEARCH_WINDOW", 1)


def _resolved(mailbox, agent, clock, text, *, sender=None, name="Customer"):
    """A resolved ticket whose customer wrote `text`, an hour after the one before."""
    clock.shift(timedelta(hours=1))
    number = Ticket.objects.count()
    item = factories.email(text=text, sender=sender or f"customer{number}@example.com", name=name)
    ingest(mailbox, [item])
    ticket = Ticket.objects.get(thread_key=item.thread_key)
    ticket_set_status(ticket=ticket, status="resolved", actor=agent)
    return ticket.pk


def _search(client, q, view="resolved"):
    """(ids of the tickets the page shows, in its order, whether it says the results were cut)."""
    response = client.get(reverse("inbox:queue"), {"q": q, "view": view})
    assert response.status_code == 200
    return [t.pk for t in response.context["page"].tickets], CUT_NOTICE in response.content.decode()


def test_a_search_with_more_matches_than_it_keeps_shows_the_newest_and_says_so(
    client, agent, mailbox, clock, keep_three
):
    client.force_login(agent)
    streetlights = [_resolved(mailbox, agent, clock, f"Streetlight {n} is flickering") for n in range(5)]
    meters = [_resolved(mailbox, agent, clock, f"My meter {n} is making a noise") for n in range(3)]
    _resolved(mailbox, agent, clock, "Thanks for fixing the transformer")

    # Five tickets say it: the three newest are shown, newest first, and the page says there are more.
    assert _search(client, "streetlight") == (streetlights[:1:-1], True)
    # Exactly as many as a search keeps: all of them, and nothing was cut.
    assert _search(client, "meter") == (meters[::-1], False)
    assert _search(client, "transformer")[1] is False
    assert _search(client, "nothing-says-this") == ([], False)


def test_an_old_match_is_found_beyond_many_newer_messages(client, agent, mailbox, clock, keep_three):
    """A rare word reads every window, down to the oldest message."""
    client.force_login(agent)
    oldest = _resolved(mailbox, agent, clock, "The substation fence is down")
    for n in range(30):
        _resolved(mailbox, agent, clock, f"Question {n} about my payment plan")
    assert _search(client, "substation") == ([oldest], False)
    assert _search(client, '"fence is down"') == ([oldest], False)  # a phrase
    assert _search(client, "substation fence") == ([oldest], False)  # every word
    assert _search(client, "substation payment") == ([], False)


def test_a_search_not_cut_finds_what_it_found_before(client, agent, mailbox, clock):
    """Every ticket saying every word, or whose customer is named so, as the search did before
    it kept only the newest: the same tickets as a plain match of every message and name."""
    client.force_login(agent)
    # Not "power": the acknowledgement sent out of hours mentions a downed power line.
    texts = [
        "Transformer humming on Elm St",
        "Transformer fee is too high",
        "Elm leaves in my gutter",
        "Fees",
    ]
    tickets = {_resolved(mailbox, agent, clock, text): text for text in texts}
    named = _resolved(mailbox, agent, clock, "Hello", name="Elmira Transformer")
    for q, expected in {
        "transformer": [t for t, text in tickets.items() if "Transformer" in text] + [named],
        "elm": [t for t, text in tickets.items() if "Elm " in text],
        "transformer elm": [t for t, text in tickets.items() if "Transformer" in text and "Elm" in text],
        "elmira": [named],
    }.items():
        found, cut = _search(client, q)
        assert (sorted(found), cut) == (sorted(expected), False), q


def test_a_phrase_is_checked_in_the_newest_messages_with_its_words_and_says_when_it_stopped(
    client, agent, mailbox, clock, monkeypatch
):
    """A phrase is checked against the text of the newest messages that have all its words: the
    page says so when older ones were not checked."""
    monkeypatch.setattr(queue_search, "SEARCH_PHRASE_CANDIDATES", 2)
    client.force_login(agent)
    oldest = _resolved(mailbox, agent, clock, "The pole is leaning over the road")
    newer = [_resolved(mailbox, agent, clock, f"Road {n}: a pole by it is leaning") for n in range(2)]
    # The newest two with both words are not the phrase; the oldest, not checked, is.
    assert _search(client, '"pole is leaning"') == ([], True)
    assert _search(client, "pole leaning") == ([*newer[::-1], oldest], False)  # no phrase: every match
    monkeypatch.setattr(queue_search, "SEARCH_PHRASE_CANDIDATES", 3)
    cache.clear()  # the page made under the other limit is kept for the same tickets (inbox.queue_rows)
    assert _search(client, '"pole is leaning"') == ([oldest], False)


def test_a_customer_with_more_tickets_than_a_search_keeps_shows_the_newest(
    client, agent, mailbox, clock, keep_three
):
    client.force_login(agent)
    theirs = [
        _resolved(mailbox, agent, clock, f"Question {n}", sender="ruth@example.com", name="Ruth Okafor")
        for n in range(4)
    ]
    assert _search(client, "okafor") == (theirs[:0:-1], True)
    assert _search(client, "ruth okafor") == (theirs[:0:-1], True)


def test_the_open_views_keep_every_match_and_never_say_cut(client, agent, mailbox, clock, keep_three):
    client.force_login(agent)
    open_ones = []
    for n in range(5):
        clock.shift(timedelta(hours=1))
        item = factories.email(text=f"Streetlight {n} is out", sender=f"open{n}@example.com")
        ingest(mailbox, [item])
        open_ones.append(Ticket.objects.get(thread_key=item.thread_key).pk)
    found, cut = _search(client, "streetlight", view="open")
    assert (sorted(found), cut) == (sorted(open_ones), False)


def test_a_search_of_resolved_stays_within_the_page_query_budget(
    client, agent, mailbox, clock, django_assert_max_num_queries
):
    client.force_login(agent)
    for n in range(3):
        _resolved(mailbox, agent, clock, f"Power out on street {n}")
    client.get(reverse("inbox:queue"), {"view": "resolved"})  # the cached menus, as on any visit
    with django_assert_max_num_queries(10):
        found, _ = _search(client, "power")
    assert len(found) == 3
