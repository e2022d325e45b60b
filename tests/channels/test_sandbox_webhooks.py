"""The sandbox pushes every simulated message to the app's webhook URLs, signed as the platform signs
(channels/sandbox/webhooks.py), in bodies the app's webhook parsers read to the same ids a poll
stores; a drop share loses about that share, the same ones for the same seed.

A real HTTP server on loopback stands in for the app's receivers.
"""

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from channels.facebook.webhook import read_webhook as read_page_webhook
from channels.sandbox import page
from channels.sandbox.control import ControlServer, Refused
from channels.sandbox.graph_api import GraphApiSandbox
from channels.sandbox.ports import META_VERIFY_TOKEN, WEBHOOK_SECRETS
from channels.sandbox.simulator import Simulator
from channels.sandbox.webhooks import BODIES, WebhookSender, meta_signs, x_signs
from channels.sandbox.x_api import XApiSandbox
from channels.webhooks.process import delivery_process
from channels.webhooks.receive import delivery_receive
from oss_inbox.tickets.models import Message

PUSHED = ("mention", "dm", "comment", "post", "messenger")


class Receiver:
    """Takes POSTs on loopback and keeps (path, headers, body) of each."""

    def __init__(self):
        self.received, self.arrived = [], threading.Semaphore(0)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((self.path, self.headers, body))  # any case
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                receiver.arrived.release()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def wait_for(self, count):
        for _ in range(count):
            assert self.arrived.acquire(timeout=5), f"{len(self.received)} of {count} webhooks arrived"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def sandbox(receiver):
    x, graph = XApiSandbox(), GraphApiSandbox()
    simulator = Simulator(x=x, graph=graph, imap=None, mailbox="", seed=7)
    simulator.webhooks = WebhookSender(
        receiver.url, secrets=WEBHOOK_SECRETS, servers=SimpleNamespace(x=x, graph=graph)
    ).start()
    yield simulator
    simulator.webhooks.stop()


def signed_by_meta(body, header):
    expected = "sha256=" + hmac.new(WEBHOOK_SECRETS["meta"].encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header, expected)


def signed_by_x(body, header):
    digest = hmac.new(WEBHOOK_SECRETS["x"].encode(), body, hashlib.sha256).digest()
    return hmac.compare_digest(header, "sha256=" + base64.b64encode(digest).decode())


def test_every_simulated_message_is_pushed_signed_as_its_platform_signs(sandbox, receiver):
    written = {kind: sandbox.write(kind, text=f"Power out, {kind}")["id"] for kind in PUSHED}
    receiver.wait_for(len(PUSHED))

    by_path = {}
    for path, headers, body in receiver.received:
        by_path.setdefault(path, []).append((headers, body))
    assert sorted(by_path) == ["/webhooks/meta/", "/webhooks/x/"]
    assert len(by_path["/webhooks/x/"]) == 2 and len(by_path["/webhooks/meta/"]) == 3
    for headers, body in by_path["/webhooks/x/"]:
        assert signed_by_x(body, headers["x-twitter-webhooks-signature"])
        assert not signed_by_x(body + b" ", headers["x-twitter-webhooks-signature"])
    for headers, body in by_path["/webhooks/meta/"]:
        assert signed_by_meta(body, headers["X-Hub-Signature-256"])

    # Meta's bodies read, with the app's parser, as the very items a poll stores (same ids).
    page_id = sandbox.graph.page_id
    meta_ids = {
        item.external_id
        for _, body in by_path["/webhooks/meta/"]
        for item in read_page_webhook(json.loads(body), page_id=page_id).items
    }
    assert meta_ids == {written["comment"], written["post"], written["messenger"]}
    # X's: X Activity API events for our account, carrying the post and the DM event X's API serves.
    events = [json.loads(body)["data"] for _, body in by_path["/webhooks/x/"]]
    assert {event["event_type"] for event in events} == {"post.mention.create", "dm.received"}
    assert {event["filter"]["user_id"] for event in events} == {sandbox.x.account_id}
    mention = next(event for event in events if event["event_type"] == "post.mention.create")
    assert (
        mention["payload"]["id"] == written["mention"] and "Power out, mention" in mention["payload"]["text"]
    )
    dm = next(event for event in events if event["event_type"] == "dm.received")
    assert dm["payload"]["direct_message_events"][0]["id"] == written["dm"]


def test_email_is_not_pushed(sandbox):
    assert sandbox.webhooks.written("email", "<1@example.com>") is False
    assert sandbox.webhooks.stats()["written"] == 0


def test_a_drop_share_loses_about_that_share_the_same_ones_for_a_seed():
    x = XApiSandbox()
    ids = [x.add_mention(str(9000 + n), f"c{n}", f"C {n}", f"Lights out {n}") for n in range(400)]

    def dropped(seed):
        sender = WebhookSender(  # never started: what is kept is queued, nothing is sent
            "http://127.0.0.1:9/", secrets=WEBHOOK_SECRETS, servers=SimpleNamespace(x=x), drop=0.3, seed=seed
        )
        kept = [external_id for external_id in ids if sender.written("mention", external_id)]
        stats = sender.stats()
        assert stats["written"] == 400 and stats["dropped"] + len(kept) == 400
        assert set(stats["dropped_ids"]).isdisjoint(kept)
        return stats["dropped_ids"]

    first = dropped(seed=19)
    assert 0.25 * 400 <= len(first) <= 0.35 * 400
    assert dropped(seed=19) == first
    assert dropped(seed=20) != first


def test_the_control_page_shows_the_webhooks_and_sets_the_drop_share(sandbox, receiver):
    control = ControlServer(simulator=sandbox, x=sandbox.x, graph=sandbox.graph, smtp=None)
    control.webhooks = sandbox.webhooks
    assert control.webhooks_drop("0.3")["drop"] == 0.3
    assert sandbox.webhooks.drop == 0.3
    with pytest.raises(Refused, match="a number from 0 to 1"):
        control.webhooks_drop("1.5")

    sandbox.webhooks.drop = 1
    sandbox.write("mention")
    card = page._webhooks_card(control)
    assert f"pushed, signed, to {receiver.url.rstrip('/')}/webhooks/: 0 taken" in card
    assert "1 dropped on purpose" in card and 'name="drop"' in card


def test_the_apps_receivers_take_and_read_what_the_sandbox_pushes_for_its_accounts(db, client):
    """The accounts as connect_sandbox sets them up; the bodies as the sandbox signs them; the app's
    own receiver (channels/webhooks/) checks, stores and reads each into the message a poll would."""
    call_command("connect_sandbox", stdout=StringIO())
    x, graph = XApiSandbox(), GraphApiSandbox()
    simulator = Simulator(x=x, graph=graph, imap=None, mailbox="", seed=3)
    sender = WebhookSender(
        "http://127.0.0.1:9/", secrets=WEBHOOK_SECRETS, servers=SimpleNamespace(x=x, graph=graph)
    )
    for kind in PUSHED:
        written = simulator.write(kind, text=f"No power here ({kind})")
        platform, build = BODIES[kind]
        body = json.dumps(build(sender.servers, written["id"])).encode()
        signature = (
            meta_signs(body, WEBHOOK_SECRETS["meta"]) if platform == "meta" else x_signs(body, "sandbox")
        )

        answer = delivery_receive(platform, body, signature)
        assert answer.status == 200, answer.text
        delivery_process(answer.delivery_id)
        message = Message.objects.get(external_id=written["id"])
        assert f"({kind})" in message.text
        assert message.account.self_external_id == (x.account_id if platform == "x" else graph.page_id)
        assert delivery_receive(platform, body, "sha256=" + "0" * 64).status == 403  # a forgery is refused

    challenge = {
        "hub.mode": "subscribe",
        "hub.verify_token": META_VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    assert client.get("/webhooks/meta/", challenge).content == b"1158201444"
