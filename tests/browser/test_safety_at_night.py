"""Acceptance (issue 16): at 2 a.m., out of coverage, "power line down and sparking on Elm St" arrives
as an X mention. It tops the queue with the Safety badge, the on-call supervisor has a notification,
and the customer got exactly one safety reply on X (the fake X API on loopback received it)."""

from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from channels.sandbox.x_api import XApiSandbox
from oss_inbox.safety.models import OnCall
from oss_inbox.staff.models import Notification
from oss_inbox.tickets.models import Ticket
from tests.channels.sandbox_accounts import poll, x_account
from tests.conftest import working_hours_start

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT = "@PrairieEGHelp power line down and sparking on Elm St, right across the sidewalk"


@pytest.fixture
def x_api():
    sandbox = XApiSandbox()
    sandbox.start()
    yield sandbox
    sandbox.stop()


def test_a_downed_line_at_2am_tops_the_queue_calls_the_on_call_supervisor_and_gets_one_reply(
    logged_in_page, live_server, supervisor, agent, x_api, tasks_run_in_the_server
):
    two_am = working_hours_start().replace(hour=2)  # a weekday: coverage opens at 07:00
    OnCall.objects.create(user=supervisor)
    account = x_account(x_api)
    with time_machine.travel(two_am, tick=False):
        for n in range(3):  # ordinary traffic that night, written earlier
            x_api.add_mention(
                f"20{n}", f"customer{n}", f"Customer {n}", f"@PrairieEGHelp question {n} about my bill"
            )
        poll(account)
        x_api.add_mention("301", "elmneighbour", "Pat Elm", REPORT)
        poll(account)  # stores it, escalates, and queues the advice; the outbox sends it (eager)
        poll(account)  # our reply comes back in the next poll: linked, not sent again

        ticket = Ticket.objects.get(messages__text=REPORT)
        assert ticket.safety == "downed_line" and ticket.priority == Ticket.Priority.URGENT
        assert ticket.first_response_due_at == two_am + timedelta(minutes=15)

        replies = [tweet for tweet in x_api.posted_tweets if "30 feet" in tweet["text"]]
        assert len(replies) == 1, x_api.posted_tweets
        assert len(x_api.posted_tweets) == 1  # and nothing else: no out-of-hours acknowledgement
        [told] = Notification.objects.filter(recipient=supervisor, ticket=ticket)
        assert "(on call)" in told.text

        page = logged_in_page(supervisor)
        page.goto(f"{live_server.url}/")
        first = page.locator("#queue-rows tr").first
        expect(first.locator(".badge.safety")).to_have_text("Safety")
        expect(first).to_contain_text("power line down and sparking on Elm St")
        expect(page.locator(".view-list a", has_text="Safety")).to_contain_text("1")
        expect(page.locator(".topbar-user a.has-unread")).to_contain_text("1")

        first.locator("a.who").click()
        expect(page.locator("[data-testid=safety-report]")).to_contain_text("downed line")
        expect(page.locator(".message.outbound .badge.safety")).to_have_text("Safety advice (automatic)")

        page.goto(f"{live_server.url}/notifications/")
        expect(page.locator("main")).to_contain_text(f"Safety: downed line on #{ticket.pk} (on call)")
