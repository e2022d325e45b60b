"""Celery tasks: thin, take ids, call one domain function. Idempotent, so a repeat is harmless.

Replies leave through the one outbox (oss_inbox.tickets.tasks.deliver)."""

from celery import shared_task

from . import polling


@shared_task(ignore_result=True)
def dispatch_polls():
    for account_id in polling.accounts_due():
        poll_account.delay(account_id)


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=150)
def poll_account(account_id):
    polling.account_poll(account_id)
