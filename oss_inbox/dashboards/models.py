"""What the dashboards read instead of the whole ticket history (maintained by `rollup.py`).

- `TicketFact`: one row per ticket with its measured durations (calendar and coverage hours) and
  its dimensions, computed once per ticket version. Coverage hours need the clock in Python, so
  they cannot be computed per request; percentiles are taken over these rows.
- `DailyRollup`: per local day, channel, assignee and key-account flag, the counts a ticket adds
  (created, resolved, messages in and out, inbound per local hour, responses within SLA). The
  sum over facts, kept exact by applying each ticket's old-to-new difference.
- `RollupState`: one row; its lock serialises refreshes, its fields say how far they got.
- `PercentileSnapshot`: the percentiles of one filter combination, valid while the facts are
  unchanged (`snapshots.py`).

Dimensions are plain integers (0 = unassigned), not foreign keys: a unique key must not contain
NULL (NULLs never collide), and a deleted user must not merge two rollup rows.
"""

from django.db import models
from django.db.models import Q

HOURS = range(24)
DIMENSIONS = ["channel", "assignee_id", "is_key_account"]
FIRST_RESPONSE = ["first_response_seconds", "first_response_coverage_seconds"]
RESOLUTION = ["resolution_seconds", "resolution_coverage_seconds"]


def hour_field(hour):
    return f"in_h{hour:02d}"


class TicketFact(models.Model):
    ticket = models.OneToOneField(
        "tickets.Ticket", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    # The ticket's updated_at this row was computed from: equal means up to date.
    source_updated_at = models.DateTimeField()
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16)
    channel = models.CharField(max_length=16)
    assignee_id = models.IntegerField(default=0)
    is_key_account = models.BooleanField(default=False)
    first_response_at = models.DateTimeField(null=True, blank=True)
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    first_response_seconds = models.IntegerField(null=True, blank=True)
    first_response_coverage_seconds = models.IntegerField(null=True, blank=True)
    # Created to resolved minus the time spent pending (waiting on the customer).
    resolution_seconds = models.IntegerField(null=True, blank=True)
    resolution_coverage_seconds = models.IntegerField(null=True, blank=True)
    # A follow-up the customer is still waiting for an answer to: undecided until its due time.
    open_turn_at = models.DateTimeField(null=True, blank=True)
    open_turn_due_at = models.DateTimeField(null=True, blank=True)
    # {"YYYY-MM-DD": {rollup field: count}}: what this ticket adds to DailyRollup, so that a
    # refresh can take exactly that back out before adding the new version.
    contribution = models.JSONField(default=dict)

    class Meta:
        indexes = [
            # Range scans that never visit the table (index-only on PostgreSQL): the time first,
            # then every column the percentile queries read.
            models.Index(fields=["created_at", *DIMENSIONS, *FIRST_RESPONSE], name="fact_created_idx"),
            models.Index(
                fields=["resolved_at", *DIMENSIONS, *RESOLUTION],
                name="fact_resolved_idx",
                condition=Q(resolved_at__isnull=False),
            ),
            # "Missed so far": unanswered tickets and follow-ups, looked up by due time. Resolved
            # tickets stay in it: one resolved without a reply after its due time is a miss.
            models.Index(
                fields=["first_response_due_at", "resolved_at", *DIMENSIONS],
                name="fact_unanswered_idx",
                condition=Q(first_response_at__isnull=True),
            ),
            models.Index(
                fields=["open_turn_due_at"],
                name="fact_open_turn_idx",
                condition=Q(open_turn_due_at__isnull=False),
            ),
        ]

    def __str__(self):
        return f"Facts of ticket #{self.ticket_id}"


class DailyRollup(models.Model):
    day = models.DateField()
    channel = models.CharField(max_length=16)
    assignee_id = models.IntegerField(default=0)
    is_key_account = models.BooleanField(default=False)
    tickets_created = models.IntegerField(default=0)
    tickets_resolved = models.IntegerField(default=0)
    messages_in = models.IntegerField(default=0)
    messages_in_uncovered = models.IntegerField(default=0)
    messages_out = models.IntegerField(default=0)
    # First responses by the day their target fell due; follow-ups by the day the customer wrote.
    first_response_met = models.IntegerField(default=0)
    first_response_late = models.IntegerField(default=0)
    next_response_met = models.IntegerField(default=0)
    next_response_late = models.IntegerField(default=0)
    # Inbound messages per local hour of the day (in_h00 .. in_h23), for the coverage heatmap:
    # 24 columns keep a year at a few hundred rows per dimension instead of one row per hour.
    locals().update({hour_field(hour): models.IntegerField(default=0) for hour in HOURS})

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "channel", "assignee_id", "is_key_account"], name="rollup_one_row_per_key"
            )
        ]
        indexes = [models.Index(fields=["day"], name="rollup_day_idx")]

    def __str__(self):
        key_accounts = ", key accounts" if self.is_key_account else ""
        return f"{self.day} {self.channel}, agent {self.assignee_id or 'none'}{key_accounts}"


COUNT_FIELDS = [
    "tickets_created",
    "tickets_resolved",
    "messages_in",
    "messages_in_uncovered",
    "messages_out",
    "first_response_met",
    "first_response_late",
    "next_response_met",
    "next_response_late",
    *[hour_field(hour) for hour in HOURS],
]


class RollupState(models.Model):
    """The single row (pk=1) recording how far the refresh got."""

    # Tickets updated from (refreshed_from - margin) on are checked again by the next refresh.
    refreshed_from = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    # Every ticket up to this id has been seen once (the first fill walks the history by id).
    backfilled_through = models.BigIntegerField(default=0)
    # One more each time a refresh rewrites facts: a PercentileSnapshot stamped with the current
    # value was computed from the facts as they are.
    facts_version = models.BigIntegerField(default=0)

    def __str__(self):
        return f"Rollup refreshed at {self.refreshed_at} (facts version {self.facts_version})"


class PercentileSnapshot(models.Model):
    """The response and resolution percentiles of one filter combination, as of `facts_version`."""

    # Filters.query(): dates, channel, agent, key accounts.
    key = models.CharField(max_length=200, unique=True)
    facts_version = models.BigIntegerField()
    values = models.JSONField()
    # The last time a page asked for it: beat keeps the snapshots read lately up to date.
    read_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["read_at"], name="snapshot_read_idx")]

    def __str__(self):
        return f"Percentiles for {self.key or 'all'} (facts version {self.facts_version})"
