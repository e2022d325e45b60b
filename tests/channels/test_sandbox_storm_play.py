"""The storm scenario played through the sandbox: every item written once on its own platform with its
ground truth kept (served and on disk), the outage map it drives served as JSON and CSV over real HTTP
(and read by the app's feed reader), the control page's button, and `--storm` on the command line."""

import json
import re
import time
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from html import unescape

import pytest
import requests

from channels.sandbox.__main__ import build_parser
from channels.sandbox.control import ControlServer
from channels.sandbox.graph_api import GraphApiSandbox
from channels.sandbox.instagram_api import InstagramApiSandbox
from channels.sandbox.mail import SmtpSink
from channels.sandbox.simulator import Simulator
from channels.sandbox.storm import storm_scenario
from channels.sandbox.storm_feed import area_outages, feed_rows
from channels.sandbox.storm_play import StormPlayer
from channels.sandbox.x_api import XApiSandbox
from oss_inbox.incidents.feed import incident_status, parse_feed

PORTS = range(18650, 18660)  # the control server's, for these tests
START = datetime(2026, 12, 7, 23, 0, tzinfo=UTC)


class Mailbox:
    username = "help@prairie-eg.example"

    def __init__(self):
        self.delivered = []

    def deliver(self, raw):
        self.delivered.append(raw)


@pytest.fixture
def sandbox(tmp_path):
    """The fake platforms (their state only: the player writes into it as customers do) and the
    control server on a loopback port."""
    x, graph, instagram, mailbox = XApiSandbox(), GraphApiSandbox(), InstagramApiSandbox(), Mailbox()
    simulator = Simulator(
        x=x, graph=graph, imap=mailbox, mailbox=mailbox.username, seed=3, instagram=instagram
    )
    player = StormPlayer(simulator, truth_path=tmp_path / "sandbox" / "storm-truth.json")
    control = None
    for port in PORTS:
        try:
            control = ControlServer(
                simulator=simulator, x=x, graph=graph, smtp=SmtpSink(), port=port, player=player
            ).start()
            break
        except OSError:
            continue
    assert control is not None, "no free port for the control server"
    control.url = f"http://127.0.0.1:{control.port}"
    control.mailbox = mailbox
    yield control
    player.stop()
    control.stop()


def _finish(control, seconds=10):
    deadline = time.monotonic() + seconds
    while control.player.running and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not control.player.running


def test_the_scenario_writes_every_item_once_on_its_platform_with_its_ground_truth(sandbox):
    state = requests.post(
        f"{sandbox.url}/storm/scenario", json={"minutes": 1, "rate": 10, "speed": 1000, "seed": 4}, timeout=10
    ).json()
    assert state["running"] is True and state["reports"] == 34  # 60 / 14 s a message, times 10, 80% reports
    _finish(sandbox)
    truth = requests.get(f"{sandbox.url}/storm/truth", timeout=10).json()
    items = truth["items"]
    assert truth["written"] == len(items) == state["planned"] and truth["failed"] == 0
    expected = storm_scenario(seed=4, reports=34, minutes=1, noise_share=0.2)
    assert [(item["author"], item["area"], item["outage"]) for item in items] == [
        (item.author, item.area, item.outage) for item in expected
    ]
    ids = [item["id"] for item in items]
    assert None not in ids and len(set(ids)) == len(ids)
    # Each landed where its kind says, once: mentions in the mentions timeline, emails in the mailbox...
    kinds = {
        kind: [item for item in items if item["kind"] == kind] for kind in {item["kind"] for item in items}
    }
    assert len(sandbox.x.state.mention_ids) == len(kinds.get("mention", []))
    assert len(sandbox.mailbox.delivered) == len(kinds.get("email", []))
    mentioned = {sandbox.x.state.tweets[tweet_id]["text"] for tweet_id in sandbox.x.state.mention_ids}
    assert mentioned == {item["text"] for item in kinds.get("mention", [])}
    if kinds.get("email"):
        mail = message_from_bytes(sandbox.mailbox.delivered[0])
        assert mail["From"].endswith(f"<{kinds['email'][0]['author']}>")
    # ...and the page's list of what customers wrote has them too.
    assert len(sandbox.simulator.written()) == len(items)
    # The truth is on disk as served.
    on_disk = json.loads(sandbox.player.truth_path.read_text())
    assert [item["id"] for item in on_disk["items"]] == ids


def test_the_outage_map_is_served_as_json_and_csv_and_the_feed_reader_reads_it(sandbox):
    assert requests.get(f"{sandbox.url}/outages.json", timeout=10).json()["outages"] == []  # no storm yet
    requests.post(f"{sandbox.url}/storm/scenario", json={"minutes": 1, "rate": 5, "speed": 60}, timeout=10)
    deadline = time.monotonic() + 8
    answer = None
    while time.monotonic() < deadline:
        answer = requests.get(f"{sandbox.url}/outages.json", timeout=10)
        if answer.json()["outages"]:
            break
        time.sleep(0.05)
    reading = parse_feed(answer.content, answer.headers["Content-Type"])
    assert reading.error == "" and reading.problems == [] and reading.rows
    scenario_areas = set(sandbox.player.state()["areas"])
    assert {row.area_name for row in reading.rows} <= scenario_areas
    assert all(row.etr is not None and row.key.startswith("SBX-") for row in reading.rows)
    csv_answer = requests.get(f"{sandbox.url}/outages.csv", timeout=10)
    assert csv_answer.headers["Content-Type"].startswith("text/csv")
    from_csv = parse_feed(csv_answer.content, csv_answer.headers["Content-Type"])
    assert from_csv.error == "" and {row.area_name for row in from_csv.rows} <= scenario_areas


def test_the_map_lists_an_area_after_its_first_reports_with_etrs_that_move_then_restores_it():
    items = storm_scenario(seed=5, reports=600, minutes=30)
    outages = area_outages(items, seed=5)
    first = outages[0]
    span = 30 * 60

    def row_at(elapsed):
        rows = feed_rows(outages, span=span, elapsed=elapsed, started_at=START)
        return next((row for row in rows if row["area"] == first.area), None)

    assert row_at(first.onset + 30) is None  # the map lags the first calls
    early, later = row_at(first.onset + 90), row_at(first.onset + 600)
    assert early["status"] == "Reported" and 0 < early["customers_out"] < later["customers_out"]
    etr_first = datetime.fromisoformat(early["etr"])
    planned = START + timedelta(seconds=first.onset + first.etr_minutes * 60)
    assert etr_first.minute % 5 == 0 and timedelta(0) <= etr_first - planned < timedelta(minutes=5)
    moved = [datetime.fromisoformat(row_at(first.onset + span * share)["etr"]) for share in (0.4, 0.55, 0.85)]
    assert len(set(moved)) >= 2  # it moves at least once: the outage's own plan says when
    assert moved[1] == etr_first + timedelta(minutes=first.moved_minutes)
    restored_at = span + first.number * span * 0.1 - first.onset
    restored = row_at(first.onset + restored_at + 1)
    assert restored["status"] == "Restored" and restored["customers_out"] == 0
    assert incident_status(restored["status"]) == "restored"
    assert row_at(first.onset + restored_at + 400) is None  # off the map a while later
    assert len(outages) == 6 and {outage.area for outage in outages} == {
        item.area for item in items if item.area
    }


def test_the_control_page_button_starts_it_and_says_what_it_started(sandbox):
    browser = requests.Session()
    browser.headers["Accept"] = "text/html"
    page = browser.get(f"{sandbox.url}/", timeout=10).text
    assert (
        '<form method="post" action="/storm/scenario"' in page and "Start the storm scenario</button>" in page
    )
    answer = browser.post(
        f"{sandbox.url}/storm/scenario",
        data={"minutes": "1", "rate": "2", "seed": "9"},
        allow_redirects=False,
        timeout=10,
    )
    page = browser.get(f"{sandbox.url}{answer.headers['Location']}", timeout=10).text
    flash = unescape(re.search(r'<p class="flash (\w+)" role="\w+">(.*?)</p>', page, re.S).group(2))
    assert flash.startswith("The storm scenario has started: 7 outage reports from")
    assert "The storm scenario is going" in page
    refused = browser.post(
        f"{sandbox.url}/storm/scenario", data={"minutes": "1", "rate": "2"}, allow_redirects=False, timeout=10
    )
    page = browser.get(f"{sandbox.url}{refused.headers['Location']}", timeout=10).text
    assert "A storm scenario is still going: wait for it to end." in unescape(page)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"minutes": 0}, "A storm scenario lasts 1 to 180 minutes."),
        ({"rate": 1000}, "A storm is 1 to 200 times the everyday pace of messages."),
        ({"areas": ["Atlantis"]}, "Not an area of the sample gazetteer: Atlantis."),
        ({"seed": "x"}, "A storm scenario needs numbers"),
    ],
)
def test_a_scenario_it_cannot_play_is_refused_in_words(sandbox, body, words):
    answer = requests.post(f"{sandbox.url}/storm/scenario", json=body, timeout=10)
    assert answer.status_code == 400 and words in answer.json()["error"]
    assert not sandbox.player.running


def test_storm_on_the_command_line_parses():
    args = build_parser().parse_args(
        ["--storm", "--storm-minutes", "10", "--storm-rate", "20", "--storm-seed", "3"]
    )
    assert (args.storm, args.storm_minutes, args.storm_rate, args.storm_seed) == (True, 10.0, 20.0, 3)
    plain = build_parser().parse_args([])
    assert (plain.storm, plain.storm_minutes, plain.storm_rate, plain.storm_seed) == (False, 30.0, 50.0, 1)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--storm-rate", "0"])


def test_the_everyday_customers_rest_during_the_storm_and_write_again_after(sandbox):
    simulator = sandbox.simulator
    simulator.interval = (3600, 3600)  # started, but nobody writes within the test
    simulator.start()
    sandbox.player.start(minutes=1, rate=1, speed=1000)
    assert not simulator.writing
    _finish(sandbox)
    assert simulator.writing
    simulator.stop()


def test_an_answer_to_where_are_you_is_written_in_its_report_s_conversation(sandbox):
    sandbox.player.start(minutes=20, rate=2, speed=1000, seed=6)
    _finish(sandbox)
    items = sandbox.player.truth()["items"]
    answers = [item for item in items if item["reply_to"] is not None]
    assert answers and all(not item["outage"] and item["area"] for item in answers)
    x, graph, instagram = sandbox.x.state, sandbox.graph.state, sandbox.simulator.instagram.state
    mails = {
        message_from_bytes(raw)["Message-ID"]: message_from_bytes(raw) for raw in sandbox.mailbox.delivered
    }
    for answer in answers:
        report = items[answer["reply_to"]]
        assert (report["author"], report["area"], report["outage"]) == (
            answer["author"],
            answer["area"],
            True,
        )
        if answer["kind"] == "mention":
            assert x.tweets[answer["id"]]["conversation_id"] == x.tweets[report["id"]]["conversation_id"]
            assert x.tweets[answer["id"]]["referenced_tweets"] == [{"type": "replied_to", "id": report["id"]}]
        elif answer["kind"] == "comment":
            assert graph.comments[answer["id"]]["_top"] == graph.comments[report["id"]]["_top"]
        elif answer["kind"] == "ig_comment":
            assert instagram.comments[answer["id"]]["_top"] == instagram.comments[report["id"]]["_top"]
        elif answer["kind"] == "email":
            assert mails[answer["id"]]["In-Reply-To"] == report["id"]
    assert {answer["kind"] for answer in answers} & {"mention", "comment", "email"}
