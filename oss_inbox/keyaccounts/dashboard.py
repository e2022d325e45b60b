"""The key-account view of the supervisor dashboard: one row per account, a fixed number of queries.

Per account: open tickets; first responses on time over the last 90 days (answered by their due
time, out of those answered or left unanswered past it); days since the last contact (the latest
inbound or outbound message on its tickets, or letter sent to it); the next quarterly update due;
joint-plan items overdue. Each figure is one grouped query over all accounts, never one per account.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Max, Q
from django.utils import timezone

from oss_inbox.tickets.models import OPEN_STATUSES, Organization, Ticket

from .models import AccountMail, PlanItem
from .quarters import local_day, next_update_due
from .selectors import RECORD_DAYS, first_response_judged
from .updates import sent_quarters

SLA_WINDOW = timedelta(days=RECORD_DAYS)  # the organization page's "last 90 days"


@dataclass(frozen=True)
class AccountRow:
    organization: Organization
    open_tickets: int
    first_responses_on_time: int
    first_responses_due: int
    last_contact_at: datetime | None
    days_since_contact: int | None
    next_update_quarter: object
    next_update_due: date
    update_overdue: bool
    plan_items_overdue: int

    @property
    def on_time_percent(self):
        if not self.first_responses_due:
            return None
        return round(100 * self.first_responses_on_time / self.first_responses_due)


def key_account_rows(now=None):
    """Every key account's row, by name. Five queries whatever the number of accounts."""
    now = now or timezone.now()
    today = local_day(now)
    accounts = list(
        Organization.objects.filter(is_key_account=True).select_related("account_manager").order_by("name")
    )
    ids = [account.pk for account in accounts]
    tickets = _ticket_figures(ids, now)
    mailed = dict(
        AccountMail.objects.filter(organization__in=ids, delivery_state=AccountMail.Delivery.SENT)
        .values("organization").annotate(last=Max("sent_at")).values_list("organization", "last")
    )  # fmt: skip
    sent = sent_quarters(ids)
    overdue_items = dict(
        PlanItem.objects.filter(plan__organization__in=ids, due_date__lt=today)
        .exclude(status__in=PlanItem.CLOSED_STATUSES)
        .values("plan__organization").annotate(count=Count("pk")).values_list("plan__organization", "count")
    )  # fmt: skip
    return [_row(account, tickets.get(account.pk, {}), mailed.get(account.pk), sent.get(account.pk, set()),
                 overdue_items.get(account.pk, 0), now, today) for account in accounts]  # fmt: skip


def _ticket_figures(ids, now):
    recent = Q(created_at__gte=now - SLA_WINDOW)
    on_time, late = first_response_judged(now)
    rows = (
        Ticket.objects.filter(contact__organization__in=ids)
        .values("contact__organization")
        .annotate(
            open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
            on_time=Count("pk", filter=recent & on_time),
            late=Count("pk", filter=recent & late),
            last_in=Max("last_inbound_at"),
            last_out=Max("last_outbound_at"),
        )
    )
    return {row["contact__organization"]: row for row in rows}


def _row(account, tickets, last_mail, sent, plan_items_overdue, now, today):
    contacts = [moment for moment in (tickets.get("last_in"), tickets.get("last_out"), last_mail) if moment]
    last_contact = max(contacts) if contacts else None
    quarter, due, overdue = next_update_due(today, sent)
    return AccountRow(
        organization=account,
        open_tickets=tickets.get("open", 0),
        first_responses_on_time=tickets.get("on_time", 0),
        first_responses_due=tickets.get("on_time", 0) + tickets.get("late", 0),
        last_contact_at=last_contact,
        days_since_contact=(today - local_day(last_contact)).days if last_contact else None,
        next_update_quarter=quarter,
        next_update_due=due,
        update_overdue=overdue,
        plan_items_overdue=plan_items_overdue,
    )
