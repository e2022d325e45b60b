"""SURVEY_DELAY_MINUTES: the look-back follows the delay (a delay of three days still surveys), and
a delay no one could mean is refused at start-up in plain words."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from oss_inbox.surveys.checks import survey_delay_check
from tests import factories

from .world import answer_and_resolve, send_due, survey_of, ticket_from

THREE_DAYS = 3 * 24 * 60


def test_a_delay_of_three_days_still_sends_the_survey(mail, agent, settings):
    settings.SURVEY_DELAY_MINUTES = THREE_DAYS
    ticket = ticket_from(mail, factories.email())
    answer_and_resolve(ticket, agent)

    assert send_due(after=timedelta(minutes=THREE_DAYS - 1)) == []  # not yet
    [survey] = send_due(after=timedelta(minutes=THREE_DAYS + 1))
    assert survey == survey_of(ticket) and survey.message is not None and survey.sent_at


def test_a_survey_more_than_two_days_late_is_not_sent(mail, agent, settings):
    settings.SURVEY_DELAY_MINUTES = THREE_DAYS
    answer_and_resolve(ticket_from(mail, factories.email()), agent)
    assert send_due(after=timedelta(minutes=THREE_DAYS, days=2, seconds=1)) == []


@pytest.mark.parametrize("delay", [-1, 30 * 24 * 60 + 1, 10**9, "30"])
def test_an_absurd_delay_is_refused_at_start_up_in_plain_words(settings, delay):
    settings.SURVEY_DELAY_MINUTES = delay
    [error] = survey_delay_check()
    assert error.id == "surveys.E001"
    assert "SURVEY_DELAY_MINUTES" in error.msg and "from 0 to 43200 (30 days)" in error.msg
    with pytest.raises(SystemCheckError, match="SURVEY_DELAY_MINUTES"):
        call_command("check")


@pytest.mark.parametrize("delay", [0, 30, 30 * 24 * 60])
def test_a_sensible_delay_passes_the_check(settings, delay):
    settings.SURVEY_DELAY_MINUTES = delay
    assert survey_delay_check() == []
