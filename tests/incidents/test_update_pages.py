"""The incident page's "Customer updates" panel: supervisors preview, send (once, however often the
button is clicked), restore and switch ETR updates on; everyone who reads the incident follows the
progress, which polls while sending and stops when done."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from oss_inbox.incidents import fanout
from oss_inbox.incidents.fanout import fanout_run
from oss_inbox.incidents.models import IncidentUpdate
from oss_inbox.tickets.models import Message

from .test_fanout import NOW, customer, outage

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _worker_asked_later(monkeypatch):
    monkeypatch.setattr(fanout, "_ask_worker", lambda update_id: None)


@pytest.fixture
def incident(db):
    return outage()


def url(name, *args):
    return reverse(f"incident_pages:{name}", args=args)


def test_the_incident_page_loads_the_panel(client, supervisor, incident):
    client.force_login(supervisor)

    page = client.get(url("incident", incident.pk)).content.decode()

    assert f'hx-get="{url("updates", incident.pk)}"' in page


def test_a_supervisor_gets_the_composer_with_the_placeholders_an_agent_reads_only(
    client, supervisor, agent, incident
):
    client.force_login(supervisor)
    panel = client.get(url("updates", incident.pk)).content.decode()
    assert "Update customers" in panel and "{{first_name}}" in panel and "Restore and close all" in panel

    client.force_login(agent)
    panel = client.get(url("updates", incident.pk)).content.decode()
    assert "Update customers" not in panel and "No update was sent" in panel
    assert client.post(url("update_send", incident.pk), {"text": "Hi"}).status_code == 403


def test_an_outsider_reads_nothing(client, outsider, incident):
    client.force_login(outsider)

    assert client.get(url("updates", incident.pk)).status_code == 403


def test_the_preview_shows_the_reach_per_channel_the_unreachable_and_an_example(
    client, supervisor, twitter, facebook, incident
):
    customer(twitter, incident, name="Kim Jones")
    late = customer(facebook, incident, kind="messenger", ago=timedelta(days=8))
    client.force_login(supervisor)

    preview = client.post(
        url("update_preview", incident.pk), {"text": "Hi {{first_name}}, power back by {{etr}}."}, **HTMX
    ).content.decode()

    assert "Reaches 1 of 2 customer(s)" in preview
    assert "<td>X reply</td><td>1</td>" in preview
    assert "Hi Kim, power back by 6:40 PM." in preview
    assert f"#{late.pk}" in preview and "more than 7 days since this customer last wrote" in preview


def test_an_unknown_placeholder_is_named_in_the_preview(client, supervisor, incident):
    client.force_login(supervisor)

    preview = client.post(url("update_preview", incident.pk), {"text": "Back by {{eta}}"}, **HTMX)

    assert "{{eta}} is not a placeholder; use {{area}}, {{etr}}, {{status}} or {{first_name}}." in (
        preview.content.decode()
    )


def test_send_clicked_twice_sends_once_and_shows_the_progress(client, supervisor, twitter, incident):
    ticket = customer(twitter, incident)
    client.force_login(supervisor)
    text = "Crews are on site in {{area}}."

    first = client.post(url("update_send", incident.pk), {"text": text}, **HTMX)
    client.post(url("update_send", incident.pk), {"text": text}, **HTMX)

    [update] = IncidentUpdate.objects.filter(broadcast=True)
    fanout_run(update.pk)
    assert ticket.messages.filter(direction=Message.Direction.OUTBOUND).count() == 1
    panel = first.content.decode()
    assert "Sent: each customer gets it on their own channel" in panel
    assert 'data-testid="broadcast-progress"' in panel and "Crews are on site in {{area}}." in panel


def test_a_refused_send_keeps_the_text_and_says_why(client, supervisor, twitter, incident):
    customer(twitter, incident)
    client.force_login(supervisor)

    panel = client.post(url("update_send", incident.pk), {"text": "Back by {{eta}} today"}, **HTMX)

    content = panel.content.decode()
    assert "{{eta}} is not a placeholder" in content and "Back by {{eta}} today</textarea>" in content
    assert not IncidentUpdate.objects.filter(broadcast=True).exists()


def test_the_progress_polls_while_sending_and_stops_when_done(client, agent, twitter, incident, supervisor):
    ticket = customer(twitter, incident)
    update = fanout.broadcast_send(incident=incident, text="Crews on site.", author=supervisor)
    client.force_login(agent)

    sending = client.get(url("update_progress", update.pk), **HTMX).content.decode()
    assert 'hx-trigger="every 2s"' in sending and "Sending: 0 of 1 (0%)" in sending
    assert 'aria-valuenow="0"' in sending and "<progress" in sending

    fanout_run(update.pk)
    ticket.messages.filter(direction="outbound").update(delivery_state="sent")
    done = client.get(url("update_progress", update.pk), **HTMX).content.decode()

    assert "hx-trigger" not in done and "Done: 1 of 1 (100%)" in done
    assert 'data-testid="sent">Sent 1<' in done


def test_restoring_from_the_panel_sends_the_edited_final_message_and_resolves(
    client, supervisor, twitter, incident
):
    ticket = customer(twitter, incident)
    client.force_login(supervisor)

    client.post(url("update_restore", incident.pk), {"final_text": "Power is back, {{first_name}}."}, **HTMX)
    fanout_run(IncidentUpdate.objects.get(resolves=True).pk)

    ticket.refresh_from_db()
    incident.refresh_from_db()
    assert incident.status == "restored" and ticket.status == "resolved"
    assert ticket.messages.get(direction="outbound").text.endswith(" Power is back, Pat.")


def test_the_etr_switch_is_kept(client, supervisor, incident):
    client.force_login(supervisor)

    client.post(url("update_notify", incident.pk), {"notify": "on"}, **HTMX)
    incident.refresh_from_db()
    assert incident.notify_on_etr_change

    client.post(url("update_notify", incident.pk), {}, **HTMX)
    incident.refresh_from_db()
    assert not incident.notify_on_etr_change
