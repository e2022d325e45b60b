"""Acceptance (issue 20): five Messenger customers on one feeder report their power out; the spike
detector proposes an incident; a supervisor confirms it, previews and sends one update to all with the
progress bar reaching 100%, restores it with the final message, and the one customer who writes back
"still out" reopens only their own ticket, flagged. Every send goes through the fake Graph API on
loopback, and each customer got exactly one copy of each message."""

import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from playwright.sync_api import expect

from channels.sandbox.graph_api import GraphApiSandbox
from oss_inbox.incidents.gazetteer import gazetteer_load
from oss_inbox.incidents.models import Incident
from oss_inbox.tickets.models import Ticket
from tests.browser.conftest import settle
from tests.channels.sandbox_accounts import facebook_page, poll
from tests.conftest import working_hours_start

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAMPLE = Path(settings.BASE_DIR) / "oss_inbox/incidents/fixtures/gazetteer_sample.csv"
AREA = "Harlan North (Feeder H-11)"
REPORTS = [  # all on Harlan North's streets
    ("psid-1", "Ana Ruiz", "Our power is out on Buffalo Trl in Harlan, when is it coming back?"),
    ("psid-2", "Ben Cole", "No power on Windmill Rd, Harlan since 9"),
    ("psid-3", "Cy Dunn", "lights went out on Harvest Moon Dr in Harlan"),
    ("psid-4", "Di Park", "Power outage Buffalo Trl Harlan. Any ETA?"),
    ("psid-5", "Ed Moss", "Se fue la luz en Windmill Rd, Harlan"),
]
UPDATE = "Hi {{first_name}}, crews are working on the outage in {{area}}. Status: {{status}}."
FINAL = "Power was restored in {{area}}; if you are still out, reply here and we will look into it."


@pytest.fixture
def graph():
    sandbox = GraphApiSandbox()
    sandbox.start()
    yield sandbox
    sandbox.stop()


def sent_to(graph, psid):
    return [reply["text"] for reply in graph.state.replies if reply["to"] == psid]


def test_a_supervisor_confirms_updates_and_restores_an_incident_and_a_reply_reopens_only_its_ticket(
    logged_in_page, live_server, supervisor, graph, tasks_run_in_the_server
):
    assert not gazetteer_load(SAMPLE.read_text()).errors
    account = facebook_page(graph, timeout_seconds=2)
    with time_machine.travel(working_hours_start(), tick=True) as clock:
        for psid, name, text in REPORTS:
            graph.add_messenger_message(psid, name, text)
        poll(account)  # stores them; the outage reports are grouped (eager) and the spike proposes
        [proposal] = Incident.objects.filter(proposed=True)
        assert proposal.area.name == AREA

        page = logged_in_page(supervisor)
        page.goto(f"{live_server.url}/incidents/")
        proposed = page.locator("tr", has_text=AREA).filter(has=page.get_by_role("button", name="Confirm"))
        expect(proposed).to_contain_text(re.compile("buffalo trl", re.IGNORECASE))  # what triggered it
        proposed.get_by_role("button", name="Confirm").click()
        expect(page.locator("h1")).to_contain_text(proposal.title)
        settle(page)

        page.fill("#update-text", UPDATE)
        page.get_by_role("button", name="Preview").click()
        preview = page.locator("#update-preview")
        expect(preview).to_contain_text("Messenger")
        expect(preview).to_contain_text("5")
        expect(preview).to_contain_text("Hi Ana, crews are working on the outage in Harlan North")

        page.get_by_role("button", name="Send to all").click()
        progress = page.get_by_test_id("broadcast-progress").first
        expect(progress.locator("progress")).to_have_attribute("aria-valuenow", "100")
        expect(progress).to_contain_text("Done: 5 of 5 (100%)")
        expect(progress.get_by_test_id("sent")).to_have_text("Sent 5")
        for psid, name, _ in REPORTS:
            first_name = name.split()[0]
            assert sent_to(graph, psid) == [
                f"Hi {first_name}, crews are working on the outage in {AREA}. Status: investigating."
            ]

        page.fill("#final-text", FINAL)
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Restore and close all").click()
        expect(page.get_by_test_id("broadcast-progress").first).to_contain_text("final message")
        expect(page.get_by_test_id("broadcast-progress").first).to_contain_text("Done: 5 of 5 (100%)")
        tickets = list(Ticket.objects.filter(account=account).order_by("pk"))
        assert [ticket.status for ticket in tickets] == [Ticket.Status.RESOLVED] * 5
        for psid, _, _ in REPORTS:
            assert len(sent_to(graph, psid)) == 2
            assert sent_to(graph, psid)[-1].startswith(f"Power was restored in {AREA}")

        clock.shift(120)  # Graph's times are to the second: the customer writes back two minutes on
        graph.add_messenger_message("psid-3", "Cy Dunn", "Still no power here on Harvest Moon Dr")
        poll(account)
        statuses = {ticket.contact.name: ticket.status for ticket in Ticket.objects.filter(account=account)}
        assert statuses.pop("Cy Dunn") == Ticket.Status.OPEN
        assert set(statuses.values()) == {Ticket.Status.RESOLVED}
        still_out = Ticket.objects.get(account=account, contact__name="Cy Dunn")
        assert "still out after restoration" in still_out.tags.values_list("name", flat=True)

        page.reload()
        settle(page)
        expect(page.get_by_test_id("still-out")).to_contain_text("Cy Dunn")
        page.goto(f"{live_server.url}/")
        row = page.locator("#queue-rows tr", has_text="Still no power here")
        expect(row).to_have_count(1)
