"""Storm mode pauses surveys: what comes due during a storm is skipped, and surveys start again after."""

from oss_inbox.sla.storm import storm_end, storm_start
from tests import factories

from .world import answer_and_resolve, send_due, ticket_from


def test_no_survey_goes_out_during_a_storm_and_they_start_again_after(mail, agent, supervisor):
    storm_start(by=supervisor, reason="Derecho")
    answer_and_resolve(ticket_from(mail, factories.email()), agent)

    [during] = send_due()

    assert during.skipped_reason == "Surveys were paused (storm mode)" and during.message is None
    storm_end(by=supervisor, reason="Restored")
    answer_and_resolve(ticket_from(mail, factories.email(sender="tom@example.com")), agent)

    [after] = send_due()

    assert after.message is not None and after.skipped_reason == ""
    assert send_due() == []  # the storm's ticket was skipped for good, the other surveyed once
