"""Satisfaction figures: the supervisor dashboard (by channel, agent, week) and a key account's
quarterly update. Surveys are made at fixed dates: no figure depends on today."""

from datetime import UTC, date, datetime

import pytest

from oss_inbox.dashboards.filters import Filters
from oss_inbox.dashboards.satisfaction import satisfaction_summary
from oss_inbox.keyaccounts.quarters import Quarter
from oss_inbox.keyaccounts.updates import quarter_figures, update_draft
from oss_inbox.surveys.models import Survey
from oss_inbox.tickets.models import Ticket
from oss_inbox.tickets.services import ingest
from tests import factories
from tests.keyaccounts.mail_world import contact, key_account

pytestmark = pytest.mark.django_db
MONDAY = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 9:00 in Chicago, Monday 2 March 2026


def ticket_on(account, sender="maria@example.com"):
    item = factories.email(sender=sender) if account.kind == "email" else factories.inbound(kind="dm")
    ingest(account, [item])
    return Ticket.objects.get(messages__external_id=item.external_id)


def survey(ticket, channel, agent, sent_at, rating=None):
    return Survey.objects.create(
        ticket=ticket, channel=channel, agent=agent, created_at=sent_at, sent_at=sent_at,
        rating=rating, rated_at=sent_at if rating else None,
    )  # fmt: skip


@pytest.fixture
def answered(mailbox, twitter, agent, other_agent):
    """Week 1 (2 March): email 5 and 4 by dana, an unanswered email by lee, X DM 2 by lee.
    Week 2 (9 March): email 3 by dana. A skipped survey and one sent in April count nowhere."""
    week2 = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
    survey(ticket_on(mailbox), "email", agent, MONDAY, 5)
    survey(ticket_on(mailbox), "email", agent, MONDAY, 4)
    survey(ticket_on(mailbox), "email", other_agent, MONDAY)
    survey(ticket_on(twitter), "x_dm", other_agent, MONDAY, 2)
    survey(ticket_on(mailbox), "email", agent, week2, 3)
    Survey.objects.create(ticket=ticket_on(mailbox), created_at=MONDAY, skipped_reason="A safety report")
    survey(ticket_on(mailbox), "email", agent, datetime(2026, 4, 6, 15, tzinfo=UTC), 1)


def rows(section_rows):
    return {
        row.label: (row.figures.sent, row.figures.answered, row.figures.satisfied) for row in section_rows
    }


def test_the_dashboard_counts_csat_by_channel_agent_and_week(answered):
    section = satisfaction_summary(Filters(date(2026, 3, 1), date(2026, 3, 31)))

    total = section.total
    assert (total.sent, total.answered, total.satisfied, total.csat, total.response_rate) == (5, 4, 2, 50, 80)
    assert rows(section.by_channel) == {"Email": (4, 3, 2), "X DM": (1, 1, 0)}
    assert rows(section.by_agent) == {"Dana": (3, 3, 2), "Lee": (2, 1, 0)}
    assert rows(section.by_week) == {"Week of Mar 2, 2026": (4, 3, 2), "Week of Mar 9, 2026": (1, 1, 0)}


def test_the_dashboard_filters_narrow_the_surveys(answered, agent):
    by_channel = satisfaction_summary(Filters(date(2026, 3, 1), date(2026, 3, 31), channel="twitter"))
    by_agent = satisfaction_summary(Filters(date(2026, 3, 1), date(2026, 3, 31), agent=agent.pk))
    assert (by_channel.total.sent, by_channel.total.csat) == (1, 0)
    assert (by_agent.total.sent, by_agent.total.csat) == (3, 67)


def test_the_dashboard_page_shows_the_satisfaction_section(client, supervisor, answered):
    client.force_login(supervisor)
    page = client.get("/dashboards/", {"start": "2026-03-01", "end": "2026-03-31"}).content.decode()
    assert "Satisfaction" in page and 'data-testid="csat">50%' in page
    assert "CSAT by agent" in page and "Week of Mar 9, 2026" in page


def test_the_dashboard_says_when_no_survey_went_out(client, supervisor):
    client.force_login(supervisor)
    page = client.get("/dashboards/", {"start": "2026-03-01", "end": "2026-03-31"}).content.decode()
    assert "No satisfaction survey went out in this range" in page


def test_the_quarterly_update_tells_the_account_s_satisfaction(mailbox, agent):
    hospital = key_account("St. Mary's Hospital", "stmarys.example", manager=agent)
    contact(hospital, "Jo Engineer", "jo@stmarys.example")
    july, october = datetime(2026, 7, 15, 15, tzinfo=UTC), datetime(2026, 10, 2, 15, tzinfo=UTC)
    for rating in (5, 4, 2, None):
        survey(ticket_on(mailbox, "jo@stmarys.example"), "email", agent, july, rating)
    survey(ticket_on(mailbox, "jo@stmarys.example"), "email", agent, october, 1)  # next quarter
    survey(ticket_on(mailbox), "email", agent, july, 1)  # another customer

    figures = quarter_figures(hospital, Quarter(2026, 3), now=october)
    draft = update_draft(hospital, 2026, 3, agent, now=october)

    assert (figures.satisfaction.sent, figures.satisfaction.answered, figures.satisfaction.csat) == (4, 3, 67)
    line = (
        "- Customer satisfaction: 67% satisfied (2 of 3 answers rated 4 or 5 out of 5; "
        "3 of 4 surveys answered)"
    )
    assert line in draft.body.splitlines()
