from django.db import models
from django.utils import timezone

from oss_inbox.crypto import EncryptedJSONField, credentials_unreadable


class ChannelKind(models.TextChoices):
    TWITTER = "twitter", "X (Twitter)"
    FACEBOOK = "facebook", "Facebook"
    EMAIL = "email", "Email"
    INSTAGRAM = "instagram", "Instagram"


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
    # Webhooks (channels/webhooks/, docs/channels.md "Webhooks"): while the platform pushes this
    # account's events, polls only reconcile, every reconcile_interval_seconds, and count what the
    # pushes missed. Unhealthy (no delivery while the platform shows activity, bad signatures) sends
    # polling back to poll_interval_seconds and tells the admins once.
    webhooks_enabled = models.BooleanField(
        default=False, help_text="The platform pushes this account's events to our webhook URL."
    )
    last_webhook_at = models.DateTimeField(null=True, blank=True)
    webhook_signature_failures = models.PositiveIntegerField(default=0)  # in a row; a good one clears it
    webhooks_unhealthy_since = models.DateTimeField(null=True, blank=True)
    webhooks_reported_at = models.DateTimeField(null=True, blank=True)
    reconcile_interval_seconds = models.PositiveIntegerField(default=300)
    missed_by_webhooks = models.PositiveIntegerField(default=0)  # items a poll found first, in all
    last_missed_at = models.DateTimeField(null=True, blank=True)
    # When the access token stops working (Meta's long-lived tokens, X's OAuth 2 tokens); admins are
    # told a week before, once per token.
    token_expires_at = models.DateTimeField(null=True, blank=True)
    token_expiry_reported_at = models.DateTimeField(null=True, blank=True)
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


class WebhookDelivery(models.Model):
    """One push from a platform, its body kept as received (its signature was checked over these
    bytes) and committed before the platform is answered; a task parses and ingests it as a poll
    would (channels/webhooks/). The same body twice is one row: a replay is stored once."""

    class Platform(models.TextChoices):
        META = "meta", "Meta (Facebook, Messenger, Instagram)"
        X = "x", "X"

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be read"
        DONE = "done", "Read and stored"
        IGNORED = "ignored", "Ignored"  # for a page or account we do not have, or nothing to store
        FAILED = "failed", "Could not be read"

    platform = models.CharField(max_length=8, choices=Platform.choices)
    account = models.ForeignKey(
        ChannelAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="webhook_deliveries"
    )
    target_id = models.CharField(max_length=255, blank=True)  # the Page, Instagram or X user id it is for
    body = models.BinaryField()
    body_sha256 = models.CharField(max_length=64)
    received_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    items = models.PositiveIntegerField(default=0)  # messages it carried
    outcome = models.TextField(blank=True)  # plain words: "2 stored, 1 already stored", the error...

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "body_sha256"], name="webhook_delivery_once"),
        ]
        indexes = [
            models.Index(
                fields=["received_at"], name="webhook_pending_idx", condition=models.Q(state="pending")
            ),
            models.Index(fields=["account", "received_at"], name="webhook_account_idx"),
        ]

    def __str__(self):
        return f"{self.get_platform_display()} webhook of {self.received_at:%Y-%m-%d %H:%M:%S}"


class ApiUsage(models.Model):
    """Calls to a channel's API per account and day, for the budget console: X bills reads and
    writes per post (a post with a URL at a higher rate), a DM event read at its own rate, and every
    platform rate-limits."""

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="usage")
    day = models.DateField()
    calls = models.PositiveIntegerField(default=0)
    rate_limited = models.PositiveIntegerField(default=0)  # calls answered 429
    posts_read = models.PositiveIntegerField(default=0)
    dm_events_read = models.PositiveIntegerField(default=0)  # billed apart from posts, and dearer
    posts_written = models.PositiveIntegerField(default=0)
    posts_with_url = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "day"], name="api_usage_per_day")]

    def __str__(self):
        return f"{self.account_id} on {self.day}: {self.calls} calls"


class ModerationRule(models.Model):
    """Hides public comments that match, then answers the customer in private saying why
    (channels/moderation/). Admins edit them in the app."""

    class Finds(models.TextChoices):
        ACCOUNT_NUMBER = "account_number", "Account numbers"
        PHONE = "phone", "Phone numbers"
        ADDRESS = "address", "Street addresses"
        PROFANITY = "profanity", "Profanity"
        WORDS = "words", "Words or phrases listed below"

    name = models.CharField(max_length=100, unique=True)
    finds = models.CharField(max_length=16, choices=Finds.choices)
    words = models.TextField(blank=True, help_text="One word or phrase per line.")
    # Channel kinds it watches ("facebook", "instagram", "twitter"); empty: every public channel.
    kinds = models.JSONField(blank=True, default=list)
    enabled = models.BooleanField(default=True)
    private_reply = models.TextField(
        help_text="Sent in private after hiding, e.g. why the comment was hidden and that we continue here."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name
