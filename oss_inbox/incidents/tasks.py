"""Celery: outage reports read and grouped by a worker, after ingest committed the messages.

Registered with ingest when the app is ready (apps.py): `inbound_stored` hears of every batch's new
customer messages and, for those the outage detector reads as outages, asks for `read_outage_reports`
with their ids. Idempotent: a message is read once (OutageReport is unique per message) and a ticket
linked once (IncidentTicket), so a task run twice, or retried, leaves what one run left.
Beat's `sweep_outage_reports` reads the last ten minutes' outage reports that have none yet, in case
a task was lost.
"""

from celery import shared_task

from .assign import message_text, outage_reports_read, recent_unread_ids
from .models import Area
from .outage import detect_outage


def inbound_stored(messages):
    """tickets.services.hooks.inbound_stored: runs once the ingest's transaction has committed.
    The pure detector runs here, so a batch without an outage report costs no task; nor does one
    before the gazetteer is loaded (no area: nothing to group the reports by)."""
    message_ids = [
        message.pk for message in messages if detect_outage(message_text(message.subject, message.text))
    ]
    if message_ids and Area.objects.exists():
        read_outage_reports.delay(message_ids)


@shared_task(ignore_result=True)
def read_outage_reports(message_ids):
    outage_reports_read(message_ids)


@shared_task(ignore_result=True)
def sweep_outage_reports():
    message_ids = recent_unread_ids()
    if message_ids:
        outage_reports_read(message_ids)
