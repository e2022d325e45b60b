"""The dashboard's Safety section: safety tickets in the range, time to first touch (median and
worst, a ticket nobody touched yet included), answered within 15 minutes, by hour and by kind.

Wednesday Nov 4 2026 in the team's zone (America/Chicago), seen at 17:00:
  A 02:00 downed line: claimed 02:03, answered 02:10     first touch 3 min, answered in time
  B 02:40 gas:         answered 03:00                     first touch 20 min, answered late
  D 12:00 gas:         a note 12:05, answered 12:12       first touch 5 min, answered in time
  C 14:00 fire:        nobody yet (only the safety advice) still waiting 3 h, past its 15 minutes
An ordinary ticket at 02:10 and a safety ticket the day before are not counted.
"""

import csv
import io
from dataclasses import replace
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from oss_inbox.dashboards.filters import Filters
from oss_inbox.dashboards.page import Sections
from oss_inbox.tickets.models import Contact, Message, Organization, Ticket
from oss_inbox.tickets.services import (
    contact_merge,
    ingest,
    ticket_add_note,
    ticket_claim,
    ticket_reply,
    ticket_set_safety,
)

from .. import factories
from ..sla.conftest import local

pytestmark = pytest.mark.django_db

PAGE = reverse("dashboards:page")
DAY = {"start": "2026-11-04", "end": "2026-11-04"}
NOW = local(2026, 11, 4, 17, 0)
DOWNED = "power line down and sparking on Elm St, right by the school"
GAS = "I smell gas outside my meter"
FIRE = "the transformer on our pole is on fire"
ORDINARY = "Power out on Elm St since 6am, any ETA?"
_authors = iter(range(500, 600))
WRITER = factories.author("499", "writer")


def arrive(account, when, text, who=None, **fields):
    who = who or factories.author(str(next(_authors)), "neighbour")
    item = replace(factories.inbound(text=text, who=who, **fields), sent_at=when)
    with time_machine.travel(when, tick=False):
        ingest(account, [item])
    return Ticket.objects.get(messages__external_id=item.external_id)


def at(when, action, **arguments):
    with time_machine.travel(when, tick=False):
        return action(**arguments)


def reply(ticket, agent, when):
    return at(when, ticket_reply, ticket=ticket, author=agent, text="Crews are on the way; stay clear.")


@pytest.fixture
def world(twitter, agent):
    a = arrive(twitter, local(2026, 11, 4, 2, 0), DOWNED)
    at(local(2026, 11, 4, 2, 3), ticket_claim, ticket=a, user=agent)
    reply(a, agent, local(2026, 11, 4, 2, 10))
    b = arrive(twitter, local(2026, 11, 4, 2, 40), GAS)
    reply(b, agent, local(2026, 11, 4, 3, 0))
    d = arrive(twitter, local(2026, 11, 4, 12, 0), GAS)
    at(local(2026, 11, 4, 12, 5), ticket_add_note, ticket=d, author=agent, text="Gas company called.")
    reply(d, agent, local(2026, 11, 4, 12, 12))
    c = arrive(twitter, local(2026, 11, 4, 14, 0), FIRE)
    ordinary = arrive(twitter, local(2026, 11, 4, 2, 10), ORDINARY)
    at(local(2026, 11, 4, 2, 11), ticket_claim, ticket=ordinary, user=agent)
    arrive(twitter, local(2026, 11, 3, 23, 30), GAS)  # the day before
    return {"a": a, "b": b, "c": c, "d": d}


def page(client, params=DAY):
    with time_machine.travel(NOW, tick=False):
        return client.get(PAGE, params)


def summary():
    """The safety figures of Nov 4, as the page computes them at 17:00."""
    return Sections(Filters(NOW.date(), NOW.date()), NOW, staff=[]).safety


def rows_of(table):
    return {row[0]: row[1:] for row in table.rows}


def test_the_supervisor_sees_count_first_touch_and_answers_within_15_minutes(client, supervisor, world):
    assert world["c"].safety == "fire" and not Ticket.objects.get(pk=world["c"].pk).first_response_at
    # C got the safety advice at once: an automatic message, no touch and no answer.
    assert Message.objects.filter(ticket=world["c"], direction="outbound", is_automatic=True).exists()
    client.force_login(supervisor)
    board = page(client).context["board"]
    safety = board.sections.safety.all
    assert safety.count == 4
    assert safety.median_touch == timedelta(minutes=5)  # 3, 5 and 20 minutes; C not touched yet
    assert [ticket.pk for ticket in safety.untouched] == [world["c"].pk]
    assert safety.worst.pk == world["c"].pk and safety.worst_wait == timedelta(hours=3)
    assert (safety.answered, safety.due) == (2, 4)  # A and D; B took 20 minutes, C none yet

    html = page(client).content.decode()
    assert 'still waiting</span> <span class="tile-time">3h 0m</span>' in html
    assert f'href="{reverse("inbox:ticket", args=[world["c"].pk])}">#{world["c"].pk}</a>' in html
    assert "2 of 4" in html and "(50.0%)" in html
    assert f'href="{reverse("inbox:queue")}?view=safety"' in html
    assert "<strong>First touch</strong>: the first thing a person did" in html


def test_the_2am_row_and_every_hour_of_the_day(client, supervisor, world):
    client.force_login(supervisor)
    table = page(client).context["board"].tables["safety_hours"]
    assert table.columns == [
        "Hour (local time)",
        "Safety tickets",
        "Median first touch (min)",
        "Worst first touch (min)",
        "Not yet touched",
        "Answered within 15 min",
        "Due",
        "Answered within 15 min (%)",
    ]
    hours = rows_of(table)
    assert len(hours) == 24
    # A (3 min, answered in 10) and B (20 min, answered in 20): the ordinary ticket is not there.
    assert hours["02:00"] == ["2", "11.5", "20.0", "0", "1", "2", "50.0"]
    assert hours["12:00"] == ["1", "5.0", "5.0", "0", "1", "1", "100.0"]
    assert hours["14:00"] == ["1", "", "180.0", "1", "0", "1", "0.0"]
    assert hours["03:00"] == ["0", "", "", "", "", "", ""]
    assert sum(int(row[0]) for row in hours.values()) == 4


def test_by_kind_in_the_detectors_order(client, supervisor, world):
    client.force_login(supervisor)
    kinds = page(client).context["board"].tables["safety_categories"].rows
    assert kinds == [
        ["downed line", "1", "3.0", "3.0", "0", "1", "1", "100.0"],
        ["smoke or fire at equipment", "1", "", "180.0", "1", "0", "1", "0.0"],
        ["gas smell or leak", "2", "12.5", "20.0", "0", "1", "2", "50.0"],
        ["All safety tickets", "4", "5.0", "180.0", "1", "2", "4", "50.0"],
    ]


def test_the_csv_holds_the_hours_the_page_shows(client, supervisor, world):
    client.force_login(supervisor)
    shown = page(client).context["board"].tables["safety_hours"]
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("dashboards:export", args=["safety_hours"]), DAY)
    assert list(csv.reader(io.StringIO(response.content.decode()))) == [shown.columns, *shown.rows]


def test_a_report_later_in_a_conversation_counts_from_that_message(twitter, agent, supervisor):
    ticket = arrive(twitter, local(2026, 11, 4, 9, 0), ORDINARY, who=WRITER)
    reply(ticket, agent, local(2026, 11, 4, 9, 30))  # about the outage, before any report
    wires = "now the wires are sparking on the pole"
    again = arrive(twitter, local(2026, 11, 4, 10, 0), wires, who=WRITER, thread_key=ticket.thread_key)
    assert again.pk == ticket.pk and again.safety == "sparking"
    reply(ticket, agent, local(2026, 11, 4, 10, 5))
    safety = summary()
    [counted] = safety.all.tickets
    assert counted.reported_at == local(2026, 11, 4, 10, 0)
    assert safety.all.median_touch == timedelta(minutes=5) and (safety.all.answered, safety.all.due) == (1, 1)
    assert safety.by_hour[10].count == 1 and safety.by_hour[9].count == 0


def test_a_ticket_marked_by_hand_counts_from_its_arrival_and_the_marking_is_a_touch(twitter, agent):
    ticket = arrive(twitter, local(2026, 11, 4, 8, 0), ORDINARY)
    at(local(2026, 11, 4, 8, 7), ticket_set_safety, ticket=ticket, category="downed_line", actor=agent)
    safety = summary().all
    assert safety.count == 1 and safety.median_touch == timedelta(minutes=7)
    assert (safety.answered, safety.due) == (0, 1)  # nobody answered within 15 minutes


def test_routing_to_a_key_account_manager_is_no_touch(twitter, agent, supervisor):
    ticket = arrive(twitter, local(2026, 11, 4, 2, 0), DOWNED)
    mercy = Organization.objects.create(name="Mercy Hospital", is_key_account=True, account_manager=agent)
    desk = Contact.objects.create(name="Mercy front desk", organization=mercy)
    # A supervisor merges the customer into the hospital's contact: the ticket goes to its manager.
    at(local(2026, 11, 4, 2, 5), contact_merge, source=ticket.contact, target=desk, actor=supervisor)
    ticket.refresh_from_db()
    assert ticket.assignee == agent and ticket.is_key_account
    safety = summary().all
    assert [untouched.pk for untouched in safety.untouched] == [ticket.pk]
    assert safety.worst_wait == timedelta(hours=15)  # still waiting at 17:00


def test_a_report_inside_its_15_minutes_is_not_counted_missed_yet(twitter):
    arrive(twitter, NOW - timedelta(minutes=5), GAS)
    safety = summary().all
    assert safety.count == 1 and len(safety.untouched) == 1
    assert (safety.answered, safety.due) == (0, 0) and safety.answered_share is None
    assert safety.worst_wait == timedelta(minutes=5)


def test_filters_narrow_the_safety_tickets(client, supervisor, world, mailbox):
    arrive_mail = replace(factories.email(text="There is a gas leak at the back of our building"))
    with time_machine.travel(local(2026, 11, 4, 2, 30), tick=False):
        ingest(mailbox, [replace(arrive_mail, sent_at=local(2026, 11, 4, 2, 30))])
    client.force_login(supervisor)
    assert page(client).context["board"].sections.safety.all.count == 5
    board = page(client, {**DAY, "channel": "email"}).context["board"]
    assert board.sections.safety.all.count == 1
    assert rows_of(board.tables["safety_hours"])["02:00"][0] == "1"


def test_nothing_to_show_says_so(client, supervisor):
    client.force_login(supervisor)
    html = page(client).content.decode()
    assert 'id="safety-heading"' in html and "0 of 0" in html


def test_agents_do_not_see_the_safety_figures(client, agent, world):
    client.force_login(agent)
    assert page(client).status_code == 403
    # On the page's clock: a session saved at NOW (a request writes it) has expired by the real one.
    with time_machine.travel(NOW, tick=False):
        for slug in ("safety_hours", "safety_categories"):
            assert client.get(reverse("dashboards:export", args=[slug]), DAY).status_code == 403


def page_queries(client, django_assert_max_num_queries):
    page(client)  # the on-demand refresh of the period figures, if any, happens here
    with django_assert_max_num_queries(30) as queries:
        page(client)
    return len(queries)


def test_page_queries_stay_the_same_with_more_safety_tickets(
    client, supervisor, twitter, agent, django_assert_max_num_queries
):
    client.force_login(supervisor)
    arrive(twitter, local(2026, 11, 4, 1, 0), DOWNED)
    before = page_queries(client, django_assert_max_num_queries)
    for hour in range(2, 12):
        ticket = arrive(twitter, local(2026, 11, 4, hour, 0), GAS if hour % 2 else FIRE)
        at(local(2026, 11, 4, hour, 4), ticket_claim, ticket=ticket, user=agent)
        if hour % 3:
            reply(ticket, agent, local(2026, 11, 4, hour, 9))
    assert page_queries(client, django_assert_max_num_queries) == before
    assert summary().all.count == 11
