"""Small lists read on every ticket page and changed rarely: colleagues, SLA policies, canned responses.

Each is kept in the cache (Redis in production, so every web process shares it) under one key,
which signals on its tables drop when a row changes. The expiry bounds how stale a list can get
through a write that sends no signal (a queryset .update(), raw SQL).
"""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

SECONDS = 300


def cached_list(key, build):
    """The list under `key`, built (by `build()`) and stored when missing."""
    rows = cache.get(key)
    if rows is None:
        rows = list(build())
        cache.set(key, rows, SECONDS)
    return rows


def forget_on_change(key, *models, through=()):
    """Drop `key` whenever a row of `models` is saved or deleted, or an m2m table in `through` changes.

    Dropped at once and again after the commit: a page read meanwhile may have stored the rows as
    they were before the change.
    """
    def forget(**kwargs):
        cache.delete(key)
        transaction.on_commit(lambda: cache.delete(key))

    for model in models:
        post_save.connect(forget, sender=model, weak=False, dispatch_uid=f"{key}:save:{model._meta.label}")
        post_delete.connect(forget, sender=model, weak=False, dispatch_uid=f"{key}:delete:{model._meta.label}")
    for table in through:
        m2m_changed.connect(forget, sender=table, weak=False, dispatch_uid=f"{key}:m2m:{table._meta.label}")
