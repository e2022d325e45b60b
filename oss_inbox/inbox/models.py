from django.conf import settings
from django.db import models

from channels.models import ChannelKind


class CannedResponse(models.Model):
    """A saved answer agents insert into the composer; placeholders are filled per ticket (inbox.canned)."""

    name = models.CharField(max_length=100, unique=True)
    text = models.TextField(
        help_text="Placeholders: {{customer.first_name}}, {{agent.first_name}}, {{ticket.id}}."
    )
    channel_kind = models.CharField(
        max_length=16,
        choices=ChannelKind.choices,
        blank=True,
        help_text="Leave empty to offer it on every channel.",
    )
    # Offered first while storm mode is on.
    storm = models.BooleanField(default=False, help_text="Offer it first during storm mode.")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Presence(models.Model):
    """Who has a ticket open now, and when they last typed in its composer ("Dana is replying").

    Kept in the database, not the cache: the default cache (locmem) lives inside one process, so
    with several web processes a colleague's heartbeat would land in another process's memory and
    never be seen. Every web process shares the database; a heartbeat is one small UPDATE every 5 s
    per open ticket. Rows older than inbox.presence.EXPIRES count for nothing and are swept.
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()
    typed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "user"], name="presence_one_per_ticket_user")
        ]
        indexes = [models.Index(fields=["ticket", "seen_at"], name="presence_ticket_idx")]

    def __str__(self):
        return f"{self.user} on #{self.ticket_id}"
