"""Each signed-in person's permissions, read from the shared cache instead of two queries a request.

Django's ModelBackend reads a user's own and group permissions from the database once per request
(two queries), and every page asks: the role check in RoleRequiredMiddleware does, on the 5-second
refresh check too, where it was about half of the request's CPU. Permissions change only when an
admin changes a person, a role (group) or the permission table, so they are kept under a version
that every such change moves on (oss_inbox/cached.py: at once and again after the commit; the
signals are wired in staff/apps.py), and a stale set can never be read after the change.
"""

import copy

from django.contrib.auth.backends import ModelBackend

from oss_inbox.cached import cached_from

PERMISSIONS_KEY = "staff:permissions"


class CachedPermissionsBackend(ModelBackend):
    """ModelBackend whose `get_all_permissions` and signed-in person come from the cache, per user and
    permissions version."""

    def get_user(self, user_id):
        """The signed-in person: read on every request (a query, a third of the refresh check's), and
        changed only through a save of the person, which moves the version on (a deactivation or a new
        password is seen at the next request). Kept by each process, not in the shared cache: the
        person carries their password hash, which the session check needs and Redis need not hold.
        Each request gets its own copy: what a request notes on its user (the permissions read) stays
        with that request."""
        user = cached_from(
            PERMISSIONS_KEY,
            f"person:{user_id}",
            lambda: super(CachedPermissionsBackend, self).get_user(user_id),
            shared=False,
        )
        return copy.copy(user) if user is not None else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = cached_from(
                PERMISSIONS_KEY, f"user:{user_obj.pk}", lambda: self._from_database(user_obj)
            )
        return user_obj._perm_cache

    def _from_database(self, user_obj):
        # A fresh copy of the user: ModelBackend keeps what it read on the object it is given.
        fresh = type(user_obj)(
            pk=user_obj.pk, is_active=user_obj.is_active, is_superuser=user_obj.is_superuser
        )
        return frozenset(super().get_all_permissions(fresh))
