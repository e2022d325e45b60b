"""A small world for automatic assignment: agents put on shift (available, signed in), a key account."""

import time

from django.contrib.auth.models import Group, User
from django.contrib.sessions.backends.db import SessionStore

from oss_inbox.staff.last_seen import SEEN_KEY
from oss_inbox.staff.models import StaffProfile
from oss_inbox.staff.roles import AGENT
from oss_inbox.tickets.models import Contact, Identity, Organization, Ticket

from .. import factories

SAFETY_TEXT = "@Utility power line down on Elm St, sparking in the grass!!"


def person(username, role=AGENT, **fields):
    user = User.objects.create_user(username, first_name=username.title(), **fields)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def sign_in(user, *, seconds_ago=0):
    """A session of `user`, last used `seconds_ago` (as LastSeenMiddleware records it)."""
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session[SEEN_KEY] = int(time.time()) - seconds_ago
    session.create()
    return session


def on_shift(user, *, capacity=15, last_assigned_at=None, signed_in=True, available=True):
    StaffProfile.objects.update_or_create(
        user=user,
        defaults={"available": available, "capacity": capacity, "last_assigned_at": last_assigned_at},
    )
    if signed_in:
        sign_in(user)
    return user


def give_open_tickets(user, count, account=None):
    """`count` unresolved tickets already assigned to `user` (their load)."""
    account = account or factories.account("email", name=f"load of {user.username}")
    contact = Contact.objects.create(name="Someone")
    for n in range(count):
        Ticket.objects.create(
            account=account, contact=contact, thread_key=f"load:{user.pk}:{n}", assignee=user,
            status=Ticket.Status.OPEN, created_at=factories.BASE_TIME,
        )  # fmt: skip


def customer(external_id, organization=None, kind="twitter"):
    contact = Contact.objects.create(name=f"Customer {external_id}", organization=organization)
    Identity.objects.create(contact=contact, kind=kind, external_id=external_id, handle=f"c{external_id}")
    return factories.author(external_id, f"c{external_id}", f"Customer {external_id}")


def key_account(name, manager=None, backup=None):
    return Organization.objects.create(
        name=name, is_key_account=True, tier="strategic", account_manager=manager, backup_manager=backup
    )


def mention(minutes=0, who=None, text=None):
    fields = {"text": text} if text else {}
    return factories.inbound(who=who or factories.author(f"9{minutes:03d}"), minutes=minutes, **fields)
