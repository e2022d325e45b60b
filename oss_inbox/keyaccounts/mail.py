"""Letters to key-account contacts (updates, notices), sent through the one outbox as replies are.

The outbox (oss_inbox.tickets.services.outbox) gives them its guarantees: exactly one worker sends
a queued letter; a temporary SMTP error puts it back in the queue with backoff; a permanent one
fails it with the reason; a send cut off after the content left becomes `unknown`, is looked up in
the mailbox, and is never repeated blindly. The Message-ID is chosen when the mail is queued, so a
retry keeps it and the customer's reply threads back to the account whichever attempt reached them.
"""

from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from django.db.models import Count
from django.utils import timezone

from channels.base import ChannelError, Sent
from channels.email import smtp
from channels.email.adapter import EmailAdapter
from channels.email.config import smtp_config
from channels.models import ChannelAccount, ChannelKind
from oss_inbox.tickets.models import Identity
from oss_inbox.tickets.services.outbox import Outbox, outbox_enqueue, outbox_register

from .models import AccountMail

ACCOUNT_MAIL_OUTBOX = "account_mail"
Delivery = AccountMail.Delivery


def sending_account():
    """The mailbox updates go out from when none is chosen: the first enabled email account."""
    account = ChannelAccount.objects.filter(kind=ChannelKind.EMAIL, enabled=True).order_by("pk").first()
    if account is None:
        raise ChannelError(
            "No email channel account is set up — an admin must add one to send key-account mail.",
            permanent=True,
        )
    return account


def email_recipients(contacts):
    """[(contact, address)] for every email identity of the contacts, each address once, in contact order."""
    contacts = list(contacts)
    identities = Identity.objects.filter(contact__in=contacts, kind=ChannelKind.EMAIL).order_by(
        "contact_id", "pk"
    )
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


def account_mails_queue(
    *, organization, recipients, account, subject, text, notice=None, progress_update=None
):
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
    for mail in AccountMail.objects.filter(message_id__in=[mail.message_id for mail in mails]):
        outbox_enqueue(ACCOUNT_MAIL_OUTBOX, mail.pk)
    return mails


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


def account_mail_send(mail):
    """The outbox's send for a letter: through its email account's SMTP server."""
    smtp.deliver(smtp_config(mail.account), compose(mail, timezone.now()))
    return Sent(external_id=mail.message_id)


def account_mail_look_up(mail):
    """The outbox's lookup of a letter whose send was cut off: its Message-ID in the mailbox."""
    found = EmailAdapter(mail.account).find_sent(mail.message_id)
    return Sent(external_id=mail.message_id) if found else None


def connect():
    outbox_register(Outbox(
        ACCOUNT_MAIL_OUTBOX, AccountMail, send=account_mail_send, look_up=account_mail_look_up,
        sent_fields=lambda mail, sent, now: {"sent_at": now}, related=("account", "contact"),
    ))  # fmt: skip


def delivery_counts(mails):
    """{"queued": n, "sent": n, "failed": n, ...} of a queryset of AccountMails (one query)."""
    counts = {state: 0 for state in Delivery.values}
    for row in mails.order_by().values("delivery_state").annotate(count=Count("pk")):
        counts[row["delivery_state"]] = row["count"]
    return counts
