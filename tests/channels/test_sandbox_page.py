"""The sandbox's control page (issue 17, item 10): a newcomer opens the control address in a browser and
gets buttons, not JSON. Each button makes a customer write on its platform (and the app reads it like
any other message), a storm makes many write at once, faults make the platforms misbehave, and the
replies the app sent are listed. Scripts keep the JSON API (test_sandbox_control.py)."""

import re
import smtplib
import socket
import time
from email.message import EmailMessage
from html import unescape

import pytest
import requests

from channels.sandbox.control import ControlServer
from channels.sandbox.faults import FAULTS
from channels.sandbox.mail import ImapSandbox
from channels.sandbox.simulator import Simulator
from oss_inbox.demo.topics_power import OUTAGE
from oss_inbox.tickets.models import Message, Ticket

from .mail_samples import mail_account
from .sandbox_accounts import facebook_page, poll, x_account

KINDS = ("mention", "dm", "comment", "post", "messenger", "email")
BUTTONS = ("X mention", "X DM", "Facebook comment", "Facebook visitor post", "Messenger message", "Email")
APP = "http://127.0.0.1:8000/"


class Mailbox:
    """Stands in for the IMAP server: keeps what the simulator delivers."""

    username = "help@prairie-eg.example"

    def __init__(self):
        self.delivered = []

    def deliver(self, raw):
        self.delivered.append(raw)


class Sandbox:
    def __init__(self, x, graph, smtp, mailbox):
        self.x, self.graph, self.smtp, self.mailbox = x, graph, smtp, mailbox
        self.simulator = Simulator(x=x, graph=graph, imap=mailbox, mailbox=mailbox.username, seed=7)
        self.control = ControlServer(
            simulator=self.simulator, x=x, graph=graph, smtp=smtp, app_url=APP
        ).start()
        self.url = f"http://127.0.0.1:{self.control.port}"
        self.browser = requests.Session()
        self.browser.headers["Accept"] = "text/html,application/xhtml+xml,*/*;q=0.8"

    def page(self):
        answer = self.browser.get(f"{self.url}/", timeout=10)
        assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/html")
        return answer.text

    def press(self, action, **form):
        """Submit one of the page's forms, as a browser does; returns (the page after it, its flash line)."""
        answer = self.browser.post(f"{self.url}{action}", data=form, allow_redirects=False, timeout=10)
        assert answer.status_code == 303, answer.text
        assert re.fullmatch(r"/\?flash=\d+(#\w+)?", answer.headers["Location"])
        page = self.browser.get(f"{self.url}{answer.headers['Location']}", timeout=10).text
        flash = re.search(r'<p class="flash (\w+)" role="\w+">(.*?)</p>', page, re.S)
        return page, (flash.group(1), unescape(flash.group(2))) if flash else None

    def stop(self):
        self.control.stop()


@pytest.fixture
def sandbox(x_api, graph, smtp_sink):
    running = Sandbox(x_api, graph, smtp_sink, Mailbox())
    yield running
    running.stop()


def options(page):
    """The customer choice's options: [(value, label)]."""
    select = re.search(r'<select id="customer" name="customer">(.*?)</select>', page, re.S).group(1)
    return [
        (value, unescape(label))
        for value, label in re.findall(r'<option value="(\w+)"[^>]*>(.*?)</option>', select)
    ]


# ---- the page ------------------------------------------------------------------------------------


def test_a_browser_gets_a_page_with_every_button_and_scripts_still_get_json(sandbox):
    page = sandbox.page()

    assert "<h1>The sandbox</h1>" in page and f'<a href="{APP}">Open OSS Inbox</a>' in page
    for kind, label in zip(KINDS, BUTTONS, strict=True):
        assert f'name="kind" value="{kind}"' in page and f">{label}</button>" in page
    assert '<textarea id="text" name="text"' in page
    assert options(page) == [("new", "A new customer")]  # nobody wrote yet
    assert '<form method="post" action="/storm"' in page and ">Start a storm</button>" in page
    for name, fault in FAULTS.items():
        assert f'name="fault" value="{name}">{unescape(fault.label)}</button>' in unescape(page)
    assert page.count('<p class="fine">Working.</p>') == 3
    assert "Pause them" not in page and "Let them write" in page  # the test's customers are quiet
    assert "<script" not in page and "://" not in page.replace(APP, "")  # nothing from elsewhere

    sheet = sandbox.browser.get(f"{sandbox.url}/sandbox.css", timeout=10)
    assert sheet.headers["Content-Type"].startswith("text/css") and "--accent" in sheet.text
    # Without asking for HTML, GET / is what it was (scripts and curl see the JSON API's help).
    plain = requests.get(f"{sandbox.url}/", timeout=10)
    assert plain.status_code == 404 and plain.headers["Content-Type"] == "application/json"
    assert requests.get(f"{sandbox.url}/sent", timeout=10).json() == {
        "tweets": [],
        "dms": [],
        "facebook": [],
        "mail": [],
    }


def test_each_button_makes_a_customer_write_on_its_platform(sandbox):
    x, graph = sandbox.x.state, sandbox.graph.state
    found = {
        "mention": lambda text: [x.tweets[i] for i in x.mention_ids if text in x.tweets[i]["text"]],
        "dm": lambda text: [event for event in x.dm_events if event["text"] == text],
        "comment": lambda text: [c for c in graph.comments.values() if c["message"] == text],
        "post": lambda text: [
            p for p in graph.posts.values() if p["message"] == text and p["from"]["id"] != graph.page["id"]
        ],
        "messenger": lambda text: [m for m in graph.messages.values() if m["message"] == text],
        "email": lambda text: [raw for raw in sandbox.mailbox.delivered if text.encode() in raw],
    }
    for kind, label in zip(KINDS, BUTTONS, strict=True):
        text = f"There is a downed line on Elm St ({kind})"

        page, (level, flash) = sandbox.press("/write", kind=kind, text=text, customer="new")

        assert len(found[kind](text)) == 1, kind
        assert level == "success" and f"{text}" in flash
        assert f"wrote {'an' if label[0] in 'XE' else 'a'} {label if kind != 'email' else 'email'}" in flash
        assert unescape(text) in unescape(page)  # in the list of what customers wrote
    written = sandbox.simulator.written()
    assert [item["kind"] for item in written] == list(KINDS)
    assert len({item["customer"] for item in written}) == len(KINDS)  # a new customer each time


def test_words_that_end_a_sentence_get_no_second_full_stop_after_the_quote(sandbox):
    _, (_, flash) = sandbox.press("/write", kind="dm", text="Power is out since Thursday.", customer="new")
    assert "“Power is out since Thursday.” OSS Inbox picks it up" in flash and "”." not in flash
    _, (_, flash) = sandbox.press("/write", kind="dm", text="Power is out", customer="new")
    assert "“Power is out”. OSS Inbox picks it up" in flash


def test_empty_words_come_from_the_text_bank_and_bad_requests_say_so(sandbox):
    page, (level, flash) = sandbox.press("/write", kind="comment", text="  ", customer="new")
    [comment] = sandbox.graph.state.comments.values()
    assert level == "success" and comment["message"].strip() and comment["message"][:40] in flash

    _, (level, flash) = sandbox.press("/write", kind="fax", text="hello", customer="new")
    assert level == "error" and "X mention" in flash
    _, (level, flash) = sandbox.press("/write", kind="dm", text="hello", customer="999")
    assert level == "error" and "no simulated customer" in flash
    _, (level, flash) = sandbox.press("/storm", count="0", seconds="60")
    assert level == "error" and "1 to 500" in flash
    _, (level, flash) = sandbox.press("/fault", fault="unplug")
    assert level == "error"
    assert sandbox.x.state.dm_events == [] and sandbox.simulator.storm_state is None


def test_a_customer_who_wrote_before_answers_our_reply_so_it_threads(sandbox):
    x = sandbox.x.state
    sandbox.press("/write", kind="mention", text="Power out on Elm St", customer="new")
    sandbox.press("/write", kind="email", text="My meter reads zero", customer="new")
    [first] = x.mention_ids
    ours = x.post_tweet({"text": "Crews are on the way", "reply": {"in_reply_to_tweet_id": first}})["data"][
        "id"
    ]
    page = sandbox.page()
    [(email_writer, _), (tweeter, tweeter_label)] = options(page)[1:]
    assert tweeter_label.startswith(sandbox.simulator.written()[0]["customer"])

    sandbox.press("/write", kind="mention", text="Thanks, still dark here", customer=tweeter)
    sandbox.press("/write", kind="email", text="It reads zero again", customer=email_writer)

    answer = x.tweets[x.mention_ids[-1]]
    assert answer["referenced_tweets"] == [{"type": "replied_to", "id": ours}]
    assert answer["conversation_id"] == first
    first_mail, second_mail = (raw.decode() for raw in sandbox.mailbox.delivered)
    first_id = re.search(r"^Message-ID: (.+)$", first_mail, re.M).group(1).strip()
    assert f"In-Reply-To: {first_id}" in second_mail and "Subject: Re: " in second_mail
    assert [item["customer"] for item in sandbox.simulator.written()][2:] == [
        tweeter_label.split(" (")[0],
        options(page)[1][1].split(" (")[0],
    ]


def test_the_page_buttons_messages_are_read_by_the_app_like_any_other(sandbox, db, smtp_sink):
    account, page_account = x_account(sandbox.x), facebook_page(sandbox.graph, timeout_seconds=2)
    texts = {kind: f"There is a downed line on Elm St ({kind})" for kind in KINDS}
    with ImapSandbox() as imap:
        sandbox.simulator.imap = imap  # the real (pymap) mailbox of make run, for the email
        for kind, text in texts.items():
            sandbox.press("/write", kind=kind, text=text, customer="new")
        mailbox = mail_account(imap, smtp_sink)
        for polled in (account, page_account, mailbox):
            poll(polled)

    for kind, text in texts.items():
        stored = Message.objects.get(text__contains=text)
        assert stored.account == {"mention": account, "dm": account, "email": mailbox}.get(kind, page_account)
    assert Ticket.objects.count() == len(KINDS)
    # Words typed on the page go through the app's triage like a customer's: a downed line is a safety report.
    assert Ticket.objects.exclude(safety="").count() == len(KINDS)


# ---- what was sent ---------------------------------------------------------------------------------


def test_replies_the_app_sent_are_listed_newest_first_with_whom_they_went_to(sandbox, smtp_sink):
    sandbox.press("/write", kind="mention", text="Power out on Elm St", customer="new")
    sandbox.press("/write", kind="comment", text="Lines down on Oak Ave", customer="new")
    tweeter, commenter = (item["customer"] for item in sandbox.simulator.written())
    x, graph = sandbox.x.state, sandbox.graph.state
    [mention] = x.mention_ids
    x.post_tweet({"text": "Crews are on the way ^DL", "reply": {"in_reply_to_tweet_id": mention}})
    [comment] = graph.comments
    graph.page_comment(comment, "Please keep 35 feet away, a crew is coming.")
    time.sleep(1.1)  # the list is in seconds: the mail is clearly the newest
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = smtp_sink.username, "ana@example.com", "Re: Outage"
    mail["In-Reply-To"] = "<first@example.com>"
    mail.set_content("Crews are on the way.")
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=10) as client:
        client.login(smtp_sink.username, smtp_sink.password)
        client.send_message(mail)

    page = unescape(sandbox.page())
    sent = page[page.index('id="sent"') : page.index('id="written"')]
    rows = re.findall(r"<tr><td><time[^>]*>[\d:]{8}</time></td>(.*?)</tr>", sent, re.S)
    assert len(rows) == 3 and 'What OSS Inbox sent <span class="count">3</span>' in sent
    assert "Email</span> Reply" in rows[0] and "ana@example.com" in rows[0] and "Re: Outage" in rows[0]
    assert "Crews are on the way." in rows[0]
    by_platform = {re.search(r'class="platform">(\w+)<', row).group(1): row for row in rows[1:]}
    handle = x.users[x.tweets[mention]["author_id"]]["username"]
    assert f"@{handle}" in by_platform["X"] and "Crews are on the way ^DL" in by_platform["X"]
    assert commenter in by_platform["Facebook"] and "Comment reply" in by_platform["Facebook"]
    assert tweeter  # both customers wrote through the page


# ---- a storm -----------------------------------------------------------------------------------------


def test_a_storm_makes_many_new_customers_report_outages_across_the_channels(sandbox):
    page, (level, flash) = sandbox.press("/storm", count="24", seconds="1")
    assert level == "success" and "24 customers" in flash

    deadline = time.monotonic() + 15
    while sandbox.simulator.storm_state["running"] and time.monotonic() < deadline:
        time.sleep(0.1)
    written = sandbox.simulator.written()
    assert len(written) == 24 and sandbox.simulator.storm_state["written"] == 24
    assert len({item["customer"] for item in written}) == 24  # each one a customer of their own
    assert len({item["kind"] for item in written}) >= 4  # across the channels
    openings = [line.split("{")[0] for line in OUTAGE.openings]
    assert all(any(item["text"].startswith(start) for start in openings) for item in written)
    assert len(sandbox.x.state.mention_ids) == sum(item["kind"] == "mention" for item in written)
    assert "The last storm is over: 24 customers wrote" in sandbox.page()
    assert requests.get(f"{sandbox.url}/storm", timeout=10).json()["written"] == 24


# ---- faults ----------------------------------------------------------------------------------------


def test_fault_buttons_make_the_platforms_misbehave_and_the_page_says_so(sandbox, smtp_sink):
    x_me = f"{sandbox.x.url}/2/users/me"
    graph_me = f"{sandbox.graph.url}/v19.0/{sandbox.graph.page_id}?access_token={sandbox.graph.token}"

    page, (level, flash) = sandbox.press("/fault", fault="x_rate_limit")
    assert level == "success" and "429" in flash
    assert "The next 5 calls fail (429)." in page
    assert requests.get(x_me, headers={"Authorization": "Bearer t"}, timeout=10).status_code == 429

    page, _ = sandbox.press("/fault", fault="graph_expire_token")
    assert "The Page token has expired." in page
    error = requests.get(graph_me, timeout=10).json()["error"]
    assert (error["code"], error["error_subcode"]) == (190, 463) and "expired" in error["message"]

    page, _ = sandbox.press("/fault", fault="smtp_down")
    assert "Down: nothing listens." in page
    with pytest.raises(OSError):
        socket.create_connection((smtp_sink.host, smtp_sink.port), timeout=2).close()
    assert requests.get(f"{sandbox.url}/faults", timeout=10).json()["smtp"]["running"] is False

    page, (level, flash) = sandbox.press("/fault", fault="clear")
    assert page.count('<p class="fine">Working.</p>') == 3 and "cleared" in flash
    assert requests.get(x_me, headers={"Authorization": "Bearer t"}, timeout=10).status_code == 200
    assert requests.get(graph_me, timeout=10).status_code == 200
    socket.create_connection((smtp_sink.host, smtp_sink.port), timeout=2).close()


def test_scripts_switch_faults_and_storms_over_json_too(sandbox):
    state = requests.post(f"{sandbox.url}/fault/x_revoke_token", timeout=10).json()
    assert state["x"]["token_revoked"] is True
    assert requests.post(f"{sandbox.url}/fault/nothing", timeout=10).status_code == 400
    storm = requests.post(f"{sandbox.url}/storm", json={"count": 2, "seconds": 0}, timeout=10).json()
    assert storm["count"] == 2 and storm["running"] is True
    answer = requests.post(
        f"{sandbox.url}/write/post", json={"text": "Meter fire", "customer": "new"}, timeout=10
    )
    assert answer.json()["kind"] == "post" and answer.json()["text"] == "Meter fire"


def test_the_customers_can_be_paused_and_let_write_again(sandbox):
    _, (level, flash) = sandbox.press("/customers", writing="on")
    assert sandbox.simulator.writing and "write again" in flash
    page, _ = sandbox.press("/customers", writing="off")
    assert not sandbox.simulator.writing and "Let them write" in page


def test_a_form_from_another_site_cannot_press_the_buttons(sandbox):
    answer = requests.post(
        f"{sandbox.url}/write",
        data={"kind": "mention", "text": "spam"},
        headers={"Origin": "https://elsewhere.example", "Sec-Fetch-Site": "cross-site"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 403 and sandbox.x.state.mention_ids == []


# ---- in a browser ----------------------------------------------------------------------------------


@pytest.mark.browser
def test_in_a_browser_typing_words_and_pressing_x_mention_makes_the_customer_tweet(sandbox, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        page.goto(f"{sandbox.url}/")
        page.get_by_label("What they say").fill("There is a downed line on Elm St")
        page.get_by_role("button", name="X mention").click()
        flash = page.get_by_role("status")
        flash.wait_for()
        assert "wrote an X mention" in flash.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    finally:
        page.close()
    [mention] = sandbox.x.state.mention_ids
    assert "There is a downed line on Elm St" in sandbox.x.state.tweets[mention]["text"]
