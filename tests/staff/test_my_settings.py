"""Your settings (/me/): a time zone from the list (junk refused in words), available for new
tickets; and the chosen zone on every page, read from the session without a query."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from oss_inbox.staff.middleware import ZONE_SESSION_KEY
from oss_inbox.staff.models import StaffProfile
from oss_inbox.tickets.models import Ticket
from oss_inbox.tickets.services import ingest
from tests import factories

pytestmark = pytest.mark.django_db
ME = reverse("my_settings")
# Mon Nov 2 2026, 10:00 in Chicago (CST), 01:00 on Tuesday in Tokyo.
NOW = datetime(2026, 11, 2, 16, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_name_in_the_top_bar_opens_your_settings(client, agent):
    client.force_login(agent)
    page = client.get(reverse("inbox:queue")).content.decode()
    assert f'href="{ME}"' in page
    html = client.get(ME).content.decode()
    assert "Your settings" in html and "America/Chicago" in html and "a team's day is the team's" in html


def test_saving_keeps_the_zone_and_availability(client, agent, clock):
    client.force_login(agent)
    response = client.post(ME, {"time_zone": "Asia/Tokyo", "available": "on"}, follow=True)
    profile = StaffProfile.objects.get(user=agent)
    assert (profile.time_zone, profile.available) == ("Asia/Tokyo", True)
    html = response.content.decode()
    assert "Saved. Times are shown in Asia/Tokyo." in html and "<strong>Asia/Tokyo</strong>" in html
    assert client.session[ZONE_SESSION_KEY] == "Asia/Tokyo"
    client.post(ME, {"time_zone": ""})  # back to the team's; unticked = not available
    profile.refresh_from_db()
    assert (profile.time_zone, profile.available) == ("", False)


def test_a_zone_not_in_the_list_is_refused_in_plain_words(client, agent):
    client.force_login(agent)
    response = client.post(ME, {"time_zone": "Mars/Olympus_Mons", "available": "on"})
    assert response.status_code == 400
    assert "“Mars/Olympus_Mons” is not a time zone we know: choose one from the list." in (
        response.content.decode()
    )
    assert not StaffProfile.objects.filter(user=agent).exists()


def test_anyone_signed_in_has_settings_but_not_the_signed_out(client, supervisor, admin_user):
    for user in (supervisor, admin_user):
        client.force_login(user)
        assert client.get(ME).status_code == 200
    client.logout()
    assert client.get(ME).status_code == 302


def test_the_ticket_page_shows_times_in_the_viewers_zone(client, agent, other_agent, twitter, clock):
    ingest(twitter, [factories.inbound()])  # sent at factories.BASE_TIME, 15:00 UTC
    ticket = Ticket.objects.get()
    StaffProfile.objects.create(user=other_agent, time_zone="Asia/Tokyo")
    client.force_login(other_agent)
    tokyo = client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    # 15:00 UTC is midnight on Tuesday in Tokyo, where it is now 01:00: today.
    assert 'title="Tue, Nov 3, 2026, 12:00 AM JST">12:00 AM</time>' in tokyo
    client.force_login(agent)  # no preference: the team's zone
    chicago = client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert 'title="Mon, Nov 2, 2026, 9:00 AM CST">9:00 AM</time>' in chicago


def test_the_zone_is_read_from_the_session_after_the_first_request(client, other_agent):
    StaffProfile.objects.create(user=other_agent, time_zone="Europe/Dublin")
    client.force_login(other_agent)
    client.get(ME)  # the first request of the session looks it up, once
    assert client.session[ZONE_SESSION_KEY] == "Europe/Dublin"
    StaffProfile.objects.filter(user=other_agent).update(time_zone="Asia/Tokyo")
    assert "<strong>Europe/Dublin</strong>" in client.get(ME).content.decode()  # no second look-up


def test_marking_yourself_available_hands_you_waiting_tickets_at_once(client, agent):
    from channels.models import Assignment

    account = factories.account("twitter", name="assigned", assignment=Assignment.ROUND_ROBIN)
    ingest(account, [factories.inbound()])
    waiting = Ticket.objects.get(account=account)
    assert waiting.assignee is None  # nobody on shift when it came in
    client.force_login(agent)
    assert client.post(ME, {"time_zone": "", "available": "on"}).status_code == 302
    assert Ticket.objects.get(pk=waiting.pk).assignee == agent
    assert StaffProfile.objects.get(user=agent).available


@pytest.mark.parametrize("saved", ["America", "Mars/Olympus_Mons", "../etc/passwd"])
def test_a_bad_zone_saved_earlier_shows_the_teams_zone_instead_of_breaking_every_page(
    client, other_agent, saved
):
    """A name the list never offered (Django admin, or one tzdata has since dropped): "America" is a
    folder of the zone database, which ZoneInfo reports as IsADirectoryError, not as unknown."""
    StaffProfile.objects.create(user=other_agent, time_zone=saved)
    client.force_login(other_agent)
    page = client.get(ME)
    assert page.status_code == 200
    assert "<strong>America/Chicago</strong>" in page.content.decode()


def test_a_request_leaves_no_zone_behind_for_the_next_one_on_its_thread(client, other_agent):
    StaffProfile.objects.create(user=other_agent, time_zone="Asia/Tokyo")
    client.force_login(other_agent)
    assert "<strong>Asia/Tokyo</strong>" in client.get(ME).content.decode()
    assert timezone.get_current_timezone_name() == "America/Chicago"
    client.post(ME, {"time_zone": "Europe/Dublin"})  # saving switches the zone mid-request
    assert timezone.get_current_timezone_name() == "America/Chicago"
