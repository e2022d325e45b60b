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


class StaffProfile(models.Model):
    """A person's own settings: the time zone they read times in, and, for automatic assignment,
    whether they are taking new tickets now and how many open tickets they can hold at once.

    Created when first needed (staff.profiles.profile_of); a user without one has the defaults.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    # An IANA zone name ("America/Denver"); empty means the team's (settings.TIME_ZONE).
    time_zone = models.CharField(max_length=64, blank=True)
    # Marked available: on shift and taking new tickets (automatic assignment only picks these, and
    # only while they are signed in).
    available = models.BooleanField(default=False)
    capacity = models.PositiveSmallIntegerField(
        default=15, help_text="Most open tickets assigned at once before automatic assignment skips them."
    )
    # When automatic assignment last gave this person a ticket: round-robin picks the longest waiting.
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Profile of {self.user}"


class PersonChange(models.Model):
    """One change an admin made to someone on the People page (invited, role, deactivated, capacity):
    who, when, what. Append-only; the words keep the names, so the row reads the same after a rename."""

    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.CharField(max_length=300)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["person", "-at"], name="person_change_idx")]

    def __str__(self):
        return self.text
