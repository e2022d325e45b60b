"""Who may do what with key accounts.

Everyone who works the queue may look at organizations. An organization's account manager and its
backup edit it, its plan and its updates; admins edit every organization. Supervisors, and anyone
who manages a key account, send notices (account managers only to the accounts they manage).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from oss_inbox.tickets.models import Organization


def may_view_accounts(user):
    return user.has_perm("tickets.work_queue")


def may_manage(user, organization):
    return user.has_perm("tickets.manage_settings") or user.pk in (
        organization.account_manager_id,
        organization.backup_manager_id,
    )


def managed_by(user):
    """The key accounts the user manages (all of them for supervisors and admins)."""
    accounts = Organization.objects.filter(is_key_account=True)
    if user.has_perm("tickets.view_dashboards") or user.has_perm("tickets.manage_settings"):
        return accounts
    return accounts.filter(Q(account_manager=user) | Q(backup_manager=user))


def may_send_notices(user):
    return managed_by(user).exists()


def require(allowed):
    if not allowed:
        raise PermissionDenied
