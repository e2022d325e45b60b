"""The world of the outbox fault tests (test_outbox_faults.py): one queued item per channel, the
channel that holds what we posted, a broker standing in for Redis, and a database that fails.

Each channel is the real client over loopback: the fake X and Graph servers, an SMTP sink whose
mailbox is a real Dovecot (the provider files what it sent in Sent, as Gmail and Exchange do).
"""

import socket
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections

from channels.models import ChannelAccount
from channels.sandbox.mail import SmtpSink
from channels.sandbox.x_state import one_to_one
from oss_inbox.celery import app
from oss_inbox.keyaccounts.mail import ACCOUNT_MAIL_OUTBOX, account_mails_queue, email_recipients
from oss_inbox.tickets.models import Outgoing, Ticket
from oss_inbox.tickets.services import ticket_reply
from oss_inbox.tickets.services.outbox import OUTBOXES

from .. import factories
from ..channels.conftest import graph, x_api  # noqa: F401 - fixtures
from ..channels.dovecot import dovecot, dovecot_server  # noqa: F401 - fixtures
from ..channels.mail_samples import MAILBOX, customer_mail
from ..channels.sandbox_accounts import facebook_page, poll, x_account
from ..keyaccounts.mail_world import contact, key_account

REPLY = "Crews are on Elm St; power is back by 3 pm."
KIM = ("4001", "kjones", "Kim Jones")
# Short, so that an answer held back by the fake server is given up on quickly: the post is made,
# our client never hears so.
CLIENT_TIMEOUT = 1
ANSWER_HELD_BACK = 2


# ---- the broker ---------------------------------------------------------------------------------


@dataclass
class Broker:
    """Stands in for Redis: every task sent by name is kept until a worker takes it (`run`), or a
    restart loses it. `history` keeps everything ever sent."""

    waiting: list = field(default_factory=list)
    history: list = field(default_factory=list)

    def send_task(self, name, args=None, kwargs=None, **options):
        self.waiting.append((name, list(args or [])))
        self.history.append((name, list(args or [])))

    def asked(self, name, *, ever=False):
        return [args for task, args in (self.history if ever else self.waiting) if task == name]

    def restart(self):
        self.waiting.clear()

    def run(self):
        """A worker takes every waiting task, in order, and runs it (tasks it sends wait their turn)."""
        while self.waiting:
            name, args = self.waiting.pop(0)
            app.tasks[name](*args)


@pytest.fixture(name="broker")
def a_broker(monkeypatch):
    """Nothing reaches a real broker: sent tasks wait here (a transactional test runs on-commit
    callbacks for real, and they send)."""
    broker = Broker()
    monkeypatch.setattr(app, "send_task", broker.send_task)
    return broker


# ---- one queued item per channel ----------------------------------------------------------------


@dataclass
class Sending:
    """One item queued in an outbox, and the channel it goes to."""

    outbox: str  # "reply" or "account_mail"
    item: Outgoing
    account: ChannelAccount
    posted: Callable[[], list[str]]  # the channel's ids of what it holds from us, oldest first
    lose_next_answer: Callable[[], None]  # the next post is made; its answer never reaches us
    front_door: str = ""  # the account setting with the channel's URL (HTTP channels)
    file_sent_mail: Callable[[], None] = lambda: None  # the provider files what it sent (email)

    def current(self):
        self.item.refresh_from_db()
        return self.item

    def recorded_id(self):
        """The channel's id recorded with the item: a reply's external id, a letter's Message-ID."""
        item = self.current()
        return item.message_id if self.outbox == ACCOUNT_MAIL_OUTBOX else item.external_id


def _queued_reply(ticket, agent):
    return ticket_reply(ticket=ticket, author=agent, text=REPLY)


def _x(request):
    """The fake X server, and our account on it, polled once (the next poll reads what is new)."""
    server = request.getfixturevalue("x_api")
    account = x_account(server, timeout_seconds=CLIENT_TIMEOUT)
    poll(account)
    return server, account


def _x_sending(server, account, ticket, agent, ours):
    """`ours`: where the fake server keeps what we posted (posted_tweets, sent_dms)."""
    return Sending(
        "reply", _queued_reply(ticket, agent), account,
        posted=lambda: [post["id"] for post in getattr(server, ours)],
        lose_next_answer=lambda: server.delay_next(ANSWER_HELD_BACK), front_door="api_base_url",
    )  # fmt: skip


def x_reply_tweet(request):
    server, account = _x(request)
    tweet_id = server.add_mention(*KIM, "Power out on Elm St since 6am, any ETA?")
    poll(account)
    ticket = Ticket.objects.get(messages__external_id=tweet_id)
    return _x_sending(server, account, ticket, request.getfixturevalue("agent"), "posted_tweets")


def x_dm(request):
    server, account = _x(request)
    server.add_dm(*KIM, "My bill doubled this month")
    poll(account)
    ticket = Ticket.objects.get(thread_key=f"xdm:{one_to_one(KIM[0], server.account_id)}")
    return _x_sending(server, account, ticket, request.getfixturevalue("agent"), "sent_dms")


def _facebook(request):
    server = request.getfixturevalue("graph")
    return server, facebook_page(server, timeout_seconds=CLIENT_TIMEOUT)


def _graph_sending(server, page, ticket, agent):
    return Sending(
        "reply", _queued_reply(ticket, agent), page, posted=lambda: [reply["id"] for reply in server.replies],
        lose_next_answer=lambda: server.delay_next(ANSWER_HELD_BACK, match="POST"),
        front_door="graph_base_url",
    )  # fmt: skip


def facebook_comment_reply(request):
    server, page = _facebook(request)
    post = server.add_post("Outage update: crews in Riverside")
    comment = server.add_comment(post, "5501", "Kim Jones", "Any ETA for Oak Ave?")
    poll(page)
    ticket = Ticket.objects.get(messages__external_id=comment)
    return _graph_sending(server, page, ticket, request.getfixturevalue("agent"))


def messenger_reply(request):
    server, page = _facebook(request)
    server.add_messenger_message("7701", "Pat Quinn", "My bill doubled this month")
    poll(page)
    ticket = Ticket.objects.get(thread_key=f"fbm:{server.state.conversation_of('7701')['id']}")
    return _graph_sending(server, page, ticket, request.getfixturevalue("agent"))


@pytest.fixture
def smtp_sink():
    with SmtpSink(username=MAILBOX, password="smtp-test-password") as sink:
        yield sink


def help_mailbox(request, *, sent_folder=True):
    """Our mailbox on Dovecot, with a Sent folder (or none), sending through the SMTP sink."""
    imap, sink = request.getfixturevalue("dovecot"), request.getfixturevalue("smtp_sink")
    if sent_folder:
        with imap.client() as client:
            client.create_folder("Sent")
    account = factories.account(
        "email", name="Help mailbox",
        settings={**imap.settings(), **sink.settings(), "timeout_seconds": "5"},
        credentials={**imap.credentials(), "smtp_password": sink.password},
    )  # fmt: skip
    return imap, sink, account


def _mail_sending(outbox, item, account, imap, sink, *, files_sent_mail=True):
    filed = []

    def file_sent_mail():
        if not files_sent_mail:
            return  # a provider that keeps no copy of what it sent
        for received in sink.received[len(filed) :]:
            imap.deliver(received.data, folder="Sent")
            filed.append(received)

    def posted():
        return [mail.message()["Message-ID"].strip("<>") for mail in sink.received]

    return Sending(
        outbox,
        item,
        account,
        posted=posted,
        lose_next_answer=sink.hang_up_next,
        file_sent_mail=file_sent_mail,
    )


def email_reply(request, *, sent_folder=True):
    imap, sink, account = help_mailbox(request, sent_folder=sent_folder)
    imap.deliver(customer_mail("m1@example.com"))
    poll(account)
    reply = _queued_reply(Ticket.objects.get(account=account), request.getfixturevalue("agent"))
    return _mail_sending("reply", reply, account, imap, sink, files_sent_mail=sent_folder)


def key_account_letter(request):
    """A letter to a key account's contact, sent from our mailbox (keyaccounts.mail)."""
    imap, sink, account = help_mailbox(request)
    hospital = key_account("St. Mary's Hospital", "stmarys.example")
    jo = contact(hospital, "Jo Engineer", "jo@stmarys.example")
    [letter] = account_mails_queue(
        organization=hospital, recipients=email_recipients([jo]), account=account,
        subject="Planned outage on feeder 12", text="Dear Jo,\n\nFeeder 12 is off on Saturday 6-8 am.\n",
    )  # fmt: skip
    return _mail_sending(ACCOUNT_MAIL_OUTBOX, letter, account, imap, sink)


WORLDS = {
    "x-reply-tweet": x_reply_tweet,
    "x-dm": x_dm,
    "facebook-comment-reply": facebook_comment_reply,
    "messenger": messenger_reply,
    "email": email_reply,
    "key-account-letter": key_account_letter,
}
REPLY_CHANNELS = [name for name in WORLDS if name != "key-account-letter"]


@pytest.fixture(name="sending")
def one_item_on_its_way(request):
    """The world of the channel named by indirect parametrization, with one item queued."""
    return WORLDS[request.param](request)


# ---- faults on the way out ----------------------------------------------------------------------


def after_the_channel_accepts(monkeypatch, outbox_name, then):
    """Call `then()` right after the channel accepted a send of this outbox (its real send returned)."""
    outbox = OUTBOXES[outbox_name]

    def send(item):
        sent = outbox.send(item)
        then()
        return sent

    monkeypatch.setitem(OUTBOXES, outbox_name, replace(outbox, send=send))


@contextmanager
def behind_a_dead_backend(sending):
    """The channel's front door takes our connection and request, then hangs up: the server behind
    it is down and never saw the post (our client cannot tell: the request left)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stopping = threading.Event()

    def hang_up_on_everyone():
        while not stopping.is_set():
            try:
                caller, _address = listener.accept()
            except OSError:
                continue
            with caller:
                caller.settimeout(2)
                try:
                    caller.recv(65536)
                except OSError:
                    pass

    door = threading.Thread(target=hang_up_on_everyone, daemon=True)
    door.start()
    settings = dict(sending.account.settings)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    accounts = ChannelAccount.objects.filter(pk=sending.account.pk)
    accounts.update(settings={**settings, sending.front_door: url})
    try:
        yield
    finally:
        accounts.update(settings=settings)
        stopping.set()
        door.join()
        listener.close()


# ---- a database that fails ----------------------------------------------------------------------


class FailingStatements:
    """The next `failing` statements on this thread's connection fail as in an outage (the server
    closed the connection), then the database answers again. Any database."""

    def __init__(self):
        self.failing = 0
        self.failed = 0

    def __call__(self, execute, sql, params, many, context):
        if self.failing:
            self.failing -= 1
            self.failed += 1
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)


@contextmanager
def statements_failing_on_demand():
    failing = FailingStatements()
    with connection.execute_wrapper(failing):
        yield failing


def backend_pid():
    connection.ensure_connection()
    return connection.connection.get_backend_pid()


def terminate_our_connection():
    """PostgreSQL: end this test's server process from a second connection, and wait until it is
    gone, so that the next statement really fails (as when PostgreSQL restarts)."""
    pid = backend_pid()
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
            assert cursor.fetchone()[0], f"PostgreSQL did not end process {pid}"
    finally:
        other.close()
    return pid


@contextmanager
def postgres_unreachable():
    """PostgreSQL: new connections are refused (its port is closed) until the block ends."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings = connection.settings_dict
    real = settings["HOST"], settings["PORT"]
    settings["HOST"], settings["PORT"] = "127.0.0.1", port
    try:
        yield
    finally:
        settings["HOST"], settings["PORT"] = real
