"""Quarterly progress updates: a draft the app prefills, edited by the manager, sent by email.

The draft says what changed in the joint plan since the last update that went out, the quarter's
ticket and SLA figures for the account, and opens and closes in the manager's name. Quarter
arithmetic and the due rule (15 days after the quarter ends) are in quarters.py.
"""

from dataclasses import dataclass
from datetime import timedelta
from statistics import median

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from oss_inbox.surveys.selectors import Satisfaction, organization_satisfaction
from oss_inbox.tickets.models import Ticket

from .mail import account_mails_queue, email_recipients, sending_account
from .models import AccountEvent, PlanItem, ProgressUpdate
from .quarters import Quarter, local_day
from .selectors import first_response_judged


@dataclass(frozen=True)
class QuarterFigures:
    opened: int
    resolved: int
    first_responses_on_time: int
    first_responses_due: int  # answered, or left unanswered past their due time
    median_first_response: timedelta | None
    # The account's satisfaction surveys sent in the quarter (oss_inbox.surveys: CSAT, 4 or 5 of 5).
    satisfaction: Satisfaction | None = None

    @property
    def on_time_percent(self):
        if not self.first_responses_due:
            return None
        return round(100 * self.first_responses_on_time / self.first_responses_due)


def quarter_figures(organization, quarter, now=None):
    """The account's tickets in the quarter: opened, resolved, first responses within SLA, median,
    and the satisfaction surveys sent in it.

    First responses are judged by the organization page's rule as of the quarter's end, or now for
    the quarter under way: a ticket still inside its target is not late yet.
    """
    start, end = quarter.bounds()
    tickets = Ticket.objects.filter(contact__organization=organization)
    on_time, late = first_response_judged(min(end, now or timezone.now()))
    opened = tickets.filter(created_at__gte=start, created_at__lt=end)
    figures = opened.aggregate(
        opened=Count("pk"), on_time=Count("pk", filter=on_time), late=Count("pk", filter=late)
    )
    resolved = tickets.filter(resolved_at__gte=start, resolved_at__lt=end).count()
    answered_pairs = opened.filter(first_response_at__isnull=False).values_list(
        "created_at", "first_response_at"
    )
    waits = [answered - created for created, answered in answered_pairs]
    judged = figures["on_time"] + figures["late"]
    return QuarterFigures(
        figures["opened"], resolved, figures["on_time"], judged, median(waits) if waits else None,
        organization_satisfaction(organization, start, end),
    )  # fmt: skip


def plan_changes(organization, since, today):
    """{"done", "in_progress", "at_risk", "overdue": [PlanItem]} for the draft.

    Done and in-progress items are those changed since the last update sent (all, before the
    first); at-risk and overdue items are listed whether they changed or not: they need saying.
    """
    items = (
        PlanItem.objects.filter(plan__organization=organization)
        .select_related("plan")
        .order_by("due_date", "pk")
    )
    changed = items.filter(updated_at__gt=since) if since else items
    open_items = items.exclude(status__in=PlanItem.CLOSED_STATUSES)
    return {
        "done": list(changed.filter(status=PlanItem.Status.DONE)),
        "in_progress": list(changed.filter(status=PlanItem.Status.IN_PROGRESS)),
        "at_risk": list(open_items.filter(status=PlanItem.Status.AT_RISK)),
        "overdue": list(open_items.filter(due_date__lt=today).exclude(status=PlanItem.Status.AT_RISK)),
    }


def last_sent_update(organization):
    return (
        ProgressUpdate.objects.filter(organization=organization, status=ProgressUpdate.Status.SENT)
        .order_by("-sent_at")
        .first()
    )


def update_draft(organization, year, quarter, author, now=None):
    """The quarter's update: the existing one (draft or sent), else a new prefilled draft."""
    now = now or timezone.now()
    existing = ProgressUpdate.objects.filter(organization=organization, year=year, quarter=quarter).first()
    if existing is not None:
        return existing
    period = Quarter(year, quarter)
    last = last_sent_update(organization)
    body = draft_text(
        organization,
        period,
        author,
        plan_changes(organization, last.sent_at if last else None, local_day(now)),
        quarter_figures(organization, period, now),
    )
    update, _ = ProgressUpdate.objects.get_or_create(
        organization=organization, year=year, quarter=quarter,
        defaults={"subject": f"{organization}: progress update for {period}", "body": body, "author": author},
    )  # fmt: skip
    return update


def draft_text(organization, period, author, changes, figures):
    signer = (author.get_full_name() or author.get_username()) if author else "Your account manager"
    lines = [
        "Hello,", "",
        f"Here is our progress update for {period} ({period.months} {period.year}): where the plan we agreed "
        "stands, and how we served you this quarter.", "",
    ]  # fmt: skip
    for key, heading in (("done", "What we did"), ("in_progress", "In progress"),
                         ("at_risk", "At risk"), ("overdue", "Overdue")):  # fmt: skip
        if changes[key]:
            lines += [heading, *[f"- {_item_line(item)}" for item in changes[key]], ""]
    if not any(changes.values()):
        lines += ["Nothing in our joint plan changed since the last update.", ""]
    lines += ["Your service this quarter", *_figure_lines(figures), ""]
    lines += [
        "If anything here does not match what you see, or your needs have changed, reply to this email: "
        "it comes straight to me.", "",
        "Kind regards,", signer, f"Account manager for {organization}",
    ]  # fmt: skip
    return "\n".join(lines)


def _item_line(item):
    owner = item.owner_name or item.get_owner_side_display()
    due = f", due {item.due_date.day} {item.due_date:%b %Y}" if item.due_date else ""
    note = f" — {item.notes.splitlines()[0]}" if item.notes.strip() else ""
    return f"{item.text} ({owner}{due}){note}"


def _figure_lines(figures):
    percent = figures.on_time_percent
    on_time = (
        f"{percent}% ({figures.first_responses_on_time} of {figures.first_responses_due})"
        if percent is not None else "no first response was due"
    )  # fmt: skip
    return [
        f"- Tickets opened: {figures.opened}",
        f"- Tickets resolved: {figures.resolved}",
        f"- First responses within our promise: {on_time}",
        f"- Median time to first response: {readable_duration(figures.median_first_response)}",
        *_satisfaction_lines(figures.satisfaction),
    ]


def _satisfaction_lines(satisfaction):
    """CSAT for the quarter: the share of survey answers rated 4 or 5 of 5."""
    if satisfaction is None or not satisfaction.sent:
        return []
    if not satisfaction.answered:
        return [f"- Customer satisfaction: none of the {satisfaction.sent} surveys we sent was answered"]
    answered, sent = satisfaction.answered, satisfaction.sent
    return [
        f"- Customer satisfaction: {satisfaction.csat}% satisfied ({satisfaction.satisfied} of {answered} "
        f"answers rated 4 or 5 out of 5; {answered} of {sent} surveys answered)"
    ]


def readable_duration(duration):
    if duration is None:
        return "—"
    minutes = int(duration.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days {hours % 24} h"


def update_default_recipients(organization):
    """Every contact of the organization with an email address."""
    contacts = organization.contacts.filter(merged_into__isnull=True, identities__kind="email").distinct()
    return list(contacts.order_by("name", "pk"))


@transaction.atomic
def update_send(update, recipients=None, user=None, *, account=None, now=None):
    """Queue the update to the chosen contacts (default: every contact with an email address),
    mark it sent, put it on the timeline.

    Returns the AccountMails queued; sending a second time does nothing (returns []).
    """
    now = now or timezone.now()
    if recipients is None:
        recipients = update_default_recipients(update.organization)
    marked = ProgressUpdate.objects.filter(pk=update.pk, status=ProgressUpdate.Status.DRAFT).update(
        status=ProgressUpdate.Status.SENT, sent_at=now
    )
    if not marked:
        return []
    update.refresh_from_db()
    account = account or sending_account()
    mails = account_mails_queue(
        organization=update.organization, recipients=email_recipients(recipients), account=account,
        subject=update.subject, text=update.body, progress_update=update,
    )  # fmt: skip
    people = _people(len({mail.contact_id for mail in mails}))
    AccountEvent.objects.create(
        organization=update.organization, kind=AccountEvent.Kind.UPDATE, actor=user,
        summary=f"Q{update.quarter} {update.year} update sent to {people}",
        data={"update": update.pk, "recipients": [mail.address for mail in mails]},
    )  # fmt: skip
    return mails


def _people(count):
    return "1 contact" if count == 1 else f"{count} contacts"


def sent_quarters(organization_ids):
    """{organization id: {Quarter}} of the updates already sent (one query)."""
    found = {}
    rows = ProgressUpdate.objects.filter(organization__in=organization_ids, status=ProgressUpdate.Status.SENT)
    for organization_id, year, number in rows.values_list("organization_id", "year", "quarter"):
        found.setdefault(organization_id, set()).add(Quarter(year, number))
    return found
