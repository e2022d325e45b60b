"""Celery tasks of the SLA app: thin, idempotent, each calls one service."""

from celery import shared_task

from .escalation import sla_scan
from .services import sla_recompute_if_owed, sla_recompute_open_tickets


@shared_task(name="oss_inbox.sla.tasks.scan", ignore_result=True, soft_time_limit=50, time_limit=58)
def scan():
    """Beat, every minute: escalate tickets that became at risk or breached (once each)."""
    sla_scan()


@shared_task(name="oss_inbox.sla.tasks.converge", ignore_result=True, soft_time_limit=20, time_limit=30)
def converge():
    """Beat, every minute: recompute open tickets if a schedule or policy change is still owed."""
    sla_recompute_if_owed()


@shared_task(ignore_result=True, soft_time_limit=300, time_limit=330)
def recompute_open_tickets():
    """After a schedule or policy change: every open ticket's due times, on the rules now saved."""
    sla_recompute_open_tickets()
