"""Celery tasks: thin, take ids, call one function. Idempotent, so a repeat is harmless.

Letters leave through the one outbox (oss_inbox.tickets.tasks.deliver)."""

from celery import shared_task

from . import reminders


@shared_task(ignore_result=True)
def remind_updates():
    reminders.updates_remind()
