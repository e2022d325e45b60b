"""Typing in the composer shows the server's count (inbox:reply_count), on the ticket's page and in
the queue's pane: the browser computes no length of its own."""

import re

import pytest
from playwright.sync_api import expect

from oss_inbox.tickets.models import Ticket
from oss_inbox.tickets.services import ingest
from tests.factories import inbound

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAMILY = "👨‍👩‍👧‍👦"  # 7 code points, 11 UTF-16 units: X counts it 2


def counted_by_server(page):
    """Every count the page shows from here on, as the server answered it."""
    answers = []
    page.on("response", lambda response: "/compose/count/" in response.url and answers.append(response))
    return answers


def test_the_family_emoji_counts_two_as_x_says(logged_in_page, live_server, agent, twitter):
    ingest(twitter, [inbound()])
    ticket = Ticket.objects.get()
    page = logged_in_page(agent)
    answers = counted_by_server(page)
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    counter = page.locator("#composer-count")
    expect(counter).to_have_text("0/280")  # asked as soon as the composer appears

    page.get_by_label(re.compile("Reply to")).press_sequentially(f"Thanks {FAMILY}")
    expect(counter).to_have_text("9/280")
    assert answers and "9/280" in answers[-1].text()  # the number on the page is the server's answer

    page.get_by_label(re.compile("Reply to")).fill("日" * 141)
    expect(counter).to_have_text("282/280 — 2 too long for X")
    expect(counter).to_have_class(re.compile(r"\bover\b"))
    expect(page.locator("[aria-live=polite]").filter(has=counter)).to_have_count(1)

    page.get_by_label("Answer").select_option("private")  # a DM: far from X's 10,000, no counter
    expect(counter).to_be_hidden()
    page.get_by_label("Answer").select_option("public")
    expect(counter).to_have_text("282/280 — 2 too long for X")


def test_in_the_queues_pane_a_restored_draft_is_counted(logged_in_page, live_server, agent, twitter):
    ingest(twitter, [inbound()])
    ticket = Ticket.objects.get()
    page = logged_in_page(agent)
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    page.get_by_label(re.compile("Reply to")).fill(f"On our way {FAMILY} https://example.com/outages")
    expect(page.locator("#composer-count")).to_have_text(f"{11 + 2 + 1 + 23}/280")

    page.goto(f"{live_server.url}/")
    page.wait_for_load_state()
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    pane = page.locator("#ticket-pane")
    expect(pane.get_by_label(re.compile("Reply to"))).to_have_value(
        f"On our way {FAMILY} https://example.com/outages"
    )
    expect(pane.locator("#composer-count")).to_have_text("37/280")
    pane.get_by_label(re.compile("Reply to")).press("End")
    pane.get_by_label(re.compile("Reply to")).press_sequentially(" 停電")
    expect(pane.locator("#composer-count")).to_have_text("42/280")
    expect(page).to_have_url(re.compile(rf"\?ticket={ticket.pk}$"))  # the count did not replace the pane
