"""Mail to the team (notification emails, on-call texts) is sent by a worker, not by the process that
made the notification: a mail server that is slow or down must not hold up an ingest on a storm
night, and a page lost to a brief outage is a page nobody got, so it is retried."""

from celery import shared_task
from django.core.mail import send_mass_mail


@shared_task(
    ignore_result=True,
    autoretry_for=(OSError,),  # smtplib.SMTPException is an OSError
    retry_backoff=15,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=12,  # about an hour of trying
    soft_time_limit=90,
    time_limit=120,
)
def send_mails(mails):
    """[(subject, body, from, [to, ...]), ...] as send_mass_mail takes them (lists after JSON)."""
    send_mass_mail(
        [(subject, body, sender, list(to)) for subject, body, sender, to in mails], fail_silently=False
    )
