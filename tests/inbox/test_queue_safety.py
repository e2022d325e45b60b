"""Safety tickets in the desk: pinned above every open view, a Safety view, a red badge, the reason on
the ticket, and an agent's "not a safety report" / "mark as safety report"."""

from dataclasses import replace

import pytest
from django.urls import reverse
from django.utils import timezone

from oss_inbox.inbox import queue as queue_module
from oss_inbox.tickets.models import Ticket
from oss_inbox.tickets.services import ingest, ticket_claim
from tests import factories

from .conftest import open_ticket, queue_ids

pytestmark = pytest.mark.django_db

URL = reverse("inbox:queue")


@pytest.fixture
def desk(twitter, agent):
    """Six ordinary tickets, then a safety report (due in 15 minutes, but created last), claimed by nobody."""
    ordinary = [
        open_ticket(twitter, who=factories.author(str(n), f"c{n}"), text=f"Question {n} about my bill")
        for n in range(6)
    ]
    ticket_claim(ticket=ordinary[0], user=agent)
    # Written just now (factories date their items in the past): a fresh report gets the advice.
    report = replace(
        factories.inbound(who=factories.author("99", "neighbour"), text="strong gas smell on Oak St!!"),
        sent_at=timezone.now(),
    )
    ingest(twitter, [report])
    gas = Ticket.objects.get(thread_key=report.thread_key)
    return {"ordinary": ordinary, "gas": gas}


def test_a_safety_ticket_tops_every_open_view_and_has_its_own(client, agent, desk):
    client.force_login(agent)
    gas = desk["gas"].pk
    assert Ticket.objects.get(pk=gas).safety == "gas"
    # Nobody has claimed it: it tops every open view, Mine too, and only once.
    for view in ("open", "unassigned", "at_risk", "pending", "mine", "breached", "key"):
        ids = queue_ids(client, view=view)
        assert ids[0] == gas and ids.count(gas) == 1, view
    # The filters still apply: a search for something else does not show it.
    assert gas not in queue_ids(client, q="bill")
    assert queue_ids(client, view="safety") == [gas]
    assert queue_ids(client, view="resolved") == []  # the history is not pinned
    counts = {view.slug: count for view, count, _address in client.get(URL).context["views"]}
    assert counts["safety"] == 1


def test_once_claimed_it_tops_the_claimers_views_only(client, agent, other_agent, desk):
    gas = desk["gas"]
    ticket_claim(ticket=gas, user=other_agent)
    client.force_login(agent)
    assert queue_ids(client, view="open")[0] == gas.pk
    assert gas.pk not in queue_ids(client, view="mine") and gas.pk not in queue_ids(client, view="unassigned")
    client.force_login(other_agent)
    assert queue_ids(client, view="mine") == [gas.pk]


def _all_pages(client, **params):
    page = client.get(URL, params).context["page"]
    pages = [[ticket.pk for ticket in page.tickets]]
    while page.next_cursor:
        page = client.get(URL, {**params, "after": page.next_cursor}).context["page"]
        pages.append([ticket.pk for ticket in page.tickets])
    return pages


def test_a_storm_of_safety_tickets_pages_through_without_losing_or_repeating_any(
    client, agent, twitter, desk, monkeypatch
):
    more_reports = [
        open_ticket(twitter, who=factories.author(f"5{n}", f"storm{n}"), text=f"wires down on street {n}")
        for n in range(4)
    ]
    monkeypatch.setattr(queue_module, "PAGE_SIZE", 3)
    client.force_login(agent)
    everything = sorted([desk["gas"].pk, *(t.pk for t in desk["ordinary"]), *(t.pk for t in more_reports)])
    for view in ("open", "unassigned"):
        pages = _all_pages(client, view=view)
        seen = [pk for page in pages for pk in page]
        expected = everything if view == "open" else [pk for pk in everything if pk != desk["ordinary"][0].pk]
        assert sorted(seen) == expected and len(seen) == len(set(seen)), view
        assert all(len(page) <= 3 for page in pages)
        safety_ids = set(Ticket.objects.exclude(safety="").values_list("pk", flat=True))
        assert set(seen[:5]) == safety_ids  # the five reports come first
    assert queue_module.Cursor.parse("p99999999999999999999999.1", True) is None  # junk: the first page


def test_the_row_and_the_ticket_say_safety_and_why(client, agent, desk):
    client.force_login(agent)
    html = client.get(URL).content.decode()
    assert 'class="badge safety" title="Safety report: gas smell or leak">Safety</span>' in html
    # The row shows what the customer wrote, not the advice we sent after it.
    assert "strong gas smell on Oak St" in html and "leave the building" not in html
    page = client.get(reverse("inbox:ticket", args=[desk["gas"].pk])).content.decode()
    assert 'data-testid="safety-report"' in page
    assert "gas smell or leak" in page and "strong gas smell" in page
    assert "Safety advice (automatic)" in page


def test_an_agent_clears_a_false_alarm_and_marks_a_missed_report(client, agent, desk):
    client.force_login(agent)
    gas = desk["gas"]
    client.post(reverse("inbox:safety", args=[gas.pk]), {"category": ""})
    gas.refresh_from_db()
    assert gas.safety == "" and queue_ids(client)[0] != gas.pk
    missed = desk["ordinary"][3]
    client.post(reverse("inbox:safety", args=[missed.pk]), {"category": "downed_line"})
    missed.refresh_from_db()
    assert (missed.safety, missed.priority) == ("downed_line", Ticket.Priority.URGENT)
    page = client.get(reverse("inbox:ticket", args=[missed.pk])).content.decode()
    assert "marked by Dana" in page
    refused = client.post(reverse("inbox:safety", args=[missed.pk]), {"category": "nonsense"})
    assert refused.status_code == 200 or refused.status_code >= 400
    missed.refresh_from_db()
    assert missed.safety == "downed_line"
