"""A colleague replies while Dana writes: in the browser, Send shows Lee's reply and the three choices,
each reachable by keyboard, on the ticket's page and in the queue's pane; the draft is never lost."""

import re

import pytest
from playwright.sync_api import expect

from oss_inbox.tickets.models import Ticket
from oss_inbox.tickets.services import ingest, ticket_reply
from tests.factories import email

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DRAFT = "We will re-read your meter this week."


def _ticket(mailbox):
    ingest(mailbox, [email(subject="Bill higher than usual")])
    return Ticket.objects.get()


def _write_then_collide(page, ticket, other_agent, button="Send", warned=False):
    composer = page.get_by_label(re.compile("Reply to Maria Lopez"))
    composer.fill(DRAFT)
    ticket_reply(ticket=ticket, author=other_agent, text="Lee here: your bill is being checked.")
    if warned:  # the ticket's state line (polled every 5 s) says so before Send is pressed
        expect(page.get_by_test_id("colleague-replied")).to_contain_text(
            "Lee replied to the customer after you opened this ticket", timeout=7000
        )
    page.get_by_role("button", name=button, exact=True).click()
    choices = page.get_by_role("alert")
    expect(choices).to_contain_text("Lee replied to this customer after you opened the ticket")
    expect(choices.get_by_test_id("collision-reply")).to_contain_text("Lee here: your bill is being checked.")
    expect(composer).to_have_value(DRAFT)
    return choices


def test_cancel_by_keyboard_keeps_the_draft_and_then_send_goes_out_once(
    logged_in_page, live_server, agent, other_agent, mailbox, tasks_run_in_the_server
):
    ticket = _ticket(mailbox)
    page = logged_in_page(agent)
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    choices = _write_then_collide(page, ticket, other_agent, warned=True)
    expect(choices).to_be_focused()  # the choices have the keyboard
    assert ticket.messages.filter(direction="outbound", author_user=agent).count() == 0

    page.keyboard.press("Tab")
    expect(choices.get_by_role("button", name="Send anyway")).to_be_focused()
    page.keyboard.press("Escape")  # Cancel
    composer = page.get_by_label(re.compile("Reply to Maria Lopez"))
    expect(page.get_by_role("status").filter(has_text="Not sent.")).to_contain_text(
        "Lee's reply is in the conversation"
    )
    expect(composer).to_have_value(DRAFT)
    expect(composer).to_be_focused()
    expect(page.locator(".message.outbound")).to_contain_text("Lee here: your bill is being checked.")
    expect(page).to_have_url(f"{live_server.url}/tickets/{ticket.pk}/")
    expect(page.get_by_test_id("colleague-replied")).to_have_count(0)  # Lee's reply is seen now

    page.reload()  # the draft survives a reload too
    expect(composer).to_have_value(DRAFT)
    composer.press("End")
    composer.type(" Lee is checking the bill.")
    page.get_by_role("button", name="Send", exact=True).click()  # Lee's reply is seen: no question now
    expect(page.locator(".message.outbound").last).to_contain_text("Lee is checking the bill.")
    expect(composer).to_have_value("")
    assert ticket.messages.filter(direction="outbound", author_user=agent).count() == 1


def test_in_the_pane_save_as_note_stores_the_draft_and_send_and_resolve_does_not_resolve(
    logged_in_page, live_server, agent, other_agent, mailbox, tasks_run_in_the_server
):
    ticket = _ticket(mailbox)
    page = logged_in_page(agent)
    page.goto(f"{live_server.url}/?ticket={ticket.pk}")
    pane = page.locator("#ticket-pane")
    choices = _write_then_collide(pane, ticket, other_agent, button="Send & resolve")
    expect(choices.get_by_role("button", name="Send anyway & resolve")).to_be_visible()

    choices.get_by_role("button", name="Save as note").click()
    expect(pane.locator(".message.note")).to_contain_text(DRAFT)
    expect(pane.get_by_label(re.compile("Reply to Maria Lopez"))).to_have_value("")
    expect(page).to_have_url(re.compile(rf"/\?ticket={ticket.pk}$"))
    ticket.refresh_from_db()
    assert ticket.status != "resolved"
    assert ticket.messages.filter(direction="outbound", author_user=agent).count() == 0


def test_send_anyway_double_clicked_answers_the_customer_once(
    logged_in_page, live_server, agent, other_agent, mailbox, tasks_run_in_the_server
):
    ticket = _ticket(mailbox)
    page = logged_in_page(agent)
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    choices = _write_then_collide(page, ticket, other_agent)
    choices.get_by_role("button", name="Send anyway").dblclick()
    expect(page.locator(".message.outbound")).to_have_count(2)
    expect(page.locator(".message.outbound").last).to_contain_text(DRAFT)
    assert ticket.messages.filter(direction="outbound", author_user=agent).count() == 1
