"""Celery tasks: thin, take ids, call one function. Idempotent, so a repeat is harmless."""

from celery import shared_task

from . import mail, reminders


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)
def send_account_mail(mail_id):
    mail.account_mail_send(mail_id)


@shared_task(ignore_result=True)
def sweep_account_mail():
    """Retry due mails and pick up those whose task was lost (the broker is not the source of truth)."""
    for mail_id in mail.account_mail_sweep():
        send_account_mail.delay(mail_id)


@shared_task(ignore_result=True)
def remind_updates():
    reminders.updates_remind()
