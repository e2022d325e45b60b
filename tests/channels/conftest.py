"""The fake X and Graph servers (channels/sandbox), each started for one test and stopped after it,
and a Facebook Page account on the Graph one."""

import pytest

from channels.sandbox.graph_api import GraphApiSandbox
from channels.sandbox.mail import SmtpSink
from channels.sandbox.x_api import XApiSandbox

from .dovecot import dovecot, dovecot_server  # noqa: F401 - the real IMAP server, for the email tests
from .mail_samples import MAILBOX
from .sandbox_accounts import facebook_page


def _running(server):
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_sink():
    """The SMTP server email replies go to, on loopback, with the test mailbox's login."""
    with SmtpSink(username=MAILBOX, password="smtp-test-password") as sink:
        yield sink


@pytest.fixture
def x_api():
    yield from _running(XApiSandbox())


@pytest.fixture
def graph():
    yield from _running(GraphApiSandbox())


@pytest.fixture
def page(db, graph):
    return facebook_page(graph, timeout_seconds=2)
