"""Polling an outage feed: its items kept and matched to areas, gone when no longer listed, incidents
following their item (ETR, status, customers out, a timeline entry each poll, the customers re-told
once per ETR move), a failing feed recorded in words and changing nothing. The feed is a real HTTP
server on loopback."""

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine

from channels.sandbox.storm import GAZETTEER
from oss_inbox.incidents import fanout, feed_sync
from oss_inbox.incidents.feed_sync import feed_item_link, feed_poll
from oss_inbox.incidents.feed_tasks import poll_outage_feeds
from oss_inbox.incidents.models import Area, FeedItem, FeedSource, Incident, IncidentUpdate, Place
from oss_inbox.incidents.places import place_key

pytestmark = pytest.mark.django_db

PORTS = range(18660, 18680)  # this file's share of the ports given to the feed's tests
NOW = datetime(2026, 12, 7, 23, 0, tzinfo=UTC)  # 5 PM in Chicago
ETR = datetime(2026, 12, 8, 2, 30, tzinfo=UTC)  # 8:30 PM in Chicago


class FeedServer:
    """A vendor's feed: it answers whatever the test last set."""

    def __init__(self):
        self.status, self.body, self.content_type, self.delay = 200, b"[]", "application/json", 0.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                time.sleep(server.delay)
                self.send_response(server.status)
                self.send_header("Content-Type", server.content_type)
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args):
                pass

        self.httpd = _bind(Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/outages.json"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def answer(self, body, *, status=200, content_type="application/json", delay=0.0):
        self.status, self.content_type, self.delay = status, content_type, delay
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()


def _bind(handler):
    for port in PORTS:
        try:
            return ThreadingHTTPServer(("127.0.0.1", port), handler)
        except OSError:
            continue
    raise RuntimeError(f"No free port in {PORTS.start}-{PORTS.stop - 1} for the test feed.")


@pytest.fixture(scope="module")
def server():
    served = FeedServer()
    yield served
    served.httpd.shutdown()
    served.httpd.server_close()


@pytest.fixture
def feed(server):
    server.answer([])
    return FeedSource.objects.create(name="Storm Center", url=server.url, poll_seconds=60)


@pytest.fixture
def harlan(db):
    area = Area.objects.create(name="Harlan North (Feeder H-11)", key=place_key("Harlan North (Feeder H-11)"))
    feeder = Place.objects.create(kind="feeder", name="Feeder H-11", key="feeder h 11", aliases=["H-11"])
    feeder.areas.add(area)
    return area


@pytest.fixture
def etr_moves(monkeypatch):
    """What fanout.etr_changed was asked (the fan-out's own tests cover what it sends)."""
    calls = []
    monkeypatch.setattr(
        fanout, "etr_changed", lambda incident, old_etr, by=None: calls.append((incident.pk, old_etr, by))
    )
    return calls


def _open_incident(area, **fields):
    return Incident.objects.create(
        title=f"Outage in {area.name}", area=area, created_at=NOW - timedelta(hours=1), **fields
    )


def _poll(feed, server, body, *, at=NOW, **answer):
    server.answer(body, **answer)
    feed.refresh_from_db()
    return feed_poll(feed, now=at, force=True)


def test_items_are_kept_matched_to_their_area_and_updated_not_repeated(feed, server, harlan):
    first = _poll(feed, server, [{"id": "A1", "area": "Harlan North (Feeder H-11)", "customersOut": 120}])
    assert first.polled and first.items == 1 and first.error == ""
    row = {"id": "A1", "area": "Harlan North (Feeder H-11)", "customersOut": 90, "cause": "Wind"}
    second = _poll(feed, server, [row], at=NOW + timedelta(minutes=2))
    assert second.items == 1
    item = FeedItem.objects.get()
    assert (item.area, item.customers_out, item.cause) == (harlan, 90, "Wind")
    assert (item.first_seen_at, item.last_seen_at) == (NOW, NOW + timedelta(minutes=2))
    feed.refresh_from_db()
    assert (feed.last_ok_at, feed.last_error) == (NOW + timedelta(minutes=2), "")


def test_an_area_named_by_its_feeder_is_found_and_an_unknown_one_is_kept_unmatched(feed, server, harlan):
    _poll(feed, server, [{"id": "1", "area": "H-11"}, {"id": "2", "area": "Atlantis"}])
    items = {item.key: item for item in FeedItem.objects.all()}
    assert items["1"].area == harlan
    assert items["2"].area is None and items["2"].area_name == "Atlantis"


def test_an_item_no_longer_listed_is_gone_and_comes_back_if_listed_again(feed, server, harlan):
    _poll(feed, server, [{"id": "A1", "area": "H-11"}, {"id": "A2", "area": "Lone Tree"}])
    result = _poll(feed, server, [{"id": "A2", "area": "Lone Tree"}], at=NOW + timedelta(minutes=1))
    assert result.gone == 1
    assert FeedItem.objects.get(key="A1").gone_at == NOW + timedelta(minutes=1)
    _poll(feed, server, [{"id": "A1", "area": "H-11"}], at=NOW + timedelta(minutes=2))
    assert FeedItem.objects.get(key="A1").gone_at is None
    assert FeedItem.objects.get(key="A2").gone_at == NOW + timedelta(minutes=2)


def test_an_unreadable_row_is_named_the_rest_count_and_nothing_is_marked_gone(feed, server, harlan):
    _poll(feed, server, [{"id": "A1", "area": "H-11"}, {"id": "A2", "area": "Lone Tree"}])
    result = _poll(
        feed, server, [{"id": "A2", "area": "Lone Tree", "customers_out": 7}, {"customers_out": 3}]
    )
    assert result.error.startswith("1 row(s) could not be read: Row 2: no area")
    assert FeedItem.objects.get(key="A2").customers_out == 7
    assert FeedItem.objects.get(key="A1").gone_at is None  # the unreadable row may be it
    feed.refresh_from_db()
    assert feed.last_error == result.error and feed.last_ok_at == NOW


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (
            {"body": b"oops", "status": 503},
            "The feed answered HTTP 503 (Service Unavailable): nothing was read.",
        ),
        ({"body": b"<html>Sign in</html>", "content_type": "text/html"}, "a web page (HTML or XML)"),
        ({"body": b'{"outages": [', "content_type": "application/json"}, "The feed is not valid JSON"),
        ({"body": b"[]", "delay": 0.6}, "did not answer within 0.3 seconds: nothing was read."),
    ],
)
def test_a_failing_feed_records_why_in_words_and_changes_nothing(
    feed, server, harlan, monkeypatch, answer, words
):
    monkeypatch.setattr(feed_sync, "FEED_TIMEOUT", (1, 0.3))
    incident = _open_incident(harlan, customers_out=50)
    _poll(feed, server, [{"id": "A1", "area": "H-11", "customers_out": 120}])
    body = answer.pop("body")
    result = _poll(feed, server, body, at=NOW + timedelta(minutes=5), **answer)
    assert words in result.error
    feed.refresh_from_db()
    assert words in feed.last_error
    assert feed.last_ok_at == NOW and feed.last_polled_at == NOW + timedelta(minutes=5)
    item = FeedItem.objects.get()
    assert item.gone_at is None and item.last_seen_at == NOW
    incident.refresh_from_db()
    assert incident.customers_out == 120


def test_a_feed_that_cannot_be_reached_says_so(db, harlan):
    feed = FeedSource.objects.create(name="Down", url=f"http://127.0.0.1:{PORTS.stop}/outages.json")
    result = feed_poll(feed, now=NOW)
    assert (
        result.error == f"Could not connect to 127.0.0.1:{PORTS.stop}: is the URL right, and the server up?"
    )


def test_an_open_incident_of_the_area_follows_its_item(feed, server, harlan, etr_moves):
    incident = _open_incident(harlan)
    row = {
        "id": "A1",
        "area": "H-11",
        "customers_out": 1200,
        "etr": ETR.isoformat(),
        "status": "Crew dispatched",
    }
    result = _poll(feed, server, [row])
    assert result.incidents_changed == 1
    incident.refresh_from_db()
    assert incident.feed_item == FeedItem.objects.get()
    assert (incident.etr, incident.status, incident.customers_out) == (ETR, "crews_working", 1200)
    entries = list(IncidentUpdate.objects.filter(incident=incident).values_list("text", "author"))
    assert entries == [
        ("Follows the outage feed “Storm Center”: H-11.", None),
        ("From the outage feed: ETR 8:30 PM; status crews working; customers out 1,200.", None),
    ]


def test_each_etr_move_is_one_timeline_entry_and_one_re_notification(
    feed, server, harlan, etr_moves, django_capture_on_commit_callbacks
):
    incident = _open_incident(harlan)
    later = ETR + timedelta(hours=1)
    for minute, etr in enumerate([ETR, ETR, later]):
        with django_capture_on_commit_callbacks(execute=True):
            _poll(
                feed,
                server,
                [{"id": "A1", "area": "H-11", "etr": etr.isoformat()}],
                at=NOW + timedelta(minutes=minute),
            )
    assert etr_moves == [(incident.pk, None, None), (incident.pk, ETR, None)]
    texts = list(IncidentUpdate.objects.filter(incident=incident).values_list("text", flat=True))
    assert texts[1:] == ["From the outage feed: ETR 8:30 PM.", "From the outage feed: ETR 9:30 PM."]


def test_the_feed_never_restores_an_incident(feed, server, harlan, etr_moves):
    incident = _open_incident(harlan, status="crews_working", customers_out=40)
    _poll(feed, server, [{"id": "A1", "area": "H-11", "customers_out": 0, "status": "Restored"}])
    incident.refresh_from_db()
    assert incident.status == "crews_working" and incident.restored_at is None
    assert incident.customers_out == 0
    _poll(feed, server, [], at=NOW + timedelta(minutes=1))  # gone from the feed
    incident.refresh_from_db()
    assert incident.is_open and incident.feed_item.gone_at == NOW + timedelta(minutes=1)


def test_a_supervisor_links_an_incident_to_another_item_and_it_sticks(
    feed, server, harlan, supervisor, etr_moves
):
    incident = _open_incident(harlan)
    _poll(
        feed,
        server,
        [
            {"id": "A1", "area": "H-11", "customers_out": 10},
            {"id": "B2", "area": "Atlantis", "customers_out": 99},
        ],
    )
    assert incident.__class__.objects.get(pk=incident.pk).feed_item.key == "A1"
    chosen = FeedItem.objects.get(key="B2")
    feed_item_link(incident, chosen, user=supervisor, now=NOW + timedelta(minutes=1))
    incident.refresh_from_db()
    assert incident.feed_item == chosen and incident.customers_out == 99
    assert IncidentUpdate.objects.filter(
        incident=incident, text="Follows the outage feed “Storm Center”: Atlantis (by Sam)."
    ).exists()
    _poll(
        feed,
        server,
        [
            {"id": "A1", "area": "H-11", "customers_out": 11},
            {"id": "B2", "area": "Atlantis", "customers_out": 98},
        ],
        at=NOW + timedelta(minutes=2),
    )
    incident.refresh_from_db()
    assert incident.feed_item == chosen and incident.customers_out == 98


def test_two_polls_at_once_poll_once(feed):
    feed_sync.FeedSource.objects.filter(pk=feed.pk).update(last_polled_at=NOW - timedelta(minutes=5))
    feed.refresh_from_db()
    stale = FeedSource.objects.get(pk=feed.pk)
    assert feed_poll(feed, now=NOW).polled
    assert not feed_poll(stale, now=NOW).polled  # it read the source before the first poll
    assert not feed_poll(
        FeedSource.objects.get(pk=feed.pk), now=NOW + timedelta(seconds=30)
    ).polled  # not due


def test_with_notify_on_etr_change_the_feed_s_etr_move_sends_an_automatic_update(
    feed, server, harlan, django_capture_on_commit_callbacks
):
    incident = _open_incident(harlan, notify_on_etr_change=True)
    with django_capture_on_commit_callbacks() as after_commit:
        _poll(feed, server, [{"id": "A1", "area": "H-11", "etr": ETR.isoformat()}])
    for callback in after_commit:  # ours; the fan-out's worker is not asked here (its own tests do)
        callback()
    (sent,) = IncidentUpdate.objects.filter(incident=incident, broadcast=True)
    assert sent.automatic and sent.author is None and sent.etr == ETR


def test_beat_polls_each_enabled_feed_when_its_turn_comes(server, harlan):
    server.answer([{"id": "A1", "area": "H-11"}])
    due = FeedSource.objects.create(
        name="Due", url=server.url, poll_seconds=60, last_polled_at=NOW - timedelta(minutes=2)
    )
    early = FeedSource.objects.create(
        name="Early", url=server.url, poll_seconds=600, last_polled_at=NOW - timedelta(minutes=2)
    )
    off = FeedSource.objects.create(name="Off", url=server.url, enabled=False)
    with time_machine.travel(NOW, tick=False):
        poll_outage_feeds()
    polled = dict(FeedSource.objects.values_list("name", "last_polled_at"))
    assert polled == {"Due": NOW, "Early": early.last_polled_at, "Off": None}
    assert (
        FeedItem.objects.filter(source=due).count() == 1 and not FeedItem.objects.filter(source=off).exists()
    )


def test_a_feed_of_a_thousand_outages_is_stored_in_a_few_statements(
    feed, server, harlan, django_assert_max_num_queries
):
    rows = [{"id": f"O{n}", "area": "Lone Tree", "customers_out": n} for n in range(1000)]
    rows.append({"id": "H", "area": "H-11", "customers_out": 5})
    incident = _open_incident(harlan)
    server.answer(rows)
    with django_assert_max_num_queries(40):  # areas matched per distinct new name, then bulk writes
        assert feed_poll(feed, now=NOW, force=True).items == 1001
    rows[0]["customers_out"] = 7
    server.answer(rows)
    feed.refresh_from_db()
    with django_assert_max_num_queries(25):  # SQLite updates ~100 rows a statement, PostgreSQL 1,000
        feed_poll(feed, now=NOW + timedelta(minutes=1), force=True)
    assert FeedItem.objects.get(key="O0").customers_out == 7
    incident.refresh_from_db()
    assert incident.feed_item.key == "H" and incident.customers_out == 5


def test_the_sandbox_storm_s_outage_map_feeds_the_incidents_of_its_areas(
    db, tmp_path, etr_moves, django_capture_on_commit_callbacks
):
    """End to end: the sandbox's storm scenario drives its outage map; polling it matches every outage
    to the gazetteer's area and the open incident of one of them follows it."""
    from channels.sandbox.control import ControlServer
    from channels.sandbox.graph_api import GraphApiSandbox
    from channels.sandbox.mail import SmtpSink
    from channels.sandbox.simulator import Simulator
    from channels.sandbox.storm_play import StormPlayer
    from channels.sandbox.x_api import XApiSandbox
    from oss_inbox.incidents.gazetteer import gazetteer_load

    gazetteer_load(GAZETTEER.read_text(encoding="utf-8"))
    x, graph = XApiSandbox(), GraphApiSandbox()
    simulator = Simulator(x=x, graph=graph, imap=_NoMail(), mailbox="help@prairie-eg.example", seed=1)
    player = StormPlayer(simulator, truth_path=tmp_path / "truth.json")
    control = _started(
        lambda port: ControlServer(
            simulator=simulator, x=x, graph=graph, smtp=SmtpSink(), port=port, player=player
        )
    )
    try:
        state = player.start(minutes=2, rate=2, speed=200, seed=2)
        first_report = next(item for item in player.truth()["items"] if item["area"])
        first_area = Area.objects.get(name=first_report["area"])
        incident = _open_incident(first_area)
        feed = FeedSource.objects.create(
            name="Sandbox outage map", url=f"http://127.0.0.1:{control.port}/outages.json"
        )
        deadline = time.monotonic() + 10
        while not player.outages() and time.monotonic() < deadline:
            time.sleep(0.05)
        with django_capture_on_commit_callbacks(execute=True):
            result = feed_poll(feed)
    finally:
        player.stop()
        control.stop()
    assert result.error == "" and result.items >= 1
    items = list(FeedItem.objects.all())
    assert all(item.area is not None and item.area.name == item.area_name for item in items)
    assert {item.area_name for item in items} <= set(state["areas"])
    incident.refresh_from_db()  # the first area to trip is the first on the map
    assert incident.feed_item.area == first_area and incident.feed_item.key == "SBX-1"
    assert (incident.etr, incident.customers_out) == (
        incident.feed_item.etr,
        incident.feed_item.customers_out,
    )
    assert etr_moves == [(incident.pk, None, None)]


class _NoMail:
    def deliver(self, raw):
        pass


def _started(make):
    for port in range(18696, 18700):
        try:
            return make(port).start()
        except OSError:
            continue
    raise RuntimeError("No free port in 18696-18699 for the sandbox's control server.")
