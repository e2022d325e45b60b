"""Celery tasks: thin, take ids, call one domain function. Idempotent, so a repeat is harmless.

Replies leave through the one outbox (oss_inbox.tickets.tasks.deliver)."""

from celery import shared_task

from . import polling, token_expiry
from .webhooks import process as webhook_process
from .webhooks.health import webhooks_check_signatures


@shared_task(ignore_result=True)
def dispatch_polls():
    # Webhooks failing their signature check send their accounts back to polling at once.
    webhooks_check_signatures(notify=polling.admins_tell)
    for account_id in polling.accounts_due():
        poll_account.delay(account_id)


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=150)
def poll_account(account_id):
    polling.account_poll(account_id)


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=150)
def process_webhook(delivery_id):
    webhook_process.delivery_process(delivery_id)


@shared_task(ignore_result=True)
def sweep_webhooks():
    for delivery_id in webhook_process.deliveries_sweep():
        process_webhook.delay(delivery_id)


@shared_task(ignore_result=True)
def alert_token_expiry():
    token_expiry.token_expiry_alert()
