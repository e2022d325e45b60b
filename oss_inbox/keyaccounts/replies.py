"""Customers answering a notice or a quarterly update: their reply becomes a ticket on the account."""

from .models import AccountEvent, AccountMail


def mails_answered(account, message_ids):
    """{Message-ID: AccountMail} among the ids an inbound email replies to; one query, none if no ids."""
    if account.kind != "email" or not message_ids:
        return {}
    mails = AccountMail.objects.select_related(
        "organization__account_manager", "organization__backup_manager", "notice", "progress_update"
    ).filter(message_id__in=message_ids)
    return {mail.message_id: mail for mail in mails}


def reply_events(replies):
    """Timeline entries for [(ticket, AccountMail)] once the tickets have their ids."""
    return AccountEvent.objects.bulk_create(
        AccountEvent(
            organization=mail.organization,
            kind=AccountEvent.Kind.NOTICE_REPLY,
            summary=f"{ticket.contact} replied to “{mail.subject}” (ticket #{ticket.pk})"[:300],
            data={
                "ticket": ticket.pk,
                "mail": mail.pk,
                "notice": mail.notice_id,
                "update": mail.progress_update_id,
            },
        )
        for ticket, mail in replies
    )
