"""Every call to a channel's API counted per account and UTC day (channels/usage.py), over real HTTP
against the X and Graph sandboxes: calls, 429s, posts read, DM events read, posts written and those
with a link."""

import json
from datetime import date, timedelta

import pytest
import requests
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from channels.models import ApiUsage
from channels.twitter.usage import measure_x_answer
from channels.usage import CallCount, usage_add
from oss_inbox.tickets.models import Ticket
from oss_inbox.tickets.services import ticket_reply
from oss_inbox.tickets.services.outbox import outbox_deliver
from tests import factories

from .sandbox_accounts import facebook_page, poll, x_account


def usage(account):
    return ApiUsage.objects.get(account=account)


def answer(method, path, body, status=200):
    """An X answer as the response hook sees it."""
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.request = requests.Request(method, f"https://api.x.com{path}").prepare()
    return response


@pytest.fixture
def x(db, x_api):
    account = x_account(x_api)
    poll(account)  # the first poll: one mentions page and one DM page, both empty
    return account


def test_a_poll_counts_its_calls_and_the_posts_x_bills_as_read(x_api, x):
    assert (usage(x).calls, usage(x).posts_read) == (2, 0)
    for n in range(120):  # two pages of mentions
        x_api.add_mention(str(7000 + n % 40), f"customer{n % 40}", "Customer", f"Lights out on block {n}")
    x_api.add_dm("7001", "customer1", "Customer 1", "Is there an outage?")
    poll(x)
    counted = usage(x)
    assert counted.calls == 2 + 3  # two mention pages, one DM page
    assert counted.posts_read == 120  # the DM is a DM event read, billed at its own rate
    assert counted.dm_events_read == 1
    assert counted.rate_limited == counted.posts_written == 0


def test_a_dm_poll_counts_dm_events_read_not_posts(x_api, x):
    for n in range(3):
        x_api.add_dm(str(7100 + n), f"customer{n}", f"Customer {n}", f"Power out at {n} Oak Ave")
    poll(x)
    counted = usage(x)
    assert (counted.dm_events_read, counted.posts_read) == (3, 0)
    assert counted.calls == 2 + 2  # an empty mentions page, one DM page


def test_dm_events_a_poll_reads_again_are_counted_once_a_day_as_x_bills_them(x_api, x, time_machine):
    """GET /2/dm_events has no since_id: every poll reads the newest page again. X bills each event
    once a UTC day; so does the count."""
    for n in range(150):
        x_api.add_dm(str(7100 + n % 30), f"customer{n % 30}", "Customer", f"Power out, report {n}")
    poll(x)  # two pages, all new: 150 events
    assert usage(x).dm_events_read == 150
    poll(x)
    poll(x)  # the newest page again, twice: 100 events read today already
    assert usage(x).dm_events_read == 150
    x_api.add_dm("7200", "new", "New Customer", "Still out on Elm St")
    x_api.add_dm("7201", "newer", "Newer Customer", "Out on Oak Ave too")
    poll(x)  # two new ones and 98 read today already
    assert usage(x).dm_events_read == 152 and usage(x).posts_read == 0
    time_machine.move_to(timezone.now() + timedelta(days=1))
    poll(x)  # a new UTC day: X bills the newest page again
    tomorrow = ApiUsage.objects.get(account=x, day=timezone.now().date())
    assert tomorrow.dm_events_read == 100


@pytest.mark.parametrize(
    "path",
    [
        "/2/dm_events?max_results=100&pagination_token=abc",  # the poll: all our DM events
        "/2/dm_conversations/1500-7100/dm_events",  # a reconcile: one conversation's
        "/2/dm_conversations/with/7100/dm_events/",  # one participant's
        "/x-proxy/2/dm_events",  # an API base URL behind a proxy
    ],
)
def test_every_dm_event_list_counts_as_dm_events_read(path):
    events = [{"id": "1800000000000000001"}, {"id": "1800000000000000002"}]
    assert measure_x_answer(answer("GET", path, {"data": events})) == CallCount(dm_events_read=2)


def test_other_lists_still_count_as_posts_read():
    tweets = {"data": [{"id": "1"}, {"id": "2"}]}
    assert measure_x_answer(answer("GET", "/2/users/15/mentions", tweets)) == CallCount(posts_read=2)
    refused = answer("GET", "/2/dm_events", {"title": "Too Many Requests"}, status=429)
    assert measure_x_answer(refused) == CallCount(rate_limited=1)


def test_a_429_is_counted_and_the_poll_still_records_its_rate_limit(x_api, x):
    x_api.fail_next(1, status=429, reset_in=600)
    poll(x)
    assert x.rate_limited_until is not None
    assert (usage(x).calls, usage(x).rate_limited) == (3, 1)


def test_replies_count_as_posts_written_and_a_link_as_a_post_with_url(x_api, x, agent):
    x_api.add_mention("4001", "kjones", "Kim Jones", "@PrairieEGHelp power out on Elm St")
    x_api.add_dm("4002", "mlopez", "Maria Lopez", "Is there an outage on Oak Ave?")
    poll(x)
    dm = Ticket.objects.get(account=x, thread_key__startswith="xdm:")
    mention = Ticket.objects.exclude(pk=dm.pk).get(account=x)
    replies = [
        (mention, "@kjones Crews are on their way."),
        (mention, "@kjones See https://prairie-eg.example/outages"),
        (dm, "Yes, see https://prairie-eg.example/outages"),  # a DM: X bills no higher rate for its link
    ]
    for ticket, text in replies:
        message = ticket_reply(ticket=ticket, author=agent, text=text)
        assert outbox_deliver("reply", message.pk) == "sent"
    counted = usage(x)
    assert (counted.posts_written, counted.posts_with_url) == (3, 1)


def test_graph_calls_and_their_throttling_are_counted(graph, db):
    page = facebook_page(graph, timeout_seconds=2)
    poll(page)
    calls = usage(page).calls
    assert calls >= 1 and usage(page).rate_limited == 0
    graph.fail_next(1, status=400, code=4)  # "Application request limit reached"
    poll(page)
    assert usage(page).rate_limited == 1 and usage(page).calls == calls + 1


def test_one_statement_per_call_and_the_days_are_kept_apart(db):
    account = factories.account("twitter")
    with CaptureQueriesContext(connection) as queries:
        usage_add(account.pk, CallCount(posts_read=5), day=date(2026, 12, 6))
    # One statement; the savepoint around it is the test's transaction's (a poll has none).
    assert len([query for query in queries if "SAVEPOINT" not in query["sql"]]) == 1
    usage_add(account.pk, CallCount(posts_read=2), day=date(2026, 12, 6))
    usage_add(account.pk, CallCount(rate_limited=1), day=date(2026, 12, 7))
    days = ApiUsage.objects.filter(account=account).order_by("day")
    assert [(row.calls, row.posts_read, row.rate_limited) for row in days] == [(2, 7, 0), (1, 0, 1)]


def test_counting_that_fails_never_breaks_the_call(x_api, x, monkeypatch):
    def broken(*args):
        raise RuntimeError("database gone")

    monkeypatch.setattr("channels.usage._upsert", broken)
    x_api.add_mention("4001", "kjones", "Kim Jones", "@PrairieEGHelp power out")
    poll(x)
    assert Ticket.objects.filter(account=x).count() == 1 and not x.last_error


@pytest.mark.django_db(transaction=True)
def test_a_count_outside_any_transaction_is_committed_on_its_own():
    """As in a poll (no transaction open): on PostgreSQL one query string that commits without
    waiting for the disk."""
    account = factories.account("twitter")
    usage_add(account.pk, CallCount(posts_read=3), day=date(2026, 12, 7))
    usage_add(account.pk, CallCount(rate_limited=1), day=date(2026, 12, 7))
    row = ApiUsage.objects.get(account=account)
    assert (row.calls, row.posts_read, row.rate_limited) == (2, 3, 1)
