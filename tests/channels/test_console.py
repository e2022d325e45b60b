"""The budget and health console (channels/console.py, /channels/console/): for admins only; per
account its webhooks, rate limit, calls per day, X spend at the published prices, token countdown."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from channels.console import XPrices, console_accounts, token_countdown, x_spend
from channels.models import ApiUsage
from tests import factories

NOW = datetime(2026, 12, 7, 18, 0, tzinfo=UTC)
PUBLISHED = XPrices(
    post_read=Decimal("0.005"),
    post_create=Decimal("0.015"),
    post_create_with_url=Decimal("0.200"),
    dm_event_read=Decimal("0.010"),
)


def test_x_spend_counts_reads_writes_and_links_at_their_own_prices():
    # 1,000 post reads at $0.005, 50 DM event reads at $0.010, 38 plain posts at $0.015, 2 posts
    # with a link at $0.20 (not also at $0.015)
    spend = x_spend(posts_read=1000, dm_events_read=50, posts_written=40, posts_with_url=2, prices=PUBLISHED)
    assert spend == Decimal("5.000") + Decimal("0.500") + Decimal("0.570") + Decimal("0.400")
    nothing = x_spend(posts_read=0, dm_events_read=0, posts_written=0, posts_with_url=0, prices=PUBLISHED)
    assert nothing == 0


def test_a_dm_event_read_costs_its_own_price_not_a_posts():
    dms = x_spend(posts_read=0, dm_events_read=300, posts_written=0, posts_with_url=0, prices=PUBLISHED)
    assert dms == Decimal("3.000")  # 300 x $0.010; at the post-read rate it would be $1.50


@override_settings(X_PRICE_POST_READ=Decimal("0.01"), X_PRICE_DM_EVENT_READ=Decimal("0.02"))
def test_the_prices_are_settings(db):
    prices = XPrices.from_settings()
    assert (prices.post_read, prices.dm_event_read) == (Decimal("0.01"), Decimal("0.02"))


@pytest.mark.parametrize(
    ("expires_at", "state", "words"),
    [
        (None, "unknown", "No expiry date recorded"),
        (NOW + timedelta(days=40, hours=3), "ok", "Expires in 40 days"),
        (NOW + timedelta(days=6, hours=23), "soon", "Expires in 6 days"),
        (NOW + timedelta(hours=5, minutes=10), "soon", "Expires in 5 hours"),
        (NOW + timedelta(minutes=1), "soon", "Expires in 1 minute"),
        (NOW - timedelta(days=3), "expired", "Expired 3 days ago"),
    ],
)
def test_the_token_countdown_in_words(expires_at, state, words):
    countdown = token_countdown(expires_at, NOW)
    assert (countdown.state, countdown.words) == (state, words)


@pytest.fixture
def accounts(db):
    x = factories.account("twitter", name="X @PrairieEGHelp", token_expires_at=NOW + timedelta(days=3))
    page = factories.account(
        "facebook",
        name="Prairie Page",
        webhooks_enabled=True,
        last_webhook_at=NOW - timedelta(minutes=2),
        missed_by_webhooks=4,
        rate_limited_until=NOW + timedelta(minutes=20),
        last_error="Facebook is limiting calls for this Page (Graph error 4); next try at 18:20 UTC.",
    )
    today, yesterday, long_ago = NOW.date(), NOW.date() - timedelta(days=1), NOW.date() - timedelta(days=9)
    ApiUsage.objects.create(
        account=x, day=today, calls=30, posts_read=400, dm_events_read=25, posts_written=10, posts_with_url=1
    )
    ApiUsage.objects.create(account=x, day=yesterday, calls=60, rate_limited=2, posts_read=1000)
    ApiUsage.objects.create(account=x, day=long_ago, calls=999, posts_read=99999)  # outside the week
    ApiUsage.objects.create(account=page, day=today, calls=12, rate_limited=1, posts_written=3)
    return x, page


def test_each_account_gets_its_week_oldest_first_and_the_x_spend(accounts):
    x, page = accounts
    x_console, page_console = sorted(console_accounts(NOW), key=lambda item: item.account.kind, reverse=True)
    assert [day.day for day in x_console.days] == [date(2026, 12, 1) + timedelta(days=n) for n in range(7)]
    assert [day.calls for day in x_console.days] == [0, 0, 0, 0, 0, 60, 30]
    assert x_console.week_calls == 90
    # today: 400 x 0.005 + 25 x 0.010 + 9 x 0.015 + 1 x 0.20; yesterday: 1,000 x 0.005
    assert x_console.today.dm_events_read == 25
    assert x_console.today.spend == Decimal("2.585")
    assert x_console.week_spend == Decimal("7.585")
    assert x_console.token.state == "soon"
    assert page_console.week_spend is None and page_console.today.spend is None
    assert page_console.rate_limited_now
    assert [day.bar_height for day in x_console.days][-2:] == [32, 16]  # the busiest day is full height


def test_an_admin_sees_the_console_with_health_budget_and_token(client, admin_user, accounts, time_machine):
    time_machine.move_to(NOW, tick=False)
    client.force_login(admin_user)
    page = client.get(reverse("channels:console")).content.decode()
    assert "Budget and health" in page
    assert "$2.59" in page and "$7.59" in page  # today's and the week's X spend
    assert "400 posts read, 25 DM events read, 10 written" in page  # the card's day
    assert "$0.010 a DM event read" in page  # the price it was billed at
    # The week's table, today first: calls, 429s, posts read, DM events read, written, spend.
    cells = re.search(r"Dec 7</th>((?:<td>.*?</td>)+)</tr>", page).group(1)
    assert re.findall(r"<td>([^<]*)", cells) == ["30", "0", "400", "25", "10 ", "$2.59"]
    assert "Expires in 3 days" in page
    assert "Healthy — reconciled every 300 s" in page and "Last delivery: 2" in page
    assert "Missed by webhooks, found by polls: 4" in page
    assert "Limited until" in page and "Graph error 4" in page
    assert "No expiry date recorded" in page  # the Page's token
    listing = client.get(reverse("channels:list")).content.decode()
    assert reverse("channels:console") in listing  # linked from the channel list


def test_agents_and_supervisors_may_not_see_it(client, agent, supervisor, db):
    for person in (agent, supervisor):
        client.force_login(person)
        assert client.get(reverse("channels:console")).status_code == 403
    client.logout()
    assert client.get(reverse("channels:console")).status_code == 302  # to sign in


def test_the_console_is_two_queries_whatever_the_number_of_accounts(client, admin_user, accounts):
    client.force_login(admin_user)
    client.get(reverse("channels:console"))  # warm: the session, the permissions
    for n in range(5):
        factories.account("twitter", name=f"X extra {n}")
    with CaptureQueriesContext(connection) as queries:
        console_accounts(NOW)
    assert len(queries) == 2
