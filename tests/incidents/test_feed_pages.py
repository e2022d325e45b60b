"""The outage feeds page: supervisors and admins add, edit and disable a source, poll it now, see its
last error in words and the outages it lists with their area and incident, and choose which outage an
incident follows; agents may not; a bad form is refused in words and saves nothing."""

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from oss_inbox.incidents.models import Area, FeedItem, FeedSource, Incident, IncidentUpdate
from oss_inbox.incidents.places import place_key

pytestmark = pytest.mark.django_db

PORTS = range(18680, 18690)
NOW = datetime(2026, 12, 7, 23, 0, tzinfo=UTC)
OUTAGES = [
    {"id": "A1", "area": "Harlan North (Feeder H-11)", "customers_out": 1200, "status": "Crew dispatched"},
    {"id": "A2", "area": "Atlantis", "customers_out": 3, "status": "Restored"},
]


@pytest.fixture(scope="module")
def feed_url():
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps(OUTAGES).encode() if self.path == "/outages.json" else b"Not found"
            self.send_response(200 if self.path == "/outages.json" else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    for port in PORTS:
        try:
            httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
            break
        except OSError:
            continue
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def harlan(db):
    name = "Harlan North (Feeder H-11)"
    return Area.objects.create(name=name, key=place_key(name))


def test_an_agent_may_not_open_or_change_the_feeds(client, agent):
    client.force_login(agent)
    assert client.get(reverse("incidents:feeds")).status_code == 403
    assert client.post(reverse("incidents:feed_add"), {"name": "x"}).status_code == 403
    assert not FeedSource.objects.exists()


def test_a_supervisor_adds_a_feed_polls_it_now_and_sees_its_outages(client, supervisor, feed_url, harlan):
    incident = Incident.objects.create(title="Outage in Harlan North", area=harlan, created_at=NOW)
    client.force_login(supervisor)
    url = f"{feed_url}/outages.json"
    data = {"name": "Storm Center", "url": url, "format": "auto", "poll_seconds": 60, "enabled": "on"}
    answer = client.post(reverse("incidents:feed_add"), data)
    assert answer.status_code == 302
    feed = FeedSource.objects.get()
    assert (feed.name, feed.poll_seconds, feed.enabled) == ("Storm Center", 60, True)
    answer = client.post(reverse("incidents:feed_poll", args=[feed.pk]), follow=True)
    page = answer.content.decode()
    assert "“Storm Center” polled: 2 outage(s) listed, 0 no longer, 1 incident(s) updated." in page
    assert "Harlan North (Feeder H-11)" in page and "Crew dispatched" in page
    assert "No area of the gazetteer has this name" in page  # Atlantis
    assert "The feed says restored" in page
    assert reverse("incident_pages:incident", args=[incident.pk]) in page
    incident.refresh_from_db()
    assert incident.customers_out == 1200 and incident.status == "crews_working"


def test_a_failing_feed_shows_its_last_error_in_words(client, supervisor, feed_url):
    feed = FeedSource.objects.create(name="Wrong path", url=f"{feed_url}/nothing-here")
    client.force_login(supervisor)
    answer = client.post(reverse("incidents:feed_poll", args=[feed.pk]), follow=True)
    page = answer.content.decode()
    assert "The feed answered HTTP 404 (Not Found): nothing was read." in page
    feed.refresh_from_db()
    assert feed.last_error == "The feed answered HTTP 404 (Not Found): nothing was read."
    assert feed.last_ok_at is None


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"url": "ftp://example.com/outages.csv"}, "The URL must start with http:// or https://."),
        ({"poll_seconds": 5}, "At least 30 seconds"),
        ({"url": "not a url"}, "Enter a valid URL."),
    ],
)
def test_a_bad_form_is_refused_in_words_and_saves_nothing(client, admin_user, fields, words):
    client.force_login(admin_user)
    data = {
        "name": "Feed",
        "url": "https://example.com/o.json",
        "format": "auto",
        "poll_seconds": 60,
        **fields,
    }
    answer = client.post(reverse("incidents:feed_add"), data)
    assert answer.status_code == 422
    assert words in answer.content.decode()
    assert not FeedSource.objects.exists()


def test_edit_and_disable_a_feed(client, supervisor):
    feed = FeedSource.objects.create(name="Old", url="https://example.com/o.json")
    client.force_login(supervisor)
    data = {
        "name": "Vendor map",
        "url": "https://example.com/o.csv",
        "format": "csv",
        "poll_seconds": 300,
        "enabled": "on",
    }
    assert client.post(reverse("incidents:feed_edit", args=[feed.pk]), data).status_code == 302
    client.post(reverse("incidents:feed_toggle", args=[feed.pk]), {"enabled": "0"})
    feed.refresh_from_db()
    assert (feed.name, feed.format, feed.poll_seconds, feed.enabled) == ("Vendor map", "csv", 300, False)
    answer = client.post(reverse("incidents:feed_poll", args=[feed.pk]), follow=True)
    assert "“Vendor map” is disabled: enable it to poll it." in answer.content.decode()
    assert feed.last_polled_at is None


def test_a_supervisor_chooses_the_outage_an_incident_follows(client, supervisor, harlan):
    feed = FeedSource.objects.create(name="Storm Center", url="https://example.com/o.json")
    item = FeedItem.objects.create(
        source=feed, key="Z9", area_name="North Harlan", customers_out=77, first_seen_at=NOW, last_seen_at=NOW
    )
    incident = Incident.objects.create(title="Outage in Harlan North", area=harlan, created_at=NOW)
    client.force_login(supervisor)
    client.post(reverse("incidents:feed_link"), {"incident": incident.pk, "item": item.pk})
    incident.refresh_from_db()
    assert incident.feed_item == item and incident.customers_out == 77
    assert IncidentUpdate.objects.filter(incident=incident, text__contains="(by Sam)").count() == 1
    client.post(reverse("incidents:feed_link"), {"incident": incident.pk, "item": ""})
    incident.refresh_from_db()
    assert incident.feed_item is None and incident.customers_out == 77
    assert client.post(reverse("incidents:feed_link"), {"incident": "x", "item": ""}).status_code == 404


def test_the_page_asks_a_bounded_number_of_queries(client, supervisor, harlan, django_assert_max_num_queries):
    for n in range(3):
        feed = FeedSource.objects.create(name=f"Feed {n}", url=f"https://example.com/{n}.json")
        for k in range(20):
            FeedItem.objects.create(
                source=feed, key=f"{k}", area_name=harlan.name, area=harlan, first_seen_at=NOW,
                last_seen_at=NOW, gone_at=NOW - timedelta(minutes=k) if k % 2 else None,
            )  # fmt: skip
    client.force_login(supervisor)
    client.get(reverse("incidents:feeds"))  # what every page keeps per process (coverage, storm mode)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("incidents:feeds")).status_code == 200
