"""An admin edits coverage in the week grid; the preview follows; saving moves a ticket's due time."""

import os
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from oss_inbox.tickets.models import Organization, OrganizationDomain, Ticket
from oss_inbox.tickets.services import ingest
from tests.factories import email

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHICAGO = ZoneInfo("America/Chicago")
SCREENSHOT = os.environ.get("SCHEDULE_ERRORS_SCREENSHOT", "")  # a path: keep a picture of the marked fields


def key_account_ticket(mailbox):
    """A hospital writes on Friday 2026-11-20 at 21:50: 4 coverage hours are due Saturday 11:50."""
    organization = Organization.objects.create(name="Mercy Hospital", is_key_account=True)
    OrganizationDomain.objects.create(organization=organization, domain="mercy.example")
    item = replace(
        email(sender="ops@mercy.example", subject="Generator test tonight"),
        sent_at=datetime(2026, 11, 20, 21, 50, tzinfo=CHICAGO),
    )
    ingest(mailbox, [item])
    return Ticket.objects.get()


def preview_total(page):
    return page.get_by_test_id("preview-total").inner_text()


def test_admin_adds_a_saturday_window_and_a_holiday_and_a_ticket_moves(
    logged_in_page, live_server, admin_user, mailbox, tasks_run_in_the_server
):
    ticket = key_account_ticket(mailbox)
    page = logged_in_page(admin_user)
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    assert page.locator("#first-response-due").get_attribute("title") == "Sat, Nov 21, 2026, 11:50 AM CST"

    page.get_by_role("link", name="Settings", exact=True).click()
    page.get_by_role("link", name="Schedules", exact=True).click()
    page.get_by_role("link", name="Social media").click()
    before = preview_total(page)

    # The week grid: a new Saturday window (added after 21:00), then moved to 06:00-08:00.
    page.get_by_role("button", name="+ Add Sat window").click()
    page.get_by_label("Saturday window 2 from", exact=True).wait_for()
    page.get_by_label("Saturday window 2 from", exact=True).fill("06:00")
    page.keyboard.press("Tab")  # a typed time counts once the field is left, as for a person
    # The message sits beside Saturday's windows too, which are marked (aria-invalid, a red outline),
    # and the preview stays; the fields keep what was typed (only the messages are swapped in).
    overlap = "Saturday windows 06:00 to 22:00 and 08:00 to 21:00 overlap."
    page.locator("#error-day-5", has_text=overlap).wait_for()
    saturday_from = page.get_by_label("Saturday window 2 from", exact=True)
    assert (
        saturday_from.get_attribute("aria-invalid") == "true"
        and page.get_by_test_id("preview-total").is_visible()
    )
    if SCREENSHOT:
        page.screenshot(path=SCREENSHOT, full_page=True)
    page.get_by_label("Saturday window 2 to", exact=True).fill("8:00")
    page.keyboard.press("Tab")
    page.get_by_role("alert").wait_for(state="detached")
    assert (
        saturday_from.get_attribute("aria-invalid") is None and not page.locator("#error-day-5").inner_text()
    )
    with_saturday = preview_total(page)
    assert with_saturday != before

    # A holiday three days from now closes that day in the preview.
    holiday = (timezone.now().astimezone(CHICAGO) + timedelta(days=3)).date()
    page.locator("input[name=new_override_date]").fill(holiday.isoformat())
    page.locator("input[name=new_override_label]").fill("Company holiday")
    page.get_by_role("button", name="Add override").click()
    page.locator(".preview-label", has_text="Company holiday").wait_for()
    assert preview_total(page) != with_saturday
    assert page.locator(".preview li.changed").count() >= 2

    page.get_by_role("button", name="Save schedule").click()
    page.get_by_text("Saved Social media.").wait_for()
    page.get_by_text("Saturday: 08:00–21:00 → 06:00–08:00, 08:00–21:00").wait_for()

    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    assert page.locator("#first-response-due").get_attribute("title") == "Sat, Nov 21, 2026, 9:50 AM CST"
