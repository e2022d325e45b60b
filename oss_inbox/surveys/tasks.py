"""Celery tasks: thin, call one service. Idempotent: a repeat sends no second survey."""

from celery import shared_task

from . import sending


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=58)
def send_surveys():
    """Beat, every minute: the surveys of tickets resolved SURVEY_DELAY_MINUTES ago."""
    sending.surveys_send_due()
