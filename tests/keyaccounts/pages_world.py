"""A key account with contacts, tickets on several channels and some history, for the page tests."""

from oss_inbox.keyaccounts.models import KnownIdentity
from oss_inbox.tickets.models import Contact, Organization, OrganizationDomain, Ticket
from oss_inbox.tickets.services import ingest

from .. import factories


def make_hospital(manager, backup=None, name="St. Brigid Regional Hospital", domain="stbrigid.example"):
    hospital = Organization.objects.create(
        name=name, is_key_account=True, tier="strategic", account_manager=manager, backup_manager=backup
    )
    OrganizationDomain.objects.create(organization=hospital, domain=domain)
    return hospital


def email_ticket(mailbox, sender, *, subject="Generator test on Saturday", minutes=0):
    item = factories.email(sender=sender, name=sender.split("@")[0].title(), subject=subject, minutes=minutes)
    ingest(mailbox, [item])
    return Ticket.objects.get(thread_key=item.thread_key)


def x_ticket(twitter, organization, handle, user_id, minutes=0):
    KnownIdentity.objects.get_or_create(organization=organization, kind="twitter", value=handle)
    item = factories.inbound(
        who=factories.author(external_id=user_id, handle=handle, name=handle.title()), minutes=minutes
    )
    ingest(twitter, [item])
    ticket = Ticket.objects.get(thread_key=item.thread_key)
    Contact.objects.filter(pk=ticket.contact_id).update(organization=organization)
    return ticket
