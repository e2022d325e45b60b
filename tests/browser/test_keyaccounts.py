"""An account manager opens their key account, adds a commitment to the joint plan, and writes and
sends the quarterly update from the prefilled draft; it reaches the SMTP server on loopback."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from oss_inbox.keyaccounts import plans
from oss_inbox.keyaccounts.models import AccountEvent, AccountMail, PlanItem, ProgressUpdate
from tests.keyaccounts.mail_world import contact, key_account

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_adds_a_plan_item_then_sends_the_quarterly_update(
    logged_in_page, live_server, agent, other_agent, sending_mailbox, smtp_sink, tasks_run_in_the_server
):
    year = timezone.localdate().year
    hospital = key_account("St. Mary's Hospital", "stmarys.example", manager=agent, backup=other_agent)
    contact(hospital, "Jo Engineer", "jo@stmarys.example")
    plans.plan_create(
        organization=hospital, year=year, actor=agent, summary="Power the hospital can plan around."
    )
    page = logged_in_page(agent)

    page.goto(f"{live_server.url}/")
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Key accounts").click()
    page.get_by_role("link", name="St. Mary's Hospital").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("St. Mary's Hospital")
    page.get_by_role("link", name=f"Joint plan {year}").click()

    page.get_by_role("region", name="Commitments").locator("summary").click()
    form = page.locator("details.add-item[open] form")
    form.get_by_label("What").fill("Monthly outage review call with facilities")
    form.get_by_label("Who").fill("Dana")
    form.get_by_label("Due date").fill(f"{year}-12-15")
    form.get_by_label("Status").select_option(label="In progress")
    form.get_by_role("button", name="Add a commitment").click()
    item = page.locator("#plan-items .plan-item", has_text="Monthly outage review call with facilities")
    expect(item).to_contain_text("In progress")  # swapped in by htmx, no page load
    assert PlanItem.objects.get().owner_name == "Dana"
    assert AccountEvent.objects.filter(
        organization=hospital, kind="plan", summary__contains="added commitment"
    ).exists()

    page.get_by_role("link", name="← St. Mary's Hospital").click()
    expect(page.locator("#timeline")).to_contain_text(
        "added commitment “Monthly outage review call with facilities”"
    )
    page.get_by_role("button", name=re.compile(r"^Write Q\d update$")).click()
    letter = page.get_by_label("Letter")
    # Prefilled from the plan.
    expect(letter).to_have_value(re.compile("Monthly outage review call with facilities"))
    letter.fill(letter.input_value() + "\nSee you at the January planning session.\n")
    page.get_by_role("button", name="Review and send…").click()
    expect(page.get_by_text("jo@stmarys.example")).to_be_visible()
    page.get_by_role("button", name="Send now").click()
    expect(page.get_by_role("status")).to_contain_text("Update sent to 1 address")

    update = ProgressUpdate.objects.get()
    assert update.status == "sent" and "January planning session" in update.body
    mail = AccountMail.objects.get(progress_update=update)
    assert (mail.address, mail.delivery_state) == ("jo@stmarys.example", "sent")
    ((recipient, message),) = [(found.rcpt_tos[0], found.message()) for found in smtp_sink.received]
    assert recipient == "jo@stmarys.example"
    assert "January planning session" in message.get_body().get_content()
    assert AccountEvent.objects.filter(organization=hospital, kind="update").exists()
