"""The surveys' test world: tickets resolved on each channel, the fake X and Graph servers of
tests/channels, an SMTP sink, and sending surveys as beat and the outbox would."""

import pytest

from channels.sandbox.mail import SmtpSink
from tests.channels.conftest import graph, page, x_api  # noqa: F401 - the fake outside world

from .world import mail_account


@pytest.fixture
def smtp_sink():
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def mail(db, smtp_sink):
    return mail_account(smtp_sink)
