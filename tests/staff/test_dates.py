"""The one date style (staff/templatetags/dates.py), on a fixed clock: Tue Dec 8 2026, 12:00 in Chicago."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template import Context, Template
from django.utils import timezone

from oss_inbox.staff.templatetags.dates import day, day_full, when, when_full, when_tag

CHICAGO = ZoneInfo("America/Chicago")


def chicago(*args):
    return datetime(*args, tzinfo=CHICAGO)


@pytest.fixture(autouse=True)
def noon_on_a_tuesday():
    with time_machine.travel(chicago(2026, 12, 8, 12, 0), tick=False), timezone.override(CHICAGO):
        yield


@pytest.mark.parametrize(
    ("moment", "words"),
    [
        (chicago(2026, 12, 8, 16, 42), "4:42 PM"),  # today, later
        (chicago(2026, 12, 8, 0, 5), "12:05 AM"),
        (chicago(2026, 12, 8, 12, 0), "12:00 PM"),
        (chicago(2026, 12, 7, 16, 42), "Yesterday 4:42 PM"),
        (chicago(2026, 12, 9, 9, 0), "Tomorrow 9:00 AM"),  # a due time
        (chicago(2026, 12, 4, 16, 42), "Fri 4:42 PM"),  # this week
        (chicago(2026, 12, 2, 9, 30), "Wed 9:30 AM"),  # six days ago: still no other Wednesday nearer
        (chicago(2026, 12, 1, 16, 42), "Dec 1, 4:42 PM"),  # a week ago: a Tuesday, like today
        (chicago(2026, 1, 6, 8, 0), "Jan 6, 8:00 AM"),  # this year
        (chicago(2025, 12, 6, 16, 42), "Dec 6, 2025"),  # another year: the day is enough
        (chicago(2027, 1, 15, 9, 0), "Jan 15, 2027"),
    ],
)
def test_a_moment_is_shorter_the_closer_it_is_to_now(moment, words):
    assert when(moment) == words


def test_the_full_form_names_the_weekday_the_year_and_the_zone():
    assert when_full(chicago(2026, 12, 6, 16, 42)) == "Sun, Dec 6, 2026, 4:42 PM CST"
    assert when_full(chicago(2026, 7, 4, 9, 5)) == "Sat, Jul 4, 2026, 9:05 AM CDT"


def test_the_time_element_shows_the_short_form_and_the_full_one_on_hover():
    moment = datetime(2026, 12, 7, 22, 42, tzinfo=UTC)
    assert when_tag(moment) == (
        '<time datetime="2026-12-07T22:42:00+00:00" title="Mon, Dec 7, 2026, 4:42 PM CST">'
        "Yesterday 4:42 PM</time>"
    )
    html = Template("{% load dates %}{{ moment|when_tag }}|{{ none|when_tag }}|{{ none|when }}").render(
        Context({"moment": moment, "none": None})
    )
    assert html.startswith("<time ") and html.endswith("||")


def test_the_viewers_zone_decides_the_clock_and_the_day():
    late_evening = chicago(2026, 12, 7, 23, 30)  # yesterday in Chicago, after midnight in New York
    with timezone.override(ZoneInfo("America/New_York")):
        assert when(late_evening) == "12:30 AM"
        assert when_full(late_evening) == "Tue, Dec 8, 2026, 12:30 AM EST"
    with timezone.override(ZoneInfo("America/Denver")):
        assert when(late_evening) == "Yesterday 10:30 PM"


def test_calendar_dates_have_the_year_only_when_it_is_another():
    assert day(date(2026, 12, 6)) == "Dec 6"
    assert day(date(2025, 12, 6)) == "Dec 6, 2025"
    assert day_full(date(2026, 12, 6)) == "December 6, 2026"
    assert day(chicago(2026, 12, 7, 23, 30)) == "Dec 7"  # a moment: the viewer's date
    assert day(None) == "" and when_full(None) == ""
