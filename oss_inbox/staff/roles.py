"""Roles are Django groups; what each may do is a set of permissions (codename, app label)."""

AGENT = "Agent"
SUPERVISOR = "Supervisor"
ADMIN = "Admin"

_AGENT_PERMISSIONS = [
    ("work_queue", "tickets"),
    ("view_ticket", "tickets"),
    ("change_ticket", "tickets"),
    ("view_message", "tickets"),
    ("add_message", "tickets"),
    ("view_contact", "tickets"),
    ("view_identity", "tickets"),
    ("view_organization", "tickets"),
    ("view_tag", "tickets"),
    ("add_tag", "tickets"),
    ("view_ticketevent", "tickets"),
]
_SUPERVISOR_PERMISSIONS = _AGENT_PERMISSIONS + [
    ("view_dashboards", "tickets"),
    ("change_contact", "tickets"),
    ("view_channelaccount", "channels"),
    ("view_unprocesseditem", "tickets"),
]
_ADMIN_PERMISSIONS = _SUPERVISOR_PERMISSIONS + [
    ("manage_settings", "tickets"),
    *[
        (f"{verb}_{model}", app)
        for verb in ("add", "change", "delete")
        for model, app in [
            ("channelaccount", "channels"),
            ("organization", "tickets"),
            ("organizationdomain", "tickets"),
            ("contact", "tickets"),
            ("identity", "tickets"),
            ("tag", "tickets"),
            ("user", "auth"),
        ]
    ],
    ("view_user", "auth"),
    ("view_organizationdomain", "tickets"),
    ("view_attachment", "tickets"),
]

ROLE_PERMISSIONS = {AGENT: _AGENT_PERMISSIONS, SUPERVISOR: _SUPERVISOR_PERMISSIONS, ADMIN: _ADMIN_PERMISSIONS}


def has_role(user) -> bool:
    """Whether a signed-in user holds a role (Agent, Supervisor or Admin), or is a superuser.

    Every role may work the queue, so the question is that permission: the answer comes from the
    permission cache the page's own checks fill anyway, not from one more query per request.
    """
    return user.has_perm("tickets.work_queue")


def may_work_queue(user) -> bool:
    """Whether `user` may take part in the queue: act on tickets, be assigned, be @mentioned."""
    return user is not None and user.is_active and user.has_perm("tickets.work_queue")


def require_queue_worker(user) -> None:
    """Refuse a ticket change asked by someone who does not work the queue (PermissionDenied)."""
    from django.core.exceptions import PermissionDenied

    if not may_work_queue(user):
        raise PermissionDenied("You do not work the queue.")


def queue_workers():
    """Active users who may work the queue: assignees, account managers, colleagues to @mention."""
    from django.contrib.auth import get_user_model  # roles.py is imported by migrations, before apps load
    from django.db.models import Q

    may_work = Q(groups__permissions__codename="work_queue") | Q(is_superuser=True)
    return (
        get_user_model()
        .objects.filter(may_work, is_active=True)
        .distinct()
        .order_by("first_name", "username")
    )


QUEUE_WORKERS_KEY = "staff:queue-workers"


def queue_workers_list():
    """queue_workers() as a list, cached until a user, a group or a permission changes (every ticket page
    shows them)."""
    from oss_inbox.cached import cached_list

    # Names only: no password hashes in the cache.
    return cached_list(
        QUEUE_WORKERS_KEY, lambda: queue_workers().only("id", "username", "first_name", "last_name")
    )
