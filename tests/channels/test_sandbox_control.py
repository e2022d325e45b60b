"""The sandbox's control page: scripts (and the test of `make run`) make customers write and read our
replies."""

import smtplib
from email.message import EmailMessage

import pytest
import requests

from channels.sandbox.control import ControlServer
from channels.sandbox.graph_api import GraphApiSandbox
from channels.sandbox.mail import SmtpSink
from channels.sandbox.simulator import Simulator
from channels.sandbox.x_api import XApiSandbox


class Mailbox:
    """Stands in for the IMAP server: keeps what the simulator delivers."""

    username = "help@prairie-eg.example"

    def __init__(self):
        self.delivered = []

    def deliver(self, raw):
        self.delivered.append(raw)


@pytest.fixture
def sandbox():
    x, graph, smtp, mailbox = XApiSandbox(), GraphApiSandbox(), SmtpSink(), Mailbox()
    for server in (x, graph, smtp):
        server.start()
    simulator = Simulator(x=x, graph=graph, imap=mailbox, mailbox=mailbox.username, seed=4)
    control = ControlServer(simulator=simulator, x=x, graph=graph, smtp=smtp).start()
    yield f"http://127.0.0.1:{control.port}", x, graph, smtp, mailbox
    for server in (control, smtp, graph, x):
        server.stop()


def test_a_customer_writes_what_the_script_asks_on_the_channel_it_names(sandbox):
    url, x, graph, smtp, mailbox = sandbox
    mention = requests.post(f"{url}/write/mention", json={"text": "Lights out on Elm St"}, timeout=10).json()
    assert mention["id"] in x.state.mention_ids and mention["text"] == "Lights out on Elm St"
    comment = requests.post(f"{url}/write/comment", timeout=10).json()  # words from the demo's text bank
    assert comment["id"] in graph.state.comments and comment["text"]
    requests.post(f"{url}/write/email", json={"text": "My meter reads zero"}, timeout=10).raise_for_status()
    assert b"My meter reads zero" in mailbox.delivered[0]
    assert requests.post(f"{url}/write/fax", timeout=10).status_code == 404


def test_the_sent_list_shows_what_the_app_sent_into_the_sandbox(sandbox):
    url, x, graph, smtp, mailbox = sandbox
    reply = EmailMessage()
    reply["From"], reply["To"], reply["Subject"] = "help@prairie-eg.example", "ana@example.com", "Re: Outage"
    reply["In-Reply-To"] = "<first@example.com>"
    reply.set_content("Crews are on the way.")
    with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as client:
        client.send_message(reply)
    sent = requests.get(f"{url}/sent", timeout=10).json()
    assert sent["tweets"] == [] and sent["facebook"] == []
    [mail] = sent["mail"]
    assert (mail["to"], mail["subject"], mail["in_reply_to"]) == (
        ["ana@example.com"],
        "Re: Outage",
        "<first@example.com>",
    )
    assert mail["text"].strip() == "Crews are on the way."
