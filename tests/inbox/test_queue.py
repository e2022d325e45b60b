"""The queue: named views, combinable filters, search, keyset pages, counts, the in-place ticket."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from oss_inbox.inbox import queue as queue_module
from oss_inbox.tickets.models import Organization, Tag, Ticket
from oss_inbox.tickets.services import ticket_claim, ticket_set_status
from tests import factories

from .conftest import open_ticket, queue_ids

pytestmark = pytest.mark.django_db

URL = reverse("inbox:queue")


@pytest.fixture
def world(twitter, mailbox, facebook, agent, other_agent):
    """Five open tickets on three channels and one resolved one, with distinct customers and states."""
    now = timezone.now()
    who = factories.author
    tickets = {
        "kim": open_ticket(
            twitter, who=who("1", "kjones", "Kim Jones"), text="Power out on Elm St since 6am"
        ),
        "dm": open_ticket(
            twitter,
            kind="dm",
            thread_key="xdm:1-2",
            who=who("2", "tomb", "Tom B"),
            text="Can I set up a payment plan?",
        ),
        "maria": open_ticket(mailbox, subject="Bill higher than usual", text="My bill doubled this month"),
        "hospital": open_ticket(
            mailbox,
            sender="ops@mercy.example",
            name="Mercy Hospital",
            subject="Outage",
            text="Generator test tonight",
        ),
        "fb": open_ticket(
            facebook,
            kind="comment",
            thread_key="fb:9:1",
            who=who("3", "", "Ann Lee"),
            text="Streetlight broken",
        ),
        "old": open_ticket(
            mailbox, sender="old@example.com", name="Olga Old", subject="Thanks", text="All fixed, thanks"
        ),
    }
    ticket_set_status(ticket=tickets["old"], status="resolved", actor=agent)
    ticket_claim(ticket=tickets["kim"], user=agent)
    ticket_claim(ticket=tickets["maria"], user=other_agent)
    ticket_set_status(ticket=tickets["dm"], status="pending", actor=agent)
    mercy = Organization.objects.create(name="Mercy Hospital", is_key_account=True)
    tickets["hospital"].contact.organization = mercy
    tickets["hospital"].contact.save()
    # Stored SLA instants, as the SLA services keep them: one breached, one at risk, one fine.
    Ticket.objects.filter(pk=tickets["hospital"].pk).update(
        is_key_account=True, sla_due_at=now - timedelta(hours=1)
    )
    Ticket.objects.filter(pk=tickets["fb"].pk).update(
        sla_due_at=now + timedelta(minutes=30), sla_at_risk_at=now - timedelta(minutes=5)
    )
    Ticket.objects.filter(pk=tickets["kim"].pk).update(
        sla_due_at=now + timedelta(hours=5), sla_at_risk_at=now + timedelta(hours=4)
    )
    Ticket.objects.filter(pk=tickets["maria"].pk).update(
        sla_due_at=now + timedelta(hours=20), sla_at_risk_at=now + timedelta(hours=19)
    )
    Ticket.objects.filter(pk=tickets["dm"].pk).update(sla_due_at=None, sla_at_risk_at=None)
    tickets["kim"].tags.add(Tag.objects.create(name="outage"))
    return {name: ticket.pk for name, ticket in tickets.items()}


@pytest.mark.parametrize(
    "view, expected",
    [
        ("open", ["hospital", "fb", "kim", "maria", "dm"]),  # soonest due first, no running clock last
        ("mine", ["kim"]),
        ("unassigned", ["hospital", "fb", "dm"]),
        ("pending", ["dm"]),
        ("key", ["hospital"]),
        ("at_risk", ["fb"]),
        ("breached", ["hospital"]),
        ("resolved", ["old"]),
    ],
)
def test_each_view_lists_its_tickets_in_order(client, agent, world, view, expected):
    client.force_login(agent)
    assert queue_ids(client, view=view) == [world[name] for name in expected]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"channel": "email"}, ["hospital", "maria"]),
        ({"channel": "x_dm"}, ["dm"]),
        ({"channel": "x"}, ["kim"]),
        ({"channel": "facebook"}, ["fb"]),
        ({"channel": "email", "view": "unassigned"}, ["hospital"]),
        ({"tag": "outage"}, ["kim"]),
        ({"assignee": "none", "channel": "email"}, ["hospital"]),
        ({"priority": "1", "channel": "facebook"}, ["fb"]),
        # Unknown values are ignored.
        ({"channel": "not-a-channel"}, ["hospital", "fb", "kim", "maria", "dm"]),
    ],
)
def test_filters_combine_with_the_view(client, agent, world, params, expected):
    client.force_login(agent)
    assert queue_ids(client, **params) == [world[name] for name in expected]


def test_links_from_before_the_named_views_still_work(client, agent, world):
    client.force_login(agent)
    assert queue_ids(client, status="open", sla="breached") == [world["hospital"]]
    assert queue_ids(client, status="resolved") == [world["old"]]


def test_assignee_filter_takes_a_colleague(client, agent, other_agent, world):
    client.force_login(agent)
    assert queue_ids(client, assignee=other_agent.pk) == [world["maria"]]


@pytest.mark.parametrize(
    "q, expected",
    [
        ("elm", ["kim"]),  # message text
        ("payment plan", ["dm"]),
        ("Mercy", ["hospital"]),  # customer name
        ("@kjones", ["kim"]),  # customer handle
        ("plan payment", ["dm"]),  # every word, in any order
        ("PAYMENT, plan?", ["dm"]),  # punctuation and case ignored
        ('"payment', ["dm"]),  # a stray leading quote
        ('"payment plan"', ["dm"]),  # a quoted phrase
        ('"plan payment"', []),  # ... is a phrase: not in that order
        ("payment elm", []),  # every word must be found
        ("Mercy Hospital", ["hospital"]),  # every word of the customer's name
    ],
)
def test_search_finds_message_text_and_customers(client, agent, world, q, expected):
    client.force_login(agent)
    assert queue_ids(client, q=q) == [world[name] for name in expected]


def test_a_ticket_number_in_the_search_box_opens_that_ticket(client, agent, world):
    client.force_login(agent)
    kim = world["kim"]
    for typed in (str(kim), f"#{kim}", f" # {kim} "):
        response = client.get(URL, {"q": typed})
        assert response.status_code == 302 and response["Location"] == reverse("inbox:ticket", args=[kim])
    assert client.get(URL, {"q": "999999"}).status_code == 200  # no such ticket: a search for the number


def test_search_reaches_resolved_tickets_in_the_resolved_view(client, agent, world):
    client.force_login(agent)
    assert queue_ids(client, q="fixed") == []
    assert queue_ids(client, q="fixed", view="resolved") == [world["old"]]


def test_view_list_counts_open_tickets_but_never_the_whole_history(client, agent, world):
    client.force_login(agent)
    views = {view.slug: count for view, count, _address in client.get(URL).context["views"]}
    assert views == {
        "safety": 0,
        "mine": 1,
        "unassigned": 3,
        "open": 5,
        "pending": 1,
        "key": 1,
        "at_risk": 1,
        "breached": 1,
        "resolved": None,
    }


def test_links_keep_the_filters_so_a_shared_link_shows_the_same_queue(client, agent, world):
    client.force_login(agent)
    html = client.get(URL, {"view": "unassigned", "channel": "email", "q": "generator"}).content.decode()
    assert 'href="/?view=mine&amp;channel=email&amp;q=generator"' in html
    assert (
        f'hx-push-url="/?view=unassigned&amp;channel=email&amp;q=generator&amp;ticket={world["hospital"]}"'
        in html
    )


def test_rows_show_channel_customer_key_account_timer_assignee_tags_and_preview(client, agent, world):
    client.force_login(agent)
    html = client.get(URL).content.decode()
    assert '<span class="channel channel-x_dm">X DM</span>' in html
    assert '<span class="badge key" title="Key account">Mercy Hospital</span>' in html
    assert "breached 1h ago" in html and "Power out on Elm St since 6am" in html
    assert '<span class="tag">outage</span>' in html and "Dana" in html


def test_keyset_pages_walk_every_open_ticket_once_in_due_order(client, agent, twitter, monkeypatch):
    monkeypatch.setattr(queue_module, "PAGE_SIZE", 3)
    tickets = [open_ticket(twitter) for _ in range(8)]
    now = timezone.now()
    for number, ticket in enumerate(tickets[:6]):  # two share a due time: the id breaks the tie
        Ticket.objects.filter(pk=ticket.pk).update(sla_due_at=now + timedelta(minutes=10 * (number // 2 * 2)))
    Ticket.objects.filter(pk__in=[t.pk for t in tickets[6:]]).update(sla_due_at=None)
    client.force_login(agent)
    seen, after = [], ""
    while True:
        page = client.get(URL, {"after": after} if after else {}).context["page"]
        seen += [ticket.pk for ticket in page.tickets]
        if not page.next_cursor:
            break
        after = page.next_cursor
    assert seen == [t.pk for t in tickets]


def test_resolved_view_pages_newest_first(client, agent, mailbox, monkeypatch):
    monkeypatch.setattr(queue_module, "PAGE_SIZE", 2)
    tickets = [open_ticket(mailbox, sender=f"c{n}@example.com") for n in range(5)]
    for ticket in tickets:
        ticket_set_status(ticket=ticket, status="resolved", actor=agent)
    client.force_login(agent)
    first = client.get(URL, {"view": "resolved"}).context["page"]
    second = client.get(URL, {"view": "resolved", "after": first.next_cursor}).context["page"]
    third = client.get(URL, {"view": "resolved", "after": second.next_cursor}).context["page"]
    walked = [t.pk for page in (first, second, third) for t in page.tickets]
    assert walked == [t.pk for t in reversed(tickets)] and not third.next_cursor


def test_queue_page_takes_the_same_few_queries_for_many_tickets(
    client, agent, twitter, django_assert_max_num_queries
):
    for number in range(30):
        ticket = open_ticket(twitter, who=factories.author(str(number), f"c{number}", f"Customer {number}"))
        ticket.tags.add(Tag.objects.get_or_create(name=f"t{number % 3}")[0])
    client.force_login(agent)
    client.get(URL)  # fills the minute's cache of filter menus and the coverage header
    with django_assert_max_num_queries(10):
        response = client.get(URL, {"channel": "x", "q": "power"})
    assert len(response.context["page"].tickets) == 30


def test_live_refresh_gets_only_the_view_list_and_the_rows(client, agent, world):
    client.force_login(agent)
    html = client.get(URL, headers={"HX-Request": "true", "HX-Target": "queue-live"}).content.decode()
    assert 'id="view-list"' in html and 'id="queue-rows"' in html
    assert "<html" not in html and 'bulk-form"' not in html.split('id="queue-rows"')[0]


def test_ticket_opens_in_the_third_pane_without_the_page_around_it(client, agent, world):
    client.force_login(agent)
    ticket_url = reverse("inbox:ticket", args=[world["kim"]])
    pane = client.get(ticket_url, headers={"HX-Request": "true", "HX-Target": "ticket-pane"}).content.decode()
    assert "Power out on Elm St" in pane and "<html" not in pane and 'class="topbar"' not in pane
    page = client.get(URL, {"ticket": world["kim"]}).content.decode()
    assert f'hx-get="{ticket_url}" hx-trigger="load"' in page  # a shared link opens it in place too


def test_outsider_may_not_see_the_queue(client, outsider):
    client.force_login(outsider)
    assert client.get(URL).status_code == 403


def test_an_email_row_shows_what_the_customer_asked_not_the_greeting(client, agent, mailbox):
    open_ticket(mailbox, subject="Bill", text="Hi Tamika,\n\nMy bill doubled this month, can you check?")
    client.force_login(agent)
    html = client.get(URL).content.decode()
    assert "Bill</span> — My bill doubled this month" in html and "Hi Tamika" not in html


def test_the_resolved_view_says_when_each_was_resolved_and_offers_no_resolve(client, agent, world):
    client.force_login(agent)
    html = client.get(URL, {"view": "resolved"}).content.decode()
    assert re.search(r'title="Resolved \w{3}, \w{3} \d+, \d{4}, [^"]+">resolved ', html)
    assert " ago</time>" in html
    assert 'value="resolve"' not in html
    assert 'value="resolve"' in client.get(URL).content.decode()
