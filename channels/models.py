from django.db import models
from django.utils import timezone

from oss_inbox.crypto import EncryptedJSONField, credentials_unreadable


class ChannelKind(models.TextChoices):
    TWITTER = "twitter", "X (Twitter)"
    FACEBOOK = "facebook", "Facebook"
    EMAIL = "email", "Email"


class Assignment(models.TextChoices):
    OFF = "", "Off: agents claim tickets"
    ROUND_ROBIN = "round_robin", "Round-robin among available agents"
    CAPACITY = "capacity", "To the available agent with the most spare capacity"


class ChannelAccount(models.Model):
    """One connected account on a channel: an X account, a Facebook Page or a mailbox."""

    kind = models.CharField(max_length=16, choices=ChannelKind.choices)
    name = models.CharField(max_length=100, unique=True)
    enabled = models.BooleanField(default=True)
    credentials = EncryptedJSONField(blank=True, default=dict)
    settings = models.JSONField(blank=True, default=dict, help_text="Page id, mailbox, API base URL...")
    # Our own id on the channel (X user id, Page id, mailbox address): items written by it are our
    # outbound posts coming back, never customers.
    self_external_id = models.CharField(max_length=255, blank=True)
    cursor = models.JSONField(blank=True, default=dict)
    poll_interval_seconds = models.PositiveIntegerField(default=60)
    next_poll_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_success_at = models.DateTimeField(null=True, blank=True)
    # The first failure of the current run of failed polls (cleared by a success), and when the
    # admins were told about this run (once: a long run of failures, or an error only they can fix).
    failing_since = models.DateTimeField(null=True, blank=True)
    failure_reported_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    rate_limited_until = models.DateTimeField(null=True, blank=True)
    error_is_permanent = models.BooleanField(
        default=False, help_text="Polling stopped until an admin fixes the account (e.g. revoked token)."
    )
    # The team's hours on this account: when to acknowledge automatically, and what a coverage-
    # clock SLA target counts. Empty means the default schedule.
    coverage_schedule = models.ForeignKey(
        "sla.CoverageSchedule",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
        help_text="Empty: the default schedule.",
    )
    # How this account's new tickets find an agent (oss_inbox.tickets.services.assignment).
    assignment = models.CharField(max_length=16, choices=Assignment.choices, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(
                fields=["next_poll_at"],
                name="channel_due_poll_idx",
                condition=models.Q(enabled=True, error_is_permanent=False),
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def credentials_unreadable(self):
        """Saved under a key this server does not hold (oss_inbox/crypto.py): an admin re-enters them."""
        return credentials_unreadable(self.credentials)
