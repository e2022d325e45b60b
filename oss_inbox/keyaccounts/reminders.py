"""Reminding the account manager of a quarterly update: once when it becomes due, once when overdue.

Run by beat every hour. A quarter's update becomes due the day after the quarter ends and is
overdue 15 days later (quarters.py). An UpdateReminder row, unique per account, quarter and kind,
is written in the same transaction as the notification, so a rerun, or two beats at once, never
remind twice. While storm mode is on no reminder goes out: the first run after it ends sends the
ones still owed, once each (nothing was written meanwhile).
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from oss_inbox.sla.storm_state import current_storm
from oss_inbox.staff.notifications import notification_send
from oss_inbox.tickets.models import Organization

from .models import AccountEvent, ProgressUpdate, UpdateReminder
from .quarters import local_day, quarter_to_report, update_state


def updates_remind(now=None):
    """1. Find the quarter to report on and whether its update is due or overdue today;
    2. for each key account without that update sent and not yet reminded of this kind,
    notify the manager on duty (in the app and by email). Returns how many were reminded."""
    now = now or timezone.now()
    if current_storm(now) is not None:  # held back: managers are on the storm, the next run sends them
        return 0
    today = local_day(now)
    quarter = quarter_to_report(today)
    kind = update_state(quarter, today)  # never "not_yet" for a quarter that ended
    sent = ProgressUpdate.objects.filter(
        year=quarter.year, quarter=quarter.number, status=ProgressUpdate.Status.SENT
    )
    reminded = UpdateReminder.objects.filter(year=quarter.year, quarter=quarter.number, kind=kind)
    accounts = (
        Organization.objects.filter(is_key_account=True)
        .exclude(pk__in=sent.values("organization_id"))
        .exclude(pk__in=reminded.values("organization_id"))
        .select_related("account_manager", "backup_manager")
    )
    return sum(_remind(organization, quarter, kind) for organization in accounts)


def _remind(organization, quarter, kind):
    manager = organization.manager_on_duty()
    try:
        with transaction.atomic():
            UpdateReminder.objects.create(
                organization=organization,
                year=quarter.year,
                quarter=quarter.number,
                kind=kind,
                recipient=manager,
            )
            text = reminder_text(organization, quarter, kind)
            url = reverse("keyaccounts:organization", args=[organization.pk])
            if manager is not None:
                body = f"{text}\n\nWrite it from the prefilled draft: {settings.SITE_URL.rstrip('/')}{url}\n"
                notification_send(
                    recipients=[manager],
                    ticket=None,
                    event=None,
                    text=text,
                    body=body,
                    organization=organization,
                    url=url,
                )
            AccountEvent.objects.create(
                organization=organization, kind=AccountEvent.Kind.REMINDER, summary=text,
                data={"year": quarter.year, "quarter": quarter.number, "kind": kind,
                      "recipient": manager.get_username() if manager else None},
            )  # fmt: skip
    except IntegrityError:  # another beat run reminded first
        return 0
    return 1


def reminder_text(organization, quarter, kind):
    due = f"{quarter.update_due_on:%d %B %Y}".lstrip("0")
    if kind == UpdateReminder.Kind.OVERDUE:
        return f"The {quarter} update for {organization} is overdue (it was due by {due})"
    return f"The {quarter} update for {organization} is due by {due}"
