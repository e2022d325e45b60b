"""Celery: the auto-hide rules run by a worker, after ingest committed the comments (never inside it).

Registered with ingest when the app is ready (channels.apps): `inbound_stored` hears of every batch's
new customer messages and asks for `moderate_inbound` with the public comments' ids. Idempotent: a
comment hidden or moderated already is skipped, so a task run twice, or retried, hides once.
Beat's `sweep_moderation` checks the last ten minutes' comments again, in case a task was lost.
"""

from celery import shared_task
from django.utils import timezone

from .auto import messages_moderate, public_comment_ids, recent_comment_ids

MAX_RETRIES = 5


def inbound_stored(messages):
    """tickets.services.hooks.inbound_stored: runs once the ingest's transaction has committed."""
    message_ids = public_comment_ids(messages)
    if message_ids:
        moderate_inbound.delay(message_ids)


@shared_task(bind=True, ignore_result=True, max_retries=MAX_RETRIES)
def moderate_inbound(self, message_ids):
    retry_at = messages_moderate(message_ids, final=self.request.retries >= MAX_RETRIES)
    if retry_at is not None:
        raise self.retry(countdown=max(1, (retry_at - timezone.now()).total_seconds()))


@shared_task(ignore_result=True)
def sweep_moderation():
    message_ids = recent_comment_ids()
    if message_ids:
        messages_moderate(message_ids)  # what fails for now is tried by the next sweep
