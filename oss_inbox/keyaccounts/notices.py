"""Proactive notices: news sent early to one or many key accounts, by email, on every timeline.

An account manager sends to the accounts they manage, a supervisor or admin to any
(permissions.managed_by). Each contact with an email address gets their own letter with its own
Message-ID, so a reply threads back to that contact's organization as a ticket.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q

from channels.models import ChannelAccount, ChannelKind

from .mail import account_mails_queue, delivery_counts, email_recipients
from .models import AccountEvent, AccountMail, Notice
from .permissions import managed_by


def sending_accounts():
    """The mailboxes a notice may go out from."""
    return ChannelAccount.objects.filter(kind=ChannelKind.EMAIL, enabled=True).order_by("name")


def notice_recipients(organizations):
    """[(organization, [(contact, address)])] in the order given: the preview before sending."""
    return [
        (
            organization,
            email_recipients(organization.contacts.filter(merged_into__isnull=True).order_by("name", "pk")),
        )
        for organization in organizations
    ]


@transaction.atomic
def notice_send(*, sender, kind, subject, body, organizations, account):
    """1. Check the sender may write to every organization; 2. record the notice; 3. queue one
    AccountMail per contact address; 4. put a NOTICE event on each organization's timeline."""
    organizations = list(organizations)
    allowed = set(
        managed_by(sender).filter(pk__in=[org.pk for org in organizations]).values_list("pk", flat=True)
    )
    if not organizations or any(org.pk not in allowed for org in organizations):
        raise PermissionDenied("You may send notices only to the key accounts you manage.")
    notice = Notice.objects.create(kind=kind, subject=subject, body=body, account=account, sender=sender)
    notice.organizations.set(organizations)
    for organization, recipients in notice_recipients(organizations):
        mails = account_mails_queue(
            organization=organization,
            recipients=recipients,
            account=account,
            subject=subject,
            text=body,
            notice=notice,
        )
        AccountEvent.objects.create(
            organization=organization, kind=AccountEvent.Kind.NOTICE, actor=sender,
            summary=_summary(notice),
            data={"notice": notice.pk, "recipients": [mail.address for mail in mails]},
        )  # fmt: skip
    return notice


def _summary(notice):
    """ "Planned outage: feeder 12 ...", without saying the kind twice when the subject says it."""
    kind = notice.get_kind_display()
    subject = notice.subject
    return (subject if subject.lower().startswith(kind.lower()) else f"{kind}: {subject}")[:300]


def notices_with_counts(notices):
    """[(notice, {"queued": n, "sent": n, "failed": n, ...})], one query for all the counts."""
    notices = list(notices)
    counts = {notice.pk: {state: 0 for state in AccountMail.Delivery.values} for notice in notices}
    rows = (
        AccountMail.objects.filter(notice__in=notices).order_by().values_list("notice_id", "delivery_state")
    )
    for notice_id, state, count in rows.annotate(count=Count("pk")):
        counts[notice_id][state] = count
    return [(notice, counts[notice.pk]) for notice in notices]


def notices_visible_to(user):
    """Notices the user sent or that went to an account they manage (all, for supervisors)."""
    return (
        Notice.objects.filter(Q(sender=user) | Q(organizations__in=managed_by(user)))
        .distinct()
        .select_related("sender", "account")
        .prefetch_related("organizations")
    )


def notice_delivery(notice):
    return delivery_counts(notice.mails.all())
