from django.db import models

from channels.models import ChannelKind


class CannedResponse(models.Model):
    """A saved answer agents insert into the composer; placeholders are filled per ticket (inbox.canned)."""

    name = models.CharField(max_length=100, unique=True)
    text = models.TextField(
        help_text="Placeholders: {{customer.first_name}}, {{agent.first_name}}, {{ticket.id}}."
    )
    channel_kind = models.CharField(
        max_length=16, choices=ChannelKind.choices, blank=True, help_text="Leave empty to offer it on every channel."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name
