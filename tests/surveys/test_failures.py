"""One ticket whose survey cannot be sent does not stall the others: a refusal in words is kept as
the reason, an unexpected error is logged with the ticket's id and the ticket is skipped, and the
batch (and every later run) goes past it."""

import logging

from oss_inbox.surveys import sending
from oss_inbox.surveys.models import Survey
from oss_inbox.tickets.services import InvalidChange
from tests import factories

from .world import answer_and_resolve, send_due, survey_of, ticket_from


def _two_resolved_tickets(mail, agent):
    first = ticket_from(mail, factories.email())
    answer_and_resolve(first, agent)
    second = ticket_from(mail, factories.email())
    answer_and_resolve(second, agent)
    return first, second


def _send_raises_for(monkeypatch, ticket, error):
    """The outside world cannot make our send fail on one ticket: the one stand-in in these tests."""
    real = sending.ticket_survey_send

    def send(*, ticket, **kwargs):
        if ticket.pk == bad:
            raise error
        return real(ticket=ticket, **kwargs)

    bad = ticket.pk
    monkeypatch.setattr(sending, "ticket_survey_send", send)


def test_an_unexpected_error_is_logged_and_skips_only_that_ticket(mail, agent, monkeypatch, caplog):
    first, second = _two_resolved_tickets(mail, agent)
    _send_raises_for(monkeypatch, first, KeyError("from_name"))

    with caplog.at_level(logging.ERROR, logger="oss_inbox.surveys.sending"):
        made = send_due()

    failed, sent = survey_of(first), survey_of(second)
    assert made == [failed, sent]
    assert failed.message is None and failed.sent_at is None
    assert failed.skipped_reason.startswith("Could not be sent: ")
    assert sent.message is not None and sent.sent_at is not None  # the batch went on
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert f"ticket {first.pk}" in record.getMessage() and record.exc_info  # with the traceback
    assert send_due() == []  # later runs do not stop at it, nor try it again
    assert not first.messages.filter(context__has_key="survey").exists()


def test_the_ticket_page_says_why_the_failed_ticket_had_no_survey(client, mail, agent, monkeypatch):
    first, _ = _two_resolved_tickets(mail, agent)
    _send_raises_for(monkeypatch, first, RuntimeError("boom"))
    send_due()
    client.force_login(agent)
    page = client.get(f"/tickets/{first.pk}/").content.decode()
    assert "No satisfaction survey (Could not be sent: an unexpected error" in page and "boom" not in page


def test_a_change_the_ticket_refuses_is_skipped_with_its_reason_and_the_batch_goes_on(
    mail, agent, monkeypatch
):
    first, second = _two_resolved_tickets(mail, agent)
    _send_raises_for(monkeypatch, first, InvalidChange("The ticket's channel account was removed."))

    send_due()

    assert survey_of(first).skipped_reason == "Could not be sent: The ticket's channel account was removed."
    assert survey_of(second).sent_at is not None
    assert Survey.objects.count() == 2
