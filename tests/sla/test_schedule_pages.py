"""The schedule editor: week grid by htmx, plain-word validation, preview, audit, holidays, access."""

import holidays
import pytest
from django.urls import reverse
from django.utils import timezone

from oss_inbox.sla.models import CoverageSchedule, ScheduleChange

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def social(db):
    return CoverageSchedule.objects.get(name="Social media")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def form_of(schedule, **changes):
    """The editor's form as the browser posts it: one row per window and per override."""
    days, starts, ends = [], [], []
    for day, pairs in sorted(schedule.weekly.items()):
        for start, end in pairs:
            days.append(day), starts.append(start), ends.append(end)
    data = {
        "name": schedule.name,
        "timezone": schedule.timezone,
        "window_day": days,
        "window_start": starts,
        "window_end": ends,
        "override_date": [],
        "override_label": [],
        "override_start": [],
        "override_end": [],
    }
    data.update(changes)
    return data


def page(response):
    return response.content.decode()


def test_editor_shows_the_week_grid_and_the_preview(admin_client, social):
    html = page(admin_client.get(reverse("sla:schedule", args=[social.pk])))
    assert html.count('name="window_start"') == 7 and "+ Add Sat window" in html
    assert "Next 14 days" in html and "Covered:" in html


def test_adding_a_window_answers_with_the_editor_only(admin_client, social):
    response = admin_client.post(
        reverse("sla:schedule", args=[social.pk]), {**form_of(social), "action": "add-window-5"}, **HTMX
    )
    html = page(response)
    assert "<html" not in html and 'id="editor"' in html
    # The hour after Saturday's window.
    assert html.count('name="window_start"') == 8 and 'value="21:00"' in html
    assert CoverageSchedule.objects.get(pk=social.pk).weekly == social.weekly  # nothing saved yet


def test_removing_and_moving_windows(admin_client, social):
    data = form_of(social)
    html = page(
        admin_client.post(
            reverse("sla:schedule", args=[social.pk]), {**data, "action": "remove-window-0"}, **HTMX
        )
    )
    assert html.count('name="window_start"') == 6
    data["window_day"] = ["0", "1", "2", "3", "4", "5", "5"]  # Sunday's window moved to Saturday
    html = page(admin_client.post(reverse("sla:schedule", args=[social.pk]), data, **HTMX))
    assert "Saturday windows 08:00 to 21:00 and 08:00 to 21:00 overlap." in html


@pytest.mark.parametrize(
    "changes, message",
    [
        (
            {
                "window_start": ["07:00"] * 5 + ["08:00", "20:00"],
                "window_day": ["0", "1", "2", "3", "4", "6", "6"],
            },
            "Sunday windows 08:00 to 21:00 and 20:00 to 21:00 overlap.",
        ),
        (
            {"window_start": ["07:00"] * 4 + ["22:00", "08:00", "08:00"]},
            "Friday window 22:00 to 22:00 has zero length.",
        ),
        (
            {"timezone": "Mars/Olympus_Mons"},
            "“Mars/Olympus_Mons” is not a time zone we know. Use a name like America/Chicago.",
        ),
        (
            {"window_end": ["22:00"] * 4 + [""] + ["21:00"] * 2},
            "Friday: enter both a start and an end time for every window.",
        ),
        ({"window_day": [], "window_start": [], "window_end": []}, "Add at least one weekly window"),
        (
            {"window_end": ["10pm"] + ["22:00"] * 4 + ["21:00"] * 2},
            "Monday: “10pm” is not a time of day; write it like 07:00 or 22:30.",
        ),
    ],
)
def test_validation_messages_are_plain_words(admin_client, social, changes, message):
    response = admin_client.post(
        reverse("sla:schedule", args=[social.pk]), form_of(social, **changes), **HTMX
    )
    html = page(response)
    assert message in html and 'role="alert"' in html and "Next 14 days" in html  # the preview stays


def test_saving_an_invalid_schedule_changes_nothing(admin_client, social):
    data = form_of(social, timezone="Nowhere/Else", action="save")
    html = page(admin_client.post(reverse("sla:schedule", args=[social.pk]), data))
    assert "is not a time zone we know" in html
    assert CoverageSchedule.objects.get(pk=social.pk).timezone == "America/Chicago"
    assert not ScheduleChange.objects.exists()


def test_an_override_at_the_end_of_the_calendar_is_refused_in_words(admin_client, social):
    data = form_of(
        social,
        override_date=["9999-12-31"],
        override_label=["Far away"],
        override_start=[""],
        override_end=[""],
        action="save",
    )
    html = page(admin_client.post(reverse("sla:schedule", args=[social.pk]), data))
    assert "Override on 9999-12-31: choose a date from 1970 to 2999." in html
    assert "out of range" not in html
    assert not ScheduleChange.objects.exists()


def test_save_records_who_changed_what_before_and_after(admin_client, admin_user, social):
    data = form_of(
        social,
        override_date=["2026-12-25"],
        override_label=["Christmas Day"],
        override_start=[""],
        override_end=[""],
        action="save",
    )
    data["window_day"] += ["5"]
    data["window_start"] += ["06:00"]
    data["window_end"] += ["08:00"]
    response = admin_client.post(reverse("sla:schedule", args=[social.pk]), data)
    assert response.status_code == 302
    change = ScheduleChange.objects.get()
    assert change.actor == admin_user and change.schedule == social
    assert change.before["weekly"]["5"] == [["08:00", "21:00"]] and change.before["overrides"] == []
    assert change.after["weekly"]["5"] == [["06:00", "08:00"], ["08:00", "21:00"]]
    assert change.after["overrides"] == [{"date": "2026-12-25", "label": "Christmas Day", "windows": []}]
    html = page(admin_client.get(reverse("sla:schedule", args=[social.pk])))
    assert "Saturday: 08:00–21:00 → 06:00–08:00, 08:00–21:00" in html
    assert "Added 2026-12-25 Christmas Day (closed)" in html
    social.refresh_from_db()
    assert str(social.overrides.get().date) == "2026-12-25"


def test_preview_follows_the_draft_and_compares_with_the_saved_schedule(admin_client, social):
    data = form_of(social)
    data["window_day"] += ["5"]
    data["window_start"] += ["06:00"]
    data["window_end"] += ["08:00"]
    html = page(admin_client.post(reverse("sla:schedule", args=[social.pk]), data, **HTMX))
    assert "<form" not in html  # only the feedback: errors and preview
    assert "Covered: <strong" in html and "(saved: 202h)" in html and "206h" in html


def test_holiday_import_adds_closed_days_and_keeps_existing_overrides(admin_client, social):
    year = timezone.localdate().year + 1
    thanksgiving = next(day for day, name in holidays.US(years=year).items() if name == "Thanksgiving Day")
    data = form_of(
        social,
        override_date=[thanksgiving.isoformat()],
        override_label=["Thanksgiving, half day"],
        override_start=["08:00"],
        override_end=["12:00"],
    )
    data.update(action="import-holidays", holiday_country="US", holiday_year=str(year), holiday_region="")
    html = page(admin_client.post(reverse("sla:schedule", args=[social.pk]), data, **HTMX))
    expected = len(holidays.US(years=year)) - 1
    assert (
        f"Added {expected} public holiday(s) of US {year}; kept 1 date(s) that already had an override."
        in html
    )
    assert 'value="Christmas Day"' in html and 'value="Thanksgiving, half day"' in html


def test_holiday_import_leaves_out_dates_already_past(admin_client, social):
    year = timezone.localdate().year - 1
    data = form_of(social, action="import-holidays", holiday_country="US", holiday_year=str(year))
    html = page(admin_client.post(reverse("sla:schedule", args=[social.pk]), data, **HTMX))
    assert (
        f"Added 0 public holiday(s) of US {year}; left out {len(holidays.US(years=year))} already past."
        in html
    )


def test_holiday_import_of_an_unknown_country_says_so(admin_client, social):
    data = form_of(social, action="import-holidays", holiday_country="XX", holiday_year="2026")
    html = page(admin_client.post(reverse("sla:schedule", args=[social.pk]), data, **HTMX))
    assert "There is no public-holiday calendar for “XX”." in html


def test_admin_adds_a_new_schedule_and_assigns_it_to_an_account(admin_client, mailbox):
    data = form_of(
        CoverageSchedule(name="Storm desk", timezone="America/Chicago", weekly={"0": [["00:00", "00:00"]]}),
        action="save",
    )
    response = admin_client.post(reverse("sla:schedule_new"), data)
    storm = CoverageSchedule.objects.get(name="Storm desk")
    assert response["Location"] == reverse("sla:schedule", args=[storm.pk])
    assert ScheduleChange.objects.get(schedule=storm).before == {}
    html = page(admin_client.get(reverse("channels:edit", args=[mailbox.pk])))
    assert "Storm desk" in html and "The default schedule" in html


def test_a_new_schedule_asks_for_its_name_only_when_saved_and_keeps_its_preview(admin_client, social):
    html = page(admin_client.get(reverse("sla:schedule_new")))
    assert "Give the schedule a name." not in html and 'data-testid="preview-total"' in html
    nameless = {**form_of(social), "name": ""}
    html = page(admin_client.post(reverse("sla:schedule_new"), {**nameless, "action": "preview"}))
    assert "Give the schedule a name." not in html and 'data-testid="preview-total"' in html
    html = page(admin_client.post(reverse("sla:schedule_new"), {**nameless, "action": "save"}))
    assert "Give the schedule a name." in html and 'data-testid="preview-total"' in html
    assert CoverageSchedule.objects.count() == 2  # Social media and Email, nothing new


@pytest.mark.parametrize("role", ["agent", "supervisor", "outsider"])
def test_only_admins_see_and_edit_schedules(client, request, role, social):
    client.force_login(request.getfixturevalue(role))
    for url in (
        reverse("sla:schedules"),
        reverse("sla:schedule", args=[social.pk]),
        reverse("sla:schedule_new"),
    ):
        assert client.get(url).status_code == 403
    assert (
        client.post(reverse("sla:schedule", args=[social.pk]), form_of(social, action="save")).status_code
        == 403
    )
    if role != "outsider":
        assert reverse("sla:schedules") not in page(client.get("/"))


def test_admins_get_the_links(admin_client, social):
    html = page(admin_client.get(reverse("sla:schedules")))
    assert reverse("inbox:settings") in html and "Mon–Fri 07:00–22:00 · Sat–Sun 08:00–21:00" in html
    settings = page(admin_client.get(reverse("inbox:settings")))
    assert reverse("sla:schedules") in settings and reverse("sla:policies") in settings


def test_short_and_end_of_day_times_are_understood(admin_client, social):
    data = form_of(
        social,
        action="save",
        window_start=["7:00"] * 5 + ["0800"] * 2,
        window_end=["24:00"] * 5 + ["21:00"] * 2,
    )
    assert admin_client.post(reverse("sla:schedule", args=[social.pk]), data).status_code == 302
    social.refresh_from_db()
    assert social.weekly["0"] == [["07:00", "00:00"]] and social.weekly["6"] == [["08:00", "21:00"]]
