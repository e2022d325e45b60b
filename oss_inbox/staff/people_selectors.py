"""What the People page shows: everyone with their role, access, last sign-in, on-call setting,
capacity and availability, the tickets a person still holds, and the record of changes."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from oss_inbox.safety.models import OnCall
from oss_inbox.sla.states import OPEN_STATUSES
from oss_inbox.tickets.models import Ticket

from .models import PersonChange, StaffProfile
from .people import role_of
from .profiles import profile_of


@dataclass(frozen=True)
class PersonRow:
    user: object
    role: str
    on_call: OnCall | None
    profile: StaffProfile
    open_tickets: int
    key_accounts: int  # organizations they manage

    @property
    def on_call_words(self) -> str:
        if self.on_call is None or not self.on_call.enabled:
            return ""
        return self.on_call.schedule.name if self.on_call.schedule else "At all hours"


def people_rows() -> list[PersonRow]:
    """Everyone, active people first, by name; three queries whatever the team's size."""
    open_held = Count("assigned_tickets", filter=Q(assigned_tickets__status__in=OPEN_STATUSES), distinct=True)
    users = (
        get_user_model()
        .objects.annotate(open_tickets=open_held, key_accounts=Count("managed_accounts", distinct=True))
        .select_related("staff_profile")
        .prefetch_related("groups")
        .order_by("-is_active", "first_name", "last_name", "username")
    )
    on_call = {row.user_id: row for row in OnCall.objects.select_related("schedule")}
    return [
        PersonRow(
            user, role_of(user), on_call.get(user.pk), profile_of(user), user.open_tickets, user.key_accounts
        )
        for user in users
    ]


def person_row(user) -> PersonRow:
    on_call = OnCall.objects.filter(user=user).select_related("schedule").first()
    key_accounts = user.managed_accounts.count()
    return PersonRow(user, role_of(user), on_call, profile_of(user), held_tickets(user).count(), key_accounts)


def key_accounts_of(user):
    """The organizations `user` manages or backs up, by name: [(organization, "manager" | "backup")]."""
    managed = [(organization, "manager") for organization in user.managed_accounts.order_by("name")]
    return managed + [(organization, "backup") for organization in user.backed_up_accounts.order_by("name")]


def held_tickets(user):
    """The open tickets assigned to `user`, soonest due first: a deactivated person's are listed so
    that someone reassigns them."""
    return (
        Ticket.objects.filter(assignee=user, status__in=OPEN_STATUSES)
        .select_related("contact")
        .order_by("sla_due_at", "pk")
    )


def recent_changes(limit=30):
    return PersonChange.objects.select_related("actor", "person")[:limit]


def changes_of(user, limit=50):
    return PersonChange.objects.filter(person=user).select_related("actor")[:limit]
