"""Two agents on one ticket: each sees the other viewing, then replying, within seconds (the state poll)."""

import re

import pytest
from playwright.sync_api import expect

from oss_inbox.tickets.models import Ticket
from oss_inbox.tickets.services import ingest
from tests.factories import inbound

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_colleague_sees_dana_viewing_then_replying_and_the_private_dm_drops_the_x_counter(
    logged_in_page, live_server, agent, other_agent, twitter
):
    ingest(twitter, [inbound()])
    ticket = Ticket.objects.get()
    dana, lee = logged_in_page(agent), logged_in_page(other_agent)
    dana.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    lee.goto(f"{live_server.url}/tickets/{ticket.pk}/")

    expect(lee.get_by_test_id("presence")).to_have_text("Dana is viewing", timeout=6000)
    expect(dana.get_by_test_id("presence")).to_have_text("Lee is viewing", timeout=6000)

    dana.get_by_label(re.compile("Reply to")).fill("Crews are on Elm St")
    dana.get_by_label(re.compile("Reply to")).press("Space")  # typing, as opposed to a restored draft
    expect(lee.get_by_test_id("presence")).to_have_text("Dana is replying", timeout=7000)

    expect(dana.locator("#composer-count")).to_be_visible()
    dana.get_by_label("Answer").select_option("private")
    expect(dana.locator("#composer-count")).to_be_hidden()  # a DM is not held to 280 characters
