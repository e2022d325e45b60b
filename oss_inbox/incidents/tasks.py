"""Celery: outage reports read and grouped by a worker, after ingest committed the messages; broadcasts
fanned out; customers still out after a restoration flagged.

Registered with ingest when the app is ready (apps.py): `inbound_stored` hears of every batch's new
customer messages and, for those the outage detector reads as outages, asks for `read_outage_reports`
with their ids. Idempotent: a message is read once (OutageReport is unique per message) and a ticket
linked once (IncidentTicket), so a task run twice, or retried, leaves what one run left.
Beat's `sweep_outage_reports` reads the last ten minutes' outage reports that have none yet, in case
a task was lost.

`fan_out` queues a broadcast's replies (fanout.fanout_run: exactly once per ticket, resumable); beat's
`sweep_broadcasts` runs it again for any broadcast not fanned out whose task was lost.
`inbound_stored` also asks for `flag_still_out` when a customer writes after the restoration's final
message was queued on their ticket (or on the ticket their new one follows).
"""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .answers import late_answers_read, place_answers_noticed
from .assign import message_text, outage_reports_read, recent_unread_ids
from .fanout import fanout_run
from .models import Area, IncidentUpdate
from .outage import detect_outage
from .still_out import still_out_flag, still_out_message_ids

# A broadcast whose task has not started within this is taken for lost.
FAN_OUT_GRACE = timedelta(seconds=20)


def inbound_stored(messages):
    """tickets.services.hooks.inbound_stored: runs once the ingest's transaction has committed.
    The pure detector runs here, so a batch without an outage report costs no task; nor does one
    before the gazetteer is loaded (no area: nothing to group the reports by)."""
    message_ids = [
        message.pk for message in messages if detect_outage(message_text(message.subject, message.text))
    ]
    if message_ids and Area.objects.exists():
        read_outage_reports.delay(message_ids)
    place_answers_noticed(messages)  # a customer's answer to "where are you?" (answers.py)
    still_out = still_out_message_ids(messages)
    if still_out:
        flag_still_out.delay(still_out)


@shared_task(ignore_result=True)
def read_outage_reports(message_ids):
    outage_reports_read(message_ids)
    late_answers_read(message_ids)  # answers that came before the report was read (answers.py)


@shared_task(ignore_result=True)
def sweep_outage_reports():
    message_ids = recent_unread_ids()
    if message_ids:
        outage_reports_read(message_ids)


@shared_task(ignore_result=True, acks_late=True)
def fan_out(update_id):
    fanout_run(update_id)


@shared_task(ignore_result=True)
def sweep_broadcasts():
    lost = IncidentUpdate.objects.filter(
        broadcast=True, fanned_out_at__isnull=True, created_at__lt=timezone.now() - FAN_OUT_GRACE
    ).values_list("pk", flat=True)
    for update_id in lost:
        fanout_run(update_id)


@shared_task(ignore_result=True)
def flag_still_out(message_ids):
    still_out_flag(message_ids)
