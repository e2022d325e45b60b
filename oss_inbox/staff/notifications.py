"""In-app notifications, each also sent by email (by a worker, retried) once the transaction that made
it commits."""

import logging

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import timezone

from oss_inbox.cached import cached_from, forget_now

from .models import Notification
from .tasks import send_mails

log = logging.getLogger(__name__)
# Every page's top bar shows the unread count: kept per person under this key's version, which moves
# whenever notifications are sent or read (here) or a row changes (signals, staff/apps.py).
UNREAD_KEY = "staff:unread-notifications"


def notification_send(*, recipients, ticket, event, text, body, organization=None, url=""):
    """Notify each distinct recipient once: a row in their list, and an email if they have one.

    About a ticket, or (ticket None) about an organization, with `url` the page to open.
    """
    unique = list({user.pk: user for user in recipients if user is not None and user.is_active}.values())
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                ticket=ticket,
                event=event,
                organization=organization,
                url=url,
                text=text[:300],
            )
            for user in unique
        ]
    )
    forget_now(UNREAD_KEY)  # bulk_create sends no signal
    mails = [(text, body, settings.DEFAULT_FROM_EMAIL, [user.email]) for user in unique if user.email]
    mails_send_after_commit(mails)
    return len(unique)


def mails_send_after_commit(mails):
    """Send mails to the team once the caller's transaction commits, through a worker that retries
    while the mail server is down (staff.tasks). With the broker down too, send them here."""
    if mails:
        transaction.on_commit(lambda: _queue(mails))


def _queue(mails):
    try:
        send_mails.delay(mails)
    except Exception:  # noqa: BLE001 - the broker is down: try at once, as the last resort
        log.warning("Could not queue %d team mail(s); sending them now", len(mails), exc_info=True)
        _send_now(mails)


def _send_now(mails):
    # The in-app notification is the record; a mail server that is down must not undo it.
    try:
        send_mass_mail(mails, fail_silently=False)
    except OSError:  # smtplib.SMTPException is an OSError
        log.warning("Could not email %d notification(s)", len(mails), exc_info=True)


def notifications_mark_read(user, notification_ids=None):
    """Mark the user's unread notifications (all, or those ids) read; returns how many."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    marked = unread.update(read_at=timezone.now())
    if marked:
        forget_now(UNREAD_KEY)  # a queryset update sends no signal
    return marked


def unread_count(user):
    """How many notifications the user has not read yet: counted once per change, not on every page."""
    return cached_from(UNREAD_KEY, f"user-{user.pk}", lambda: _unread(user))


def _unread(user):
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
