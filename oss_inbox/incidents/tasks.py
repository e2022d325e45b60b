"""Celery: outage reports read and grouped by a worker, after ingest committed the messages.

Registered with ingest when the app is ready (apps.py): `inbound_stored` hears of every batch's new
customer messages and, for those the outage detector reads as outages, asks for `read_outage_reports`
with their ids. Idempotent: a message is read once (OutageReport is unique per message) and a ticket
linked once (IncidentTicket), so a task run twice, or retried, leaves what one run left.
"""


def inbound_stored(messages):
    """tickets.services.hooks.inbound_stored: runs once the ingest's transaction has committed."""
    return None  # filled in below as the detector lands
