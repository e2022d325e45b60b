"""Celery tasks of the one outbox: thin, take ids, call one service. Idempotent, so a repeat is harmless."""

from celery import shared_task

from oss_inbox.sla.services import sla_recompute_if_owed

from .services import assignment, escalation, outbox, sla


# The time limit covers a slow channel (30 s) and recording the result through a database
# restart (outbox.OUTAGE_RETRIES, about two minutes).
@shared_task(ignore_result=True, soft_time_limit=200, time_limit=240)
def deliver(name, item_id):
    outbox.outbox_deliver(name, item_id)


@shared_task(ignore_result=True, soft_time_limit=200, time_limit=240)
def reconcile(name, item_id):
    outbox.outbox_reconcile(name, item_id)


@shared_task(ignore_result=True)
def sweep_outbox():
    """Beat: what a lost task left behind is sent, or looked up, again (the broker is not the source of
    truth)."""
    for name, due in outbox.outbox_sweep().items():
        for item_id in due["send"]:
            deliver.delay(name, item_id)
        for item_id in due["look_up"]:
            reconcile.delay(name, item_id)


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=58)
def sla_scan():
    """Beat, every minute: escalate tickets that became at risk or breached (once each)."""
    escalation.sla_scan()


@shared_task(ignore_result=True, soft_time_limit=20, time_limit=30)
def sla_converge():
    """Beat, every minute: recompute open tickets if a schedule or policy change is still owed."""
    sla_recompute_if_owed()


@shared_task(ignore_result=True, soft_time_limit=300, time_limit=330)
def sla_recompute_open():
    """After a schedule or policy change: every open ticket's due times, on the rules now saved."""
    sla.tickets_sla_recompute_open()


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=58)
def assign_waiting():
    """Beat, every minute: unassigned tickets of accounts with automatic assignment go to agents who
    came on shift or have room again (docs/assignment.md)."""
    assignment.tickets_assign_waiting()
