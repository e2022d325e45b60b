"""The team, as admins manage it on the People page: invite, change a role, set a capacity, deactivate
and reactivate. Every change is recorded (PersonChange: who, when, what).

Nobody is deleted: their tickets, replies and events keep their name. A deactivated person cannot sign
in (Django refuses an inactive user, and ends their sessions at their next request), and is no longer
offered for assignment (staff.roles.queue_workers lists active users only); what they still hold
stays theirs until someone reassigns it.

Each write refuses in plain words (PeopleError): an admin changing their own role or access, or a
change that would leave the team without an active admin.
"""

import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import PersonChange, StaffProfile
from .notifications import mails_send_after_commit
from .roles import ADMIN, AGENT, SUPERVISOR

ROLES = (AGENT, SUPERVISOR, ADMIN)
NOT_YOURSELF = "You cannot {what} yourself: ask another admin to do it."
LAST_ADMIN = "{name} is the last active admin: make someone else an admin first."


class PeopleError(ValueError):
    """A change refused, in words for the admin who asked."""


def role_of(user) -> str:
    """The person's role (Agent, Supervisor, Admin), "" for none; a superuser without one is an Admin."""
    names = {group.name for group in user.groups.all()}
    role = next((name for name in reversed(ROLES) if name in names), "")
    return role or (ADMIN if user.is_superuser else "")


def name_of(user) -> str:
    return user.get_full_name() or user.get_username()


def person_invite(*, actor, name: str, email: str, role: str, username: str = ""):
    """Create an active user in `role` with no password yet, and email them a link to set one.

    1. Refuse an email address someone already has, and a username taken.
    2. Create the user (unusable password), give the role, record the change.
    3. After commit, mail the set-password link (staff.notifications' worker path).
    """
    User = get_user_model()
    email = email.strip()
    if User.objects.filter(email__iexact=email).exists():
        holder = User.objects.filter(email__iexact=email).first()
        raise PeopleError(f"{name_of(holder)} already has the address {email}.")
    username = username.strip() or username_from_email(email)
    if User.objects.filter(username__iexact=username).exists():
        raise PeopleError(f"The username {username} is taken: choose another.")
    first_name, _, last_name = name.strip().partition(" ")
    with transaction.atomic():
        user = User(username=username, email=email, first_name=first_name, last_name=last_name.strip())
        user.set_unusable_password()
        user.is_staff = role == ADMIN  # admins keep Django admin
        user.save()
        user.groups.add(Group.objects.get(name=role))
        _record(actor, user, f"{name_of(actor)} invited {name_of(user)} ({email}) as {_a(role)}.")
        invitation_send(user, invited_by=actor)
    return user


def username_from_email(email: str) -> str:
    """'Lee.Okafor@prairie-eg.example' -> 'lee.okafor', numbered when taken ('lee.okafor2')."""
    User = get_user_model()
    base = re.sub(r"[^\w.+-]", "", email.split("@")[0].lower())[:140] or "person"
    candidate, number = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        number += 1
        candidate = f"{base}{number}"
    return candidate


def set_password_link(user) -> str:
    """The address where `user` sets a password; it stops working once they have set one."""
    path = reverse(
        "set_password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return settings.SITE_URL.rstrip("/") + path


def invitation_send(user, *, invited_by):
    """Email `user` a link to set their password (after the caller's transaction commits)."""
    if not user.email:
        raise PeopleError(f"{name_of(user)} has no email address to send a link to.")
    days = settings.PASSWORD_RESET_TIMEOUT // 86400
    body = (
        f"Hello {user.first_name or user.get_username()},\n\n"
        f"{name_of(invited_by)} has invited you to OSS Inbox, where the team answers customers on X, "
        f"Facebook, Messenger and email.\n\n"
        f"Your username is {user.get_username()}. Choose your password here (the link works once, for "
        f"{days} days):\n{set_password_link(user)}\n\n"
        f"If you did not expect this, ignore this email.\n"
    )
    mails_send_after_commit([("Your OSS Inbox account", body, settings.DEFAULT_FROM_EMAIL, [user.email])])


def invitation_resend(*, actor, person):
    """A new set-password link for someone who has not set a password yet or has forgotten it."""
    if not person.is_active:
        raise PeopleError(f"{name_of(person)} is deactivated: reactivate them first.")
    with transaction.atomic():
        invitation_send(person, invited_by=actor)
        _record(actor, person, f"{name_of(actor)} sent {name_of(person)} a link to set a password.")


def person_set_role(*, actor, person, role: str):
    if role not in ROLES:
        raise PeopleError("Choose Agent, Supervisor or Admin.")
    was = role_of(person)
    if role == was:
        return
    with transaction.atomic():
        if was == ADMIN:
            _refuse_removing_an_admin(actor, person, what="demote")
        person.groups.remove(*Group.objects.filter(name__in=ROLES))
        person.groups.add(Group.objects.get(name=role))
        # Admins keep Django admin; anyone else loses it, and a superuser made an Agent is an Agent.
        person.is_staff = role == ADMIN
        person.is_superuser = person.is_superuser and role == ADMIN
        person.save(update_fields=["is_staff", "is_superuser"])
        _record(
            actor, person, f"{name_of(actor)} made {name_of(person)} {_a(role)} (was {_a(was) or 'no role'})."
        )


def person_deactivate(*, actor, person):
    """Stop `person` signing in and being offered work; what they hold stays assigned to them."""
    if not person.is_active:
        return
    with transaction.atomic():
        if role_of(person) == ADMIN or person == actor:
            _refuse_removing_an_admin(actor, person, what="deactivate")
        person.is_active = False
        person.save(update_fields=["is_active"])
        StaffProfile.objects.filter(user=person).update(available=False)
        _record(actor, person, f"{name_of(actor)} deactivated {name_of(person)}.")


def person_reactivate(*, actor, person):
    if person.is_active:
        return
    with transaction.atomic():
        person.is_active = True
        person.save(update_fields=["is_active"])
        _record(actor, person, f"{name_of(actor)} reactivated {name_of(person)}.")


def person_set_capacity(*, actor, person, capacity: int):
    """Most open tickets automatic assignment gives `person` at once."""
    profile, _ = StaffProfile.objects.get_or_create(user=person)
    if profile.capacity == capacity:
        return
    with transaction.atomic():
        was = profile.capacity
        profile.capacity = capacity
        profile.save(update_fields=["capacity"])
        _record(
            actor,
            person,
            f"{name_of(actor)} set {name_of(person)}'s capacity to {capacity} open tickets (was {was}).",
        )


def _refuse_removing_an_admin(actor, person, *, what):
    """Refuse an admin demoting or deactivating themselves, and removing the last active admin.

    The active admins are locked first, so two admins removing each other at once cannot both pass.
    """
    if person.pk == actor.pk:
        raise PeopleError(NOT_YOURSELF.format(what=what))
    # Locked by id: PostgreSQL locks no rows of a DISTINCT query, which active_admins() is.
    # In id order: two admins removing each other wait for one another instead of deadlocking.
    locked = get_user_model().objects.select_for_update().filter(pk__in=active_admins().values("pk"))
    locked = locked.order_by("pk")
    admins = list(locked.values_list("pk", flat=True))
    if set(admins) <= {person.pk}:
        raise PeopleError(LAST_ADMIN.format(name=name_of(person)))


def active_admins():
    User = get_user_model()
    return User.objects.filter(Q(groups__name=ADMIN) | Q(is_superuser=True), is_active=True).distinct()


def _record(actor, person, text):
    PersonChange.objects.create(at=timezone.now(), actor=actor, person=person, text=text[:300])


def _a(role):
    if not role:
        return ""
    return f"an {role}" if role[0] in "AEIOU" else f"a {role}"
