"""Letters to key-account contacts (updates, notices): queued -> sending -> sent, as replies are.

The same guarantees as channels/sending.py: exactly one worker claims a queued mail; a temporary
SMTP error puts it back in the queue with backoff; a permanent one fails it with the reason; a send
cut off after the content left becomes `unknown` and is never repeated blindly (the customer may
have it). The Message-ID is chosen when the mail is queued, so a retry keeps it and the customer's
reply threads back to the account whichever attempt reached them.
"""

import logging
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from channels.base import ChannelError, DeliveryUnknown
from channels.email import smtp
from channels.email.config import smtp_config
from channels.models import ChannelAccount, ChannelKind
from oss_inbox.tickets.models import Identity

from .models import AccountMail

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
SEND_STALE = timedelta(minutes=5)
FIRST_RETRY = timedelta(seconds=30)
Delivery = AccountMail.Delivery


def sending_account():
    """The mailbox updates go out from when none is chosen: the first enabled email account."""
    account = ChannelAccount.objects.filter(kind=ChannelKind.EMAIL, enabled=True).order_by("pk").first()
    if account is None:
        raise ChannelError("No email channel account is set up — an admin must add one to send key-account mail.", permanent=True)
    return account


def email_recipients(contacts):
    """[(contact, address)] for every email identity of the contacts, each address once, in contact order."""
    contacts = list(contacts)
    identities = Identity.objects.filter(contact__in=contacts, kind=ChannelKind.EMAIL).order_by("contact_id", "pk")
    by_contact = {}
    for identity in identities:
        by_contact.setdefault(identity.contact_id, []).append(identity.external_id)
    seen, found = set(), []
    for contact in contacts:
        for address in by_contact.get(contact.pk, []):
            if address.lower() not in seen:
                seen.add(address.lower())
                found.append((contact, address))
    return found


def account_mails_queue(*, organization, recipients, account, subject, text, notice=None, progress_update=None):
    """One AccountMail per (contact, address); each is sent once the caller's transaction commits."""
    domain = account.self_external_id.rpartition("@")[2] or "oss-inbox.local"
    mails = AccountMail.objects.bulk_create(
        [
            AccountMail(
                organization=organization, contact=contact, address=address, account=account,
                notice=notice, progress_update=progress_update, subject=subject, text=text,
                message_id=make_msgid(domain=domain).strip("<>"),
            )
            for contact, address in recipients
        ]
    )  # fmt: skip
    ids = [mail.pk for mail in AccountMail.objects.filter(message_id__in=[mail.message_id for mail in mails])]
    transaction.on_commit(lambda: _enqueue(ids))
    return mails


def _enqueue(ids):
    from .tasks import send_account_mail  # tasks import this module

    for mail_id in ids:
        send_account_mail.delay(mail_id)


def compose(mail, now):
    """The letter as an EmailMessage. No Auto-Submitted: it is personal, and replies are wanted."""
    message = EmailMessage(policy=policy.SMTP)
    sender_name = str(mail.account.settings.get("from_name") or "").strip()
    sender = mail.account.self_external_id
    message["From"] = formataddr((sender_name, sender)) if sender_name else sender
    contact_name = mail.contact.name if mail.contact else ""
    message["To"] = formataddr((contact_name, mail.address)) if contact_name else mail.address
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = f"<{mail.message_id}>"
    # Quoted-printable, not 8bit: not every SMTP server on the way announces 8BITMIME.
    message.set_content(mail.text, cte="quoted-printable")
    return message


def account_mail_claim(mail_id, now=None):
    """queued -> sending, atomically: exactly one worker gets to send it."""
    now = now or timezone.now()
    claimed = (
        AccountMail.objects.filter(pk=mail_id, delivery_state=Delivery.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(delivery_state=Delivery.SENDING, sending_started_at=now, attempts=F("attempts") + 1)
    )
    return AccountMail.objects.select_related("account", "contact").get(pk=mail_id) if claimed else None


def account_mail_send(mail_id, now=None):
    """Send one queued mail through its email account's SMTP server; returns its new state (None if not ours)."""
    now = now or timezone.now()
    mail = account_mail_claim(mail_id, now)
    if mail is None:
        return None
    try:
        smtp.deliver(smtp_config(mail.account), compose(mail, now))
    except DeliveryUnknown as error:
        return _settle(mail, Delivery.UNKNOWN, delivery_error=str(error))
    except ChannelError as error:
        if error.permanent or mail.attempts >= MAX_ATTEMPTS:
            return _settle(mail, Delivery.FAILED, delivery_error=str(error))
        retry_at = error.retry_at or now + FIRST_RETRY * 2 ** (mail.attempts - 1)
        return _settle(mail, Delivery.QUEUED, delivery_error=str(error), next_attempt_at=retry_at)
    return _settle(mail, Delivery.SENT, delivery_error="", sent_at=now, next_attempt_at=None)


def _settle(mail, state, **fields):
    if state != Delivery.SENT:
        log.warning("Account mail %s to %s is %s: %s", mail.pk, mail.address, state, fields["delivery_error"])
    fields["delivery_error"] = fields["delivery_error"][:500]
    AccountMail.objects.filter(pk=mail.pk, delivery_state=Delivery.SENDING).update(
        delivery_state=state, sending_started_at=None, **fields
    )
    return state


def account_mail_sweep(now=None):
    """Mark cut-off sends unknown; return the ids of queued mails due now (their task may be lost)."""
    now = now or timezone.now()
    AccountMail.objects.filter(delivery_state=Delivery.SENDING, sending_started_at__lt=now - SEND_STALE).update(
        delivery_state=Delivery.UNKNOWN,
        sending_started_at=None,
        delivery_error="The send was interrupted; it may or may not have reached the customer.",
    )
    return list(
        AccountMail.objects.filter(delivery_state=Delivery.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .values_list("pk", flat=True)
    )


def delivery_counts(mails):
    """{"queued": n, "sent": n, "failed": n, ...} of a queryset of AccountMails (one query)."""
    counts = {state: 0 for state in Delivery.values}
    for row in mails.order_by().values("delivery_state").annotate(count=Count("pk")):
        counts[row["delivery_state"]] = row["count"]
    return counts
