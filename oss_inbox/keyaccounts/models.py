"""Concierge service for key accounts: matching rules, joint plans, quarterly updates, notices.

The organization itself (tier, account manager, backup) is `tickets.Organization`, because
contacts and tickets point at it; this app holds what only key accounts have.
"""

from django.conf import settings
from django.db import models

from channels.models import ChannelAccount, ChannelKind
from oss_inbox.tickets.models import Contact, Delivery, Organization, Outgoing


class KnownIdentity(models.Model):
    """An X or Facebook account, or one email address, known to belong to an organization.

    Email domains (`tickets.OrganizationDomain`) match whole companies; this matches the facilities
    manager's X handle or the hospital's Facebook page before they first write to us.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="known_identities")
    kind = models.CharField(max_length=16, choices=ChannelKind.choices)
    value = models.CharField(
        max_length=255, help_text="An @handle or a user id on X or Facebook, or an email address."
    )

    class Meta:
        verbose_name_plural = "known identities"
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="one_organization_per_known_identity")
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.value}"

    def save(self, *args, **kwargs):
        self.value = normalise_known(self.value)
        super().save(*args, **kwargs)


def normalise_known(value):
    """Handles match without their @ and whatever their case; addresses are compared lower-cased."""
    return value.strip().lstrip("@").lower()


class JointPlan(models.Model):
    """The written agreement of one year's planning session with a key account."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="plans")
    year = models.PositiveSmallIntegerField()
    summary = models.TextField(blank=True, help_text="What the planning session agreed, in a few sentences.")
    agreed_on = models.DateField(null=True, blank=True, help_text="The date of the planning session.")
    participants = models.TextField(blank=True, help_text="Who took part, on both sides; one per line.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="one_plan_per_account_year")
        ]

    def __str__(self):
        return f"{self.organization} — {self.year} plan"


class PlanItem(models.Model):
    """One need, expectation or commitment of a joint plan, with who owns it and when it is due."""

    class Kind(models.TextChoices):
        NEED = "need", "Need"
        EXPECTATION = "expectation", "Expectation"
        COMMITMENT = "commitment", "Commitment"

    class Side(models.TextChoices):
        UTILITY = "utility", "Utility"
        CUSTOMER = "customer", "Customer"

    class Status(models.TextChoices):
        PLANNED = "planned", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        AT_RISK = "at_risk", "At risk"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    CLOSED_STATUSES = (Status.DONE, Status.DROPPED)

    plan = models.ForeignKey(JointPlan, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.COMMITMENT)
    text = models.CharField(max_length=500)
    owner_side = models.CharField(max_length=16, choices=Side.choices, default=Side.UTILITY)
    owner_name = models.CharField(max_length=200, blank=True, help_text="The person or team who owns it.")
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLANNED)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["plan", "kind", "due_date", "id"]
        indexes = [models.Index(fields=["status", "due_date"], name="plan_item_due_idx")]

    def __str__(self):
        return self.text

    @property
    def is_open(self):
        return self.status not in self.CLOSED_STATUSES


class ProgressUpdate(models.Model):
    """The quarterly progress update an account manager writes and sends to the account's contacts."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="progress_updates")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField(choices=[(q, f"Q{q}") for q in range(1, 5)])
    subject = models.CharField(max_length=300)
    body = models.TextField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organization", "-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year", "quarter"], name="one_update_per_account_quarter"
            )
        ]

    def __str__(self):
        return f"{self.organization} — Q{self.quarter} {self.year} update"


class UpdateReminder(models.Model):
    """That the account manager was reminded of a quarter's update, so a rerun of beat never repeats it."""

    class Kind(models.TextChoices):
        DUE = "due", "Update due"
        OVERDUE = "overdue", "Update overdue"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year", "quarter", "kind"], name="one_reminder_per_quarter"
            )
        ]

    def __str__(self):
        return f"{self.organization} — Q{self.quarter} {self.year} {self.get_kind_display().lower()}"


class Notice(models.Model):
    """News sent early to one or many key accounts: a planned outage, a restoration, a rate change."""

    class Kind(models.TextChoices):
        PLANNED_OUTAGE = "planned_outage", "Planned outage"
        RESTORATION = "restoration", "Restoration"
        RATE_CHANGE = "rate_change", "Rate change"
        GOOD_NEWS = "good_news", "Good news"
        OTHER = "other", "Other news"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    organizations = models.ManyToManyField(Organization, related_name="notices")
    account = models.ForeignKey(
        ChannelAccount, on_delete=models.PROTECT, related_name="+", help_text="The mailbox it is sent from."
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.subject


class AccountMail(Outgoing):
    """One email to one contact of a key account (an update or a notice), sent through the email channel.

    Its Message-ID is chosen before sending, so a customer's reply threads back to the account even
    if the send is retried; it goes through the one outbox (tickets.services.outbox), as replies do.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="mails")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    address = models.EmailField()
    account = models.ForeignKey(ChannelAccount, on_delete=models.PROTECT, related_name="+")
    notice = models.ForeignKey(Notice, null=True, blank=True, on_delete=models.CASCADE, related_name="mails")
    progress_update = models.ForeignKey(
        ProgressUpdate, null=True, blank=True, on_delete=models.CASCADE, related_name="mails"
    )
    subject = models.CharField(max_length=300)
    text = models.TextField()
    message_id = models.CharField(max_length=255, unique=True, help_text="Without angle brackets.")
    delivery_state = models.CharField(max_length=8, choices=Delivery.choices, default=Delivery.QUEUED)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="account_mail_queued_idx",
                condition=models.Q(delivery_state__in=["queued", "sending"]),
            ),
        ]  # fmt: skip

    def __str__(self):
        return f"{self.subject} to {self.address}"


class AccountEvent(models.Model):
    """The organization's timeline beside its tickets: notices, updates, plan changes. Append-only."""

    class Kind(models.TextChoices):
        NOTICE = "notice", "Notice sent"
        UPDATE = "update", "Quarterly update sent"
        REMINDER = "reminder", "Update reminder"
        PLAN = "plan", "Plan changed"
        ACCOUNT = "account", "Account changed"
        NOTICE_REPLY = "notice_reply", "Reply to a notice"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="account_events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.CharField(max_length=300)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="account_event_timeline_idx")]

    def __str__(self):
        return f"{self.organization}: {self.summary}"
