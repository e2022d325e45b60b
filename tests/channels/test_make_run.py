"""Acceptance of `make run` (issue 4, item 4): the whole stack, as a new user starts it.

`python -m oss_inbox.devserver` (what `make run` runs) in a temporary folder, on free ports: it
migrates a new SQLite database, creates the demo team, points the demo accounts at the sandbox and
starts web, worker, beat and sandbox. Through the sandbox's control page a customer then tweets,
comments on the Page, writes on Messenger and emails; each must be a ticket in the queue within 60
seconds. An agent logs in over HTTP with the password the start printed and answers each; each
answer must reach the sandbox (fake X API, Graph API, SMTP sink).

No PostgreSQL or Redis: like `make run`, it uses the embedded database and broker. It takes about
a minute (longer on a busy machine: the start-up wait is generous, the 60 seconds are not).
"""

import functools
import os
import signal
import time
import uuid
from pathlib import Path

import pytest

from bench.stack import Agent, Stack, StackError

TICKET_WITHIN = 60  # the promise: a new message is a ticket within a minute
REPLY_WITHIN = 60
# What each kind of message becomes in the sandbox's /sent listing when answered.
SENT_LIST = {
    "mention": "tweets",
    "dm": "dms",
    "comment": "facebook",
    "messenger": "facebook",
    "email": "mail",
}

pytestmark = pytest.mark.stack


@pytest.fixture
def stack(tmp_path):
    running = Stack(tmp_path)
    try:
        try:
            running.wait_until_up()
        except StackError as error:
            pytest.fail(str(error))
        yield running
    finally:
        running.stop()


def wait_for(what, within, check, stack):
    deadline = time.monotonic() + within
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not within {within} s. Last output of make run:\n{stack.output()}")
        time.sleep(2)


def test_messages_on_every_channel_become_tickets_and_replies_reach_the_sandbox(stack):
    run = uuid.uuid4().hex[:8]
    words = {kind: f"check{kind}{run}" for kind in ("mention", "comment", "messenger", "email")}
    written_at = {}
    for kind, word in words.items():
        stack.write(kind, f"Our power has been out since this morning ({word}), is there an estimate?")
        written_at[kind] = time.monotonic()

    agent = Agent(stack.web, "dana", stack.password_of("dana"))
    tickets = {}
    for kind, word in words.items():
        remaining = TICKET_WITHIN - (time.monotonic() - written_at[kind])
        check = functools.partial(agent.tickets_mentioning, word)
        found = wait_for(f"a ticket for the {kind}", max(remaining, 0), check, stack)
        assert len(found) == 1, f"the {kind} is on {len(found)} tickets"
        tickets[kind] = found[0]

    answers = {kind: f"Crews are on it, sorry for the wait (answer{kind}{run})." for kind in words}
    for kind, text in answers.items():
        agent.reply(tickets[kind], text)

    def delivered():
        sent = stack.sent()
        return (
            all(any(answers[kind] in item["text"] for item in sent[SENT_LIST[kind]]) for kind in answers)
            and sent
        )

    sent = wait_for("every reply in the sandbox", REPLY_WITHIN, delivered, stack)
    mail = next(item for item in sent["mail"] if answers["email"] in item["text"])
    assert mail["subject"].startswith("Re:") and mail["in_reply_to"], (
        "the email reply threads onto the customer's mail"
    )
    messenger = next(item for item in sent["facebook"] if answers["messenger"] in item["text"])
    comment = next(item for item in sent["facebook"] if answers["comment"] in item["text"])
    assert (messenger["kind"], comment["kind"]) == ("messenger", "comment")

    # The worker is killed: make run starts it again, and the next message is still a ticket in time.
    os.kill(stack.pid_of("worker"), signal.SIGKILL)
    word = f"checkafterkill{run}"
    stack.write("mention", f"Still no power on our street ({word})")
    wait_for(
        "a ticket after the worker was killed", TICKET_WITHIN, lambda: agent.tickets_mentioning(word), stack
    )
    assert any("worker stopped (exit status -9); starting it again" in line for line in stack.lines)

    # Ctrl-C, and an impatient second one: everything stops, quietly, and nothing is left running.
    stopping_from = len(stack.lines)
    processes = stack.running_children()
    os.killpg(stack.process.pid, signal.SIGINT)
    time.sleep(0.3)
    os.killpg(stack.process.pid, signal.SIGINT)
    assert stack.process.wait(timeout=60) == 0, stack.output()
    after = "\n".join(stack.lines[stopping_from:])
    assert "ERROR" not in after and "Traceback" not in after, after
    assert not [pid for pid in processes if _alive(pid)], "make run left processes running"


def _alive(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
