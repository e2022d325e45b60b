"""Celery tasks: thin, take ids, call one domain function. Idempotent, so a repeat is harmless."""

from celery import shared_task

from . import polling, sending


@shared_task(ignore_result=True)
def dispatch_polls():
    for account_id in polling.accounts_due():
        poll_account.delay(account_id)


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=150)
def poll_account(account_id):
    polling.account_poll(account_id)


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)
def send_message(message_id):
    sending.message_send(message_id)


@shared_task(ignore_result=True)
def sweep_outbox():
    for message_id in sending.outbox_sweep():
        send_message.delay(message_id)
