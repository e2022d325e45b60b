from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "oss_inbox.staff"

    def ready(self):
        from django.contrib.auth import get_user_model, user_logged_in
        from django.contrib.auth.models import Group, Permission

        from oss_inbox.cached import forget_on_change

        from .last_seen import seen_at_login
        from .middleware import zone_at_login
        from .models import Notification
        from .notifications import UNREAD_KEY
        from .permissions import PERMISSIONS_KEY
        from .roles import QUEUE_WORKERS_KEY

        user_logged_in.connect(zone_at_login, dispatch_uid="staff-zone-at-login")
        user_logged_in.connect(seen_at_login, dispatch_uid="staff-seen-at-login")

        user = get_user_model()
        # Permissions: a person's own, their roles' and the roles themselves.
        forget_on_change(
            PERMISSIONS_KEY,
            user,
            Group,
            Permission,
            through=[user.groups.through, user.user_permissions.through, Group.permissions.through],
            unless_only={"last_login"},
        )
        forget_on_change(
            QUEUE_WORKERS_KEY,
            user,
            Group,
            Permission,
            through=[user.groups.through, Group.permissions.through],
            unless_only={"last_login"},
        )
        forget_on_change(UNREAD_KEY, Notification)
