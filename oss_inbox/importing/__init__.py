"""Importing the history a utility's previous help desk leaves behind: `manage.py import_history`.

Readers turn each source into PastTickets (tickets.services.history_import): a CSV with a row per
message (csv_source), mbox mail folders (mbox_source), django-helpdesk's tables (helpdesk_source).
runner.py feeds them to the one writer in chunks, skipping tickets the ledger (models.ImportedTicket)
says are in already, with a progress bar. docs/import.md is the user's guide.
"""
