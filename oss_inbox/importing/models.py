from django.db import models

from oss_inbox.tickets.models import Ticket


class ImportedTicket(models.Model):
    """The ledger of imported tickets: one row per ticket of a source, written in the transaction
    that writes the ticket, so a rerun after a crash skips exactly what was committed."""

    source = models.CharField(max_length=200, help_text="e.g. csv:zendesk-2025.csv, helpdesk:db@host")
    external_id = models.CharField(max_length=255, help_text="The ticket's id in its source.")
    # No database constraint: the ledger's COPY must not check 20,000 tickets a second again.
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="imported_ticket_once_per_source")
        ]

    def __str__(self):
        return f"{self.source} {self.external_id} -> #{self.ticket_id}"


class DroppedIndex(models.Model):
    """An index `import_history --rebuild-indexes` dropped and has not rebuilt yet: the statement
    that rebuilds it. Rows left here mean an import was interrupted; the next run rebuilds them."""

    position = models.PositiveIntegerField()
    statement = models.TextField()

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return self.statement
