"""Errors mark the field they belong to — aria-invalid, aria-describedby naming the message beside
it, a red outline — in the schedule editor (whose 14-day preview stays in view) and the SLA policy
form. The live preview (htmx) replaces the messages beside the fields out of band, not the fields."""

import re

import pytest
from django.urls import reverse

from oss_inbox.sla.models import CoverageSchedule

from .test_schedule_pages import HTMX, form_of, page

pytestmark = pytest.mark.django_db
WEEK_ENDS = ["22:00"] * 5 + ["21:00"] * 2  # Social media's windows, Monday to Sunday


@pytest.fixture
def social(db):
    return CoverageSchedule.objects.get(name="Social media")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def tag(html, element_id):
    found = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{element_id}"[^>]*>', html)
    assert found, f"no field {element_id}"
    return found.group(0)


def message(html, slot_id):
    found = re.search(rf'<p id="{slot_id}" class="field-error"[^>]*>(.*?)</p>', html, re.S)
    assert found, f"no message slot {slot_id}"
    return found.group(1).strip()


def marked(html, field_id, slot_id):
    field = tag(html, field_id)
    return 'aria-invalid="true"' in field and slot_id in field


def test_a_bad_time_marks_its_window_and_the_preview_stays(admin_client, social):
    data = form_of(social, window_end=["22:00", "25:00", *WEEK_ENDS[2:]], action="save")
    html = page(admin_client.post(reverse("sla:schedule", args=[social.pk]), data))
    assert marked(html, "window-1-end", "error-window-1") and marked(html, "window-1-start", "error-window-1")
    assert (
        message(html, "error-window-1")
        == "Tuesday: “25:00” is not a time of day; write it like 07:00 or 22:30."
    )
    assert 'aria-invalid="true"' not in tag(html, "window-0-end")
    assert 'data-testid="preview-total"' in html and "Without the rows marked in red" in html
    assert '<a href="#error-window-1">' in html  # the summary links to the field's message


def test_a_bad_time_zone_and_a_missing_name_mark_their_fields(admin_client, social):
    data = form_of(social, name="", timezone="Mars/Olympus_Mons", action="save")
    html = page(admin_client.post(reverse("sla:schedule", args=[social.pk]), data))
    assert marked(html, "schedule-timezone", "error-timezone") and marked(html, "schedule-name", "error-name")
    assert message(html, "error-timezone").startswith("“Mars/Olympus_Mons” is not a time zone we know.")
    assert message(html, "error-name") == "Give the schedule a name."
    assert 'data-testid="preview-total"' in html


def test_overlapping_windows_mark_their_day(admin_client, social):
    data = form_of(
        social,
        window_day=[0, 1, 2, 3, 4, 5, 5, 6],
        window_start=["07:00"] * 5 + ["08:00", "06:00", "08:00"],
        window_end=["22:00"] * 5 + ["21:00", "09:00", "21:00"],
        action="save",
    )
    html = page(admin_client.post(reverse("sla:schedule", args=[social.pk]), data))
    assert message(html, "error-day-5") == "Saturday windows 06:00 to 09:00 and 08:00 to 21:00 overlap."
    assert marked(html, "window-5-start", "error-day-5") and marked(html, "window-6-start", "error-day-5")
    assert 'aria-invalid="true"' not in tag(html, "window-7-start")


def test_a_bad_override_marks_its_row(admin_client, social):
    data = form_of(
        social,
        override_date=["2030-12-24"],
        override_label=["Christmas Eve"],
        override_start=["08:00"],
        override_end=[""],
        action="save",
    )
    html = page(admin_client.post(reverse("sla:schedule", args=[social.pk]), data))
    assert marked(html, "override-0-start", "error-override-0") and marked(
        html, "override-0-date", "error-override-0"
    )
    assert message(html, "error-override-0").startswith("Override on December 24, 2030: enter both a start")


def test_the_live_preview_sends_the_messages_beside_the_fields_out_of_band(admin_client, social):
    data = form_of(social, window_end=["22:00", "25:00", *WEEK_ENDS[2:]], action="preview")
    html = page(admin_client.post(reverse("sla:schedule", args=[social.pk]), data, **HTMX))
    assert 'name="window_start"' not in html  # the fields are left alone, as they are being typed in
    assert re.search(r'<p id="error-window-1" class="field-error" hx-swap-oob="true">Tuesday: ', html)
    # every other slot is sent empty, so that a field fixed since loses its mark
    assert re.search(r'<p id="error-window-0" class="field-error" hx-swap-oob="true"></p>', html)
    assert re.search(r'<p id="error-timezone" class="field-error" hx-swap-oob="true"></p>', html)
    assert 'data-testid="preview-total"' in html


def test_policy_errors_mark_their_fields_and_name_their_messages(admin_client):
    data = {
        "name": "",
        "position": "",
        "first_response_hours": "-1",
        "first_response_clock": "calendar",
        "next_response_clock": "calendar",
        "resolution_clock": "calendar",
        "at_risk_percent": "20",
    }
    html = page(admin_client.post(reverse("sla:policy_new"), data))
    for name in ("name", "position", "first_response_hours"):
        field = tag(html, f"id_{name}")
        assert 'aria-invalid="true"' in field and f"id_{name}_error" in field
        assert re.search(rf'<p class="error" id="id_{name}_error" role="alert">\w', html)
    assert 'aria-invalid="true"' not in tag(html, "id_at_risk_percent")
    assert 'id="id_position_helptext"' in html  # what aria-describedby names is on the page
    assert "Give the policy a name." in html and "This field is required" not in html
