"""Mail to the team goes through a worker that retries while the mail server is down, and is sent at
once when even the broker is down: an on-call page is never lost to a brief outage."""

import smtplib

import pytest
from django.core import mail
from django.core.mail import send_mass_mail
from kombu.exceptions import OperationalError

from oss_inbox.staff import notifications, tasks

MAILS = [("Safety report", "SAFETY #7: downed line", "oss@utility.example", ["3125550123@vtext.example"])]


def test_a_mail_server_that_is_down_makes_the_worker_try_again_until_it_is_back(monkeypatch):
    attempts = []

    def down_twice(mails, fail_silently):
        attempts.append(mails)
        if len(attempts) <= 2:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return send_mass_mail(mails, fail_silently=fail_silently)

    monkeypatch.setattr(tasks, "send_mass_mail", down_twice)
    result = tasks.send_mails.apply(args=[MAILS])  # eager: its retries run at once, not minutes apart
    assert result.state == "SUCCESS" and len(attempts) == 3
    assert [message.to for message in mail.outbox] == [["3125550123@vtext.example"]]


def test_the_worker_sends_what_was_queued():
    tasks.send_mails.apply(args=[[list(MAILS[0])]])  # as JSON hands it back: lists, not tuples
    assert [message.to for message in mail.outbox] == [["3125550123@vtext.example"]]


@pytest.mark.django_db
def test_with_the_broker_down_too_the_mails_are_sent_at_once(monkeypatch, django_capture_on_commit_callbacks):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(notifications.send_mails, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        notifications.mails_send_after_commit(MAILS)
    assert [message.subject for message in mail.outbox] == ["Safety report"]
