"""The storm switch page (/settings/storm/), the banner on every page, and Incidents first in the queue."""

from datetime import timedelta

import pytest
from django.urls import reverse

from oss_inbox.sla.models import StormPeriod
from oss_inbox.sla.storm import storm_start

pytestmark = pytest.mark.django_db

SWITCH = "/settings/storm/"


def turn_on(client, **fields):
    data = {"reason": "Derecho north of the river", "extend_coverage": "on", "coverage": "24h", **fields}
    return client.post(SWITCH, data)


def test_a_supervisor_turns_it_on_and_off_from_the_page(client, supervisor):
    client.force_login(supervisor)
    response = turn_on(client, first_response_hours="1.5", sla_reason="All hands", auto_acknowledge="on")
    assert response.status_code == 302
    period = StormPeriod.objects.get(active=True)
    assert period.started_by == supervisor and period.first_response_target == timedelta(hours=1, minutes=30)
    assert period.coverage_opens_at is None and period.auto_acknowledge and not period.auto_confirm
    page = client.get(SWITCH).content.decode()
    assert "Storm mode is on" in page and "Turn storm mode off" in page
    assert "First response within 1.5h for tickets created meanwhile (All hands)" in page
    response = client.post(SWITCH, {"end_reason": "Feeders restored"})
    assert response.status_code == 302
    period.refresh_from_db()
    assert not period.active and period.ended_by == supervisor and period.end_reason == "Feeders restored"
    page = client.get(SWITCH).content.decode()
    assert "Turn storm mode on" in page and "Feeders restored" in page
    assert "Derecho north of the river" in page


def test_storm_hours_from_the_form(client, admin_user):
    client.force_login(admin_user)
    turn_on(client, coverage="hours", opens_at="06:00", closes_at="02:00")
    period = StormPeriod.objects.get()
    assert (f"{period.coverage_opens_at:%H:%M}", f"{period.coverage_closes_at:%H:%M}") == ("06:00", "02:00")


def test_junk_gets_errors_in_words_and_keeps_what_was_typed(client, supervisor):
    client.force_login(supervisor)
    response = turn_on(
        client,
        reason="Ice storm",
        coverage="hours",
        opens_at="25:99",
        first_response_hours="soon",
        outage_map_url="not a link",
        sla_reason="Crews out",
    )
    page = response.content.decode()
    assert response.status_code == 200 and not StormPeriod.objects.exists()
    assert "Write a time of day, e.g. 06:00." in page and "Give the hour, or choose around the clock." in page
    assert "Write a number of hours" in page and "Write the full address of the outage map" in page
    assert "Ice storm</textarea>" in page and "Crews out</textarea>" in page and 'value="not a link"' in page


def test_a_target_without_its_reason_is_refused(client, supervisor):
    client.force_login(supervisor)
    page = turn_on(client, first_response_hours="1").content.decode()
    assert "Say why the first-response target changes" in page and not StormPeriod.objects.exists()


def test_turning_it_on_twice_is_refused_in_words(client, supervisor, admin_user):
    storm_start(by=admin_user, reason="First")
    client.force_login(supervisor)
    page = turn_on(client, reason="Second").content.decode()
    assert "Storm mode is on already: Ada turned it on" in page
    assert StormPeriod.objects.count() == 1


def test_agents_may_not_open_the_switch(client, agent):
    client.force_login(agent)
    assert client.get(SWITCH).status_code == 403
    assert turn_on(client).status_code == 403 and not StormPeriod.objects.exists()


def test_the_settings_page_links_to_the_switch(client, supervisor):
    client.force_login(supervisor)
    assert SWITCH in client.get(reverse("inbox:settings")).content.decode()


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin_user"])
def test_everyone_sees_the_banner_on_every_page_while_it_is_on(client, role, request, supervisor):
    user = request.getfixturevalue(role)
    client.force_login(user)
    pages = [reverse("inbox:queue"), reverse("my_settings"), reverse("incident_pages:list")]
    for url in pages:
        assert "storm-banner" not in client.get(url).content.decode()
    storm_start(by=supervisor, reason="Derecho north of the river")
    for url in pages:
        page = client.get(url).content.decode()
        banner = page[page.index('class="storm-banner"') :]
        banner = banner[: banner.index("</div>")]
        assert 'role="status"' in banner and "Sam" in banner and "Derecho north of the river" in banner
        assert reverse("incident_pages:list") in banner
        assert (SWITCH in banner) == (role != "agent")


def test_the_banner_still_shows_when_whoever_turned_it_on_is_gone(client, agent, supervisor):
    storm_start(by=supervisor, reason="Ice storm")
    supervisor.delete()  # started_by is set null
    client.force_login(agent)
    page = client.get(reverse("inbox:queue")).content.decode()
    assert "turned on by someone no longer here" in page and "Ice storm" in page


def test_strangers_see_no_banner(client, supervisor):
    storm_start(by=supervisor, reason="Derecho")
    assert "storm-banner" not in client.get(reverse("login")).content.decode()


def test_incidents_come_first_in_the_queue_views_during_storm_mode(client, agent, supervisor):
    client.force_login(agent)
    incidents = reverse("incident_pages:list")
    page = client.get(reverse("inbox:queue")).content.decode()
    assert page.index('id="view-list"') < page.index(f'href="{incidents}"')
    storm_start(by=supervisor, reason="Derecho")
    page = client.get(reverse("inbox:queue")).content.decode()
    assert page.index(f'href="{incidents}"') < page.index('id="view-list"')
    assert page.count(f'href="{incidents}"') == 2  # the queue's first view, and the banner's link
