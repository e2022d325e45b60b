import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from oss_inbox.tickets.models import Message, Ticket

from .ratings import RATINGS


def new_token():
    """Unguessable: the link is the only key to a survey's page (no login)."""
    return secrets.token_urlsafe(24)


class Survey(models.Model):
    """One customer-satisfaction survey per ticket, sent after its resolution on the customer's
    channel, or skipped with the reason why. The one-to-one ticket makes it once per ticket."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        MESSENGER = "messenger", "Messenger"
        X_DM = "x_dm", "X DM"

    class Via(models.TextChoices):
        PAGE = "page", "Survey page"
        QUICK_REPLY = "quick_reply", "Messenger quick reply"

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="survey")
    # Blank for a survey that was skipped before any channel was chosen (paused, safety...).
    channel = models.CharField(max_length=16, choices=Channel.choices, blank=True)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    # Who the rating counts for: the ticket's assignee at resolution, else whoever replied last.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When it was queued in the outbox.")
    skipped_reason = models.CharField(max_length=200, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True, choices=sorted(RATINGS.items()))
    comment = models.TextField(blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    rated_via = models.CharField(max_length=16, choices=Via.choices, blank=True)

    class Meta:
        indexes = [
            # The dashboard and the quarterly figures: surveys sent in a range.
            models.Index(fields=["sent_at"], name="survey_sent_idx", condition=Q(sent_at__isnull=False)),
            models.Index(fields=["agent", "sent_at"], name="survey_agent_idx"),
        ]

    def __str__(self):
        return f"Survey of #{self.ticket_id}"

    @property
    def was_sent(self):
        return self.sent_at is not None

    @property
    def rating_words(self):
        return RATINGS.get(self.rating, "")
