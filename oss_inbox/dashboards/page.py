"""The dashboard assembled from the selectors: each section computed once, on first use.

The page uses every section; a CSV export builds one table and so runs only its own queries.
Both read the same `Sections`, so a download holds the numbers the page shows.
"""

from dataclasses import dataclass
from functools import cached_property

from . import charts, live, safety_measures, selectors, snapshots, tables
from .filters import local_zone
from .models import RollupState
from .sla_access import account_schedules, weekly_spans

PERIOD_NAMES = ("today", "7 days", "30 days", "range")


class Sections:
    def __init__(self, filters, now, staff):
        self.filters, self.now, self.staff = filters, now, staff

    @cached_property
    def open_counts(self):
        return live.open_counts(self.filters)

    @cached_property
    def alerts(self):
        return live.sla_alerts(self.filters, self.now)

    @cached_property
    def oldest_waiting(self):
        return live.oldest_waiting(self.filters)

    @cached_property
    def schedules(self):
        return account_schedules(self.filters.channel)

    @cached_property
    def coverage(self):
        return live.coverage_now(self.schedules, self.now)

    @cached_property
    def active(self):
        return live.active_staff(self.now)

    @cached_property
    def missed(self):
        """Responses unanswered past due, over every day the page shows (one pair of queries)."""
        first, last = selectors.covered_days(self.filters, self.now)
        return selectors.missed_so_far(self.filters, self.now, first, last)

    @cached_property
    def compliance(self):
        return selectors.compliance(self.filters, self.now, self.missed)

    @cached_property
    def percentiles(self):
        """(first response, resolution): kept per filters until the facts change (snapshots.py)."""
        return snapshots.response_percentiles(self.filters, self.now)

    @cached_property
    def first_response_percentiles(self):
        return self.percentiles[0]

    @cached_property
    def times(self):
        first, resolution = self.percentiles
        return selectors.response_times(self.filters, first=first, resolution=resolution)

    @cached_property
    def trends(self):
        return selectors.trends(self.filters, self.now, self.missed)

    @cached_property
    def agents(self):
        return selectors.agents(
            self.filters,
            self.now,
            staff=self.staff,
            open_by_assignee=self.open_counts.by_assignee,
            active=self.active,
            missed=self.missed,
            first=self.first_response_percentiles,
        )

    @cached_property
    def safety(self):
        """The safety tickets that arrived in the range, read live (a few dozen a month)."""
        return safety_measures.safety_summary(safety_measures.safety_tickets(self.filters), self.now)

    @cached_property
    def schedule(self):
        """The schedule drawn on the heatmap: the default one among the filtered accounts'."""
        row, built, _ = self.schedules[0]
        special = [
            (day, windows)
            for day, windows in built.overrides.items()
            if self.filters.start <= day <= self.filters.end
        ]
        return DrawnSchedule(
            row.name, weekly_spans(built), special, [other.name for other, _, _ in self.schedules[1:]]
        )


@dataclass(frozen=True)
class DrawnSchedule:
    name: str
    spans: list  # [(weekday, start hour, end hour)]
    special_days: list  # [(date, windows)] in the range: holidays (no windows) and special hours
    others: list  # names of the other schedules the filtered accounts follow


TABLES = {
    "open": lambda s: tables.open_table(s.open_counts),
    "alerts": lambda s: tables.alerts_table(s.alerts),
    "first_responses": lambda s: tables.compliance_table(
        "first_responses", "First responses within SLA", s.compliance["first_response"], PERIOD_NAMES
    ),
    "follow_ups": lambda s: tables.compliance_table(
        "follow_ups", "Follow-ups answered within SLA", s.compliance["next_response"], PERIOD_NAMES
    ),
    "times": lambda s: tables.times_table(s.times),
    "daily": lambda s: tables.daily_table(s.trends),
    "heatmap": lambda s: tables.heatmap_table(s.trends),
    "agents": lambda s: tables.agents_table(s.agents),
    "safety_hours": lambda s: tables.safety_hours_table(s.safety),
    "safety_categories": lambda s: tables.safety_categories_table(s.safety),
}


def table(slug, sections):
    return TABLES[slug](sections)


class Dashboard:
    """Everything the page template shows."""

    def __init__(self, sections):
        self.sections = sections
        self.filters, self.now = sections.filters, sections.now
        self.tables = {slug: build(sections) for slug, build in TABLES.items()}
        self.state = RollupState.objects.filter(pk=1).first()

    @cached_property
    def charts(self):
        days = self.sections.trends.days
        labels = [day.day.strftime("%b %-d") for day in days]
        volume = charts.daily_chart(
            labels,
            [
                ("Messages in", [day.counts["messages_in"] for day in days], "bar", "series-in"),
                ("Replies out", [day.counts["messages_out"] for day in days], "line", "series-out"),
            ],
        )
        backlog = charts.daily_chart(
            labels, [("Backlog", [day.backlog for day in days], "line", "series-backlog")]
        )
        shares = [
            None if day.first_response.share is None else round(day.first_response.share * 100, 1)
            for day in days
        ]
        promise = charts.daily_chart(
            labels, [("Within SLA", shares, "bar", "series-sla")], ceiling=100, suffix="%"
        )
        spans = self.sections.schedule.spans
        return {
            "volume": volume,
            "backlog": backlog,
            "promise": promise,
            "heatmap": charts.heatmap(self.sections.trends.heatmap, spans),
        }

    @cached_property
    def safety_charts(self):
        """Safety tickets by local hour of the report: how many (answered within 15 minutes drawn
        over them), and the median time to first touch against the 15 minutes."""
        hours = self.sections.safety.by_hour
        labels = [charts.hour_label(hour) for hour in range(24)]
        counts, answered = [group.count for group in hours], [group.answered for group in hours]
        medians = [
            None if group.median_touch is None else round(group.median_touch.total_seconds() / 60, 1)
            for group in hours
        ]
        return {
            "count": charts.daily_chart(
                labels,
                [
                    ("Safety tickets", counts, "bar", "series-safety"),
                    ("Answered within 15 min", answered, "bar", "series-safety-met"),
                ],
                ceiling=charts.whole_ceiling(counts),
                label_every=3,
            ),
            "touch": charts.daily_chart(
                labels,
                [
                    ("Median first touch", medians, "bar", "series-touch"),
                    ("15 minutes", [15] * 24, "line", "series-promise"),
                ],
                suffix="m",
                label_every=3,
            ),
        }

    @property
    def uncovered_share(self):
        trends = self.sections.trends
        return trends.messages_in_uncovered / trends.messages_in if trends.messages_in else None

    @property
    def first_response(self):
        """{period: Compliance} over all channels (for the headline tiles)."""
        return self.sections.compliance["first_response"][selectors.ALL]

    @property
    def alerts_truncated(self):
        alerts = self.sections.alerts
        return alerts.breached + alerts.at_risk > len(alerts.tickets)

    @property
    def filter_words(self):
        """ "Email · Dana Reyes · key accounts only", or "All channels · whole team"."""
        chosen = self.filters
        words = [tables.channel_name(chosen.channel or selectors.ALL)]
        if chosen.agent is None:
            words.append("whole team")
        else:
            names = {user.pk: user.get_full_name() or user.get_username() for user in self.sections.staff}
            words.append(names.get(chosen.agent, "unassigned"))
        if chosen.key_accounts:
            words.append("key accounts only")
        return " · ".join(words)

    @property
    def time_zone(self):
        return local_zone().key

    @property
    def query(self):
        return self.filters.query()

    @property
    def oldest_wait(self):
        ticket = self.sections.oldest_waiting
        return None if ticket is None else self.now - ticket.waiting_since

    @property
    def on_shift(self):
        """[(name, last activity)] of people who acted on a ticket lately, most recent first."""
        rows = [(row.name, row.last_active) for row in self.sections.agents if row.last_active]
        return sorted(rows, key=lambda row: row[1], reverse=True)
