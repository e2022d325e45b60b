from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "oss_inbox.staff"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group, Permission

        from oss_inbox.cached import forget_on_change

        from .roles import QUEUE_WORKERS_KEY

        user = get_user_model()
        forget_on_change(
            QUEUE_WORKERS_KEY,
            user,
            Group,
            Permission,
            through=[user.groups.through, Group.permissions.through],
            unless_only={"last_login"},
        )
