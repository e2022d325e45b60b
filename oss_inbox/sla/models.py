"""Coverage schedules, SLA policies and automatic acknowledgements, as admins configure them.

The arithmetic lives in `clock.py` (pure); these models only store what admins chose and turn a
schedule into a `clock.Schedule` (cached per row version, see `as_clock_schedule`).
"""

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q

from channels.models import ChannelKind

from . import clock

# Built `clock.Schedule`s by (schedule id, updated_at): a saved change bumps updated_at, so a
# stale entry is never looked up again. Bounded, because every save adds a key.
_CLOCK_CACHE = {}
_CLOCK_CACHE_SIZE = 64


def parse_windows(pairs):
    """[["07:00", "22:00"], ...] as stored in JSON -> [(time, time), ...]."""
    return [(time.fromisoformat(start), time.fromisoformat(end)) for start, end in pairs]


class CoverageSchedule(models.Model):
    """When the team is on duty: weekly windows in one time zone, plus dated overrides.

    `weekly` is {"0": [["07:00", "22:00"], ...], ... "6": [...]} (0 = Monday); an end of "00:00"
    is midnight at the end of the day, an end before its start runs overnight. Every write goes
    through `schedules.schedule_save`, which validates with `clock.Schedule` and records a
    `ScheduleChange`.
    """

    name = models.CharField(max_length=100, unique=True)
    timezone = models.CharField(max_length=64, default="America/Chicago")
    weekly = models.JSONField(default=dict, blank=True)
    # Accounts with no schedule of their own use the default one.
    is_default = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_schedule"
            )
        ]

    def __str__(self):
        return self.name

    def as_clock_schedule(self):
        """The schedule as a `clock.Schedule` (windows and overrides), built once per version."""
        key = (self.pk, self.updated_at)
        built = _CLOCK_CACHE.get(key) if self.pk else None
        if built is None:
            saved = self.overrides.all() if self.pk else ()
            overrides = {override.date: parse_windows(override.windows) for override in saved}
            built = clock.Schedule(self.timezone, weekly_from_json(self.weekly), overrides)
            if self.pk:
                if len(_CLOCK_CACHE) >= _CLOCK_CACHE_SIZE:
                    _CLOCK_CACHE.clear()
                _CLOCK_CACHE[key] = built
        return built


def weekly_from_json(weekly):
    return {int(day): parse_windows(pairs) for day, pairs in weekly.items() if pairs}


class CoverageOverride(models.Model):
    """One date with special hours (storm staffing) or none at all (a holiday)."""

    schedule = models.ForeignKey(CoverageSchedule, on_delete=models.CASCADE, related_name="overrides")
    date = models.DateField()
    label = models.CharField(max_length=100, blank=True)
    windows = models.JSONField(
        default=list, blank=True, help_text='[["08:00", "12:00"]]; empty = closed all day.'
    )

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["schedule", "date"], name="one_override_per_date")]

    def __str__(self):
        return f"{self.date}: {self.label or 'override'}"


class ScheduleChange(models.Model):
    """Audit of a schedule edit: who, when, and the whole schedule before and after."""

    schedule = models.ForeignKey(CoverageSchedule, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"{self.schedule} changed by {self.actor} at {self.changed_at:%Y-%m-%d %H:%M}"


class SlaPolicy(models.Model):
    """Response and resolution targets, and which tickets they apply to.

    Chosen per ticket by `policies.policy_for_ticket`: among the policies whose rules all match,
    the most specific wins - a safety rule first, then a key-account rule, then a priority rule,
    then a channel rule - and `position` breaks ties. A policy with no rules matches every ticket.
    """

    class Clock(models.TextChoices):
        CALENDAR = "calendar", "Calendar hours (around the clock)"
        COVERAGE = "coverage", "Coverage hours (only while the team is on duty)"

    name = models.CharField(max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(
        default=100, help_text="Lower comes first when two policies tie."
    )
    key_accounts_only = models.BooleanField(default=False)
    safety_only = models.BooleanField(
        default=False, help_text="Applies only to life-safety tickets (a downed line, a gas smell)."
    )
    min_priority = models.SmallIntegerField(
        null=True,
        blank=True,
        choices=[(0, "Low"), (1, "Normal"), (2, "High"), (3, "Urgent")],
        help_text="Applies to tickets of this priority or higher; empty for any priority.",
    )
    channel_kind = models.CharField(max_length=16, blank=True, choices=ChannelKind.choices)
    first_response_target = models.DurationField(null=True, blank=True)
    first_response_clock = models.CharField(max_length=16, choices=Clock.choices, default=Clock.CALENDAR)
    next_response_target = models.DurationField(null=True, blank=True)
    next_response_clock = models.CharField(max_length=16, choices=Clock.choices, default=Clock.CALENDAR)
    resolution_target = models.DurationField(null=True, blank=True)
    resolution_clock = models.CharField(max_length=16, choices=Clock.choices, default=Clock.CALENDAR)
    coverage_schedule = models.ForeignKey(
        "CoverageSchedule",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=(
            "Count coverage hours on this schedule instead of the channel's (e.g. 24×7 for key accounts)."
        ),
    )
    at_risk_percent = models.PositiveSmallIntegerField(
        default=25, help_text="A ticket is at risk when this share of its target is left."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "SLA policies"

    def __str__(self):
        return self.name


class AcknowledgementSetting(models.Model):
    """Whether, and with what words, a message of one kind is acknowledged out of coverage.

    `text` may use {back_at}, e.g. "7:00 AM CT" or "Saturday 8:00 AM CT".
    """

    kind = models.CharField(max_length=16, unique=True)  # a tickets.Message.Kind value
    enabled = models.BooleanField(default=False)
    text = models.TextField()

    class Meta:
        ordering = ["kind"]

    def __str__(self):
        return f"{self.kind}: {'on' if self.enabled else 'off'}"


class Acknowledgement(models.Model):
    """One automatic acknowledgement sent; unique per conversation and closed period.

    A closed period is named by the instant coverage reopens, so a second message in the same
    night finds the row and sends nothing - the database, not a read-then-write, decides.
    """

    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, related_name="+")
    thread_key = models.CharField(max_length=500)
    reopens_at = models.DateTimeField()
    message = models.ForeignKey("tickets.Message", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "thread_key", "reopens_at"], name="one_ack_per_closed_period"
            )
        ]

    def __str__(self):
        return f"Acknowledgement on {self.thread_key}, closed until {self.reopens_at}"


def json_windows(windows):
    """[(time, time), ...] -> [["HH:MM", "HH:MM"], ...] as stored."""
    return [[start.strftime("%H:%M"), end.strftime("%H:%M")] for start, end in windows]


class SlaRecomputeOwed(models.Model):
    """One row: how many schedule or policy changes were saved, and how many a finished recompute
    of the open tickets covers. While `applied` < `changed`, beat recomputes (a Celery message sent
    at the change only makes it sooner: a broker that loses it loses nothing)."""

    changed = models.PositiveBigIntegerField(default=0)
    applied = models.PositiveBigIntegerField(default=0)
    # When a recompute was last started, so that beat does not start another while one runs.
    started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "owed SLA recompute"

    def __str__(self):
        return f"SLA recompute: {self.applied} of {self.changed} changes applied"


class StormPeriod(models.Model):
    """Storm mode: on while a row is `active`. The row is the switch's audit: who turned it on, when
    and why, with what it changed; who turned it off, when and why.

    While on: coverage is extended (`coverage_opens_at`-`coverage_closes_at` every day, both empty =
    around the clock) for every schedule; the first-response target is `first_response_target` when
    set (with `sla_reason`); everyone sees a storm banner; proposed incidents confirm themselves when
    `auto_confirm`; outage reports are acknowledged with their incident's latest update and the
    outage map when `auto_acknowledge`; surveys and reminders wait. Safety reports still go first."""

    active = models.BooleanField(default=True)
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField()
    extend_coverage = models.BooleanField(default=True)
    coverage_opens_at = models.TimeField(null=True, blank=True)
    coverage_closes_at = models.TimeField(null=True, blank=True)
    first_response_target = models.DurationField(null=True, blank=True)
    sla_reason = models.TextField(blank=True)
    auto_confirm = models.BooleanField(default=False)
    auto_acknowledge = models.BooleanField(default=True)
    outage_map_url = models.URLField(max_length=500, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    end_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["active"], condition=Q(active=True), name="one_storm_at_a_time"),
        ]

    def __str__(self):
        return f"Storm mode from {self.started_at:%Y-%m-%d %H:%M}"
