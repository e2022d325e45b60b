"""The dashboard's Satisfaction section: CSAT by channel, by agent and by week, with counts and the
response rate, over the surveys sent in the page's range (oss_inbox.surveys; docs/surveys.md).

A survey counts in the week it was sent (its ticket's resolution, give or take the delay): sent,
answered and satisfied (4 or 5 of 5) are then always of the same surveys, so a week's response rate
and CSAT are read together. The filters apply as on the rest of the page: channel (the ticket's
account), agent (the one the survey credits), key accounts only.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models.functions import TruncWeek

from oss_inbox.surveys.models import Survey
from oss_inbox.surveys.selectors import COUNTS, Satisfaction, sent_surveys

from .filters import UNASSIGNED, Filters, local_zone


@dataclass(frozen=True)
class Row:
    label: str
    figures: Satisfaction


@dataclass(frozen=True)
class SatisfactionSection:
    total: Satisfaction
    by_channel: list[Row]
    by_agent: list[Row]
    by_week: list[Row]

    @property
    def tables(self):
        """(caption, rows, first column's heading) of each table the page shows."""
        return [
            ("CSAT by channel", self.by_channel, "Channel"),
            ("CSAT by agent", self.by_agent, "Agent"),
            ("CSAT by week", self.by_week, "Week"),
        ]


def satisfaction_surveys(filters: Filters):
    start, end = filters.bounds()
    surveys = sent_surveys().filter(sent_at__gte=start, sent_at__lt=end)
    if filters.channel:
        surveys = surveys.filter(ticket__account__kind=filters.channel)
    if filters.agent == UNASSIGNED:
        surveys = surveys.filter(agent__isnull=True)
    elif filters.agent is not None:
        surveys = surveys.filter(agent_id=filters.agent)
    return surveys.filter(ticket__is_key_account=True) if filters.key_accounts else surveys


def satisfaction_summary(filters: Filters) -> SatisfactionSection:
    """One query: the range's surveys counted per (channel, agent, week) (survey_sent_idx), folded
    here into the totals and the three tables (a few hundred groups for a year)."""
    fields = ("channel", "agent", "agent__username", "agent__first_name", "agent__last_name", "week")
    groups = list(
        satisfaction_surveys(filters)
        .annotate(week=TruncWeek("sent_at", tzinfo=local_zone()))
        .values(*fields)
        .annotate(**COUNTS)
        .order_by()
    )
    channels = dict(Survey.Channel.choices)
    by_channel = _fold(groups, lambda row: (row["channel"], channels.get(row["channel"], "Other")))
    by_agent = _fold(groups, lambda row: ((_person(row).casefold(), row["agent"] or 0), _person(row)))
    by_week = _fold(groups, lambda row: (row["week"], _week_label(row["week"])))
    return SatisfactionSection(total=_sum(groups), by_channel=by_channel, by_agent=by_agent, by_week=by_week)


def _fold(groups, key):
    """Rows of `groups` summed by key(row) = (sort key, label), in sort-key order."""
    folded = {}
    for row in groups:
        folded.setdefault(key(row), []).append(row)
    return [
        Row(label, _sum(rows)) for (_, label), rows in sorted(folded.items(), key=lambda item: item[0][0])
    ]


def _sum(rows):
    return Satisfaction(**{name: sum(row[name] for row in rows) for name in COUNTS})


def _person(row):
    if row["agent"] is None:
        return "Nobody (unassigned, unanswered by a person)"
    full = f"{row['agent__first_name']} {row['agent__last_name']}".strip()
    return full or row["agent__username"]


def _week_label(week):
    day = week.date() if hasattr(week, "date") else week
    return f"Week of {day:%b} {day.day}, {day.year}" if isinstance(day, date) else str(week)
