from django.conf import settings
from django.db import models


class Notification(models.Model):
    """Something a user should know about a ticket (an SLA escalation), or about a key account (an
    update due), listed in the app.

    Unique per (recipient, event), so an escalation repeated by a second scan cannot notify twice;
    notifications without a ticket event are kept from repeating by their sender (UpdateReminder).
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    organization = models.ForeignKey(
        "tickets.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    url = models.CharField(max_length=500, blank=True, help_text="Where to go when it is not about a ticket.")
    event = models.ForeignKey(
        "tickets.TicketEvent", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "event"], name="one_notification_per_event")
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox_idx")
        ]

    def __str__(self):
        return f"To {self.recipient}: {self.text}"

    @property
    def link(self):
        from django.urls import reverse

        return reverse("inbox:ticket", args=[self.ticket_id]) if self.ticket_id else self.url
