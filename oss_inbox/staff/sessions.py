"""Sessions read from the cache, kept in the database (SESSION_ENGINE when the cache is Redis, settings.py).

Django's cached_db, with one change: a session stays in the cache for CACHED_FOR at most, not for its
whole life (two weeks). The database is the record; the cache can only be behind it when a change
did not reach the cache: a sign-out or a change made while Redis was down, whose invalidation the
process that made it never replayed (it exited first: oss_inbox/cache_backend.py), with Redis
keeping its data (appendonly). Then a signed-out session would still open pages from the cache for
up to two weeks; with the cap, for CACHED_FOR at most, like the cached lists of oss_inbox/cached.py.
The cost: each session is read from the database once per CACHED_FOR (a hundred agents: one read
every 3 s in all, against 20 a second without the cache).
"""

from django.contrib.sessions.backends import cached_db

CACHED_FOR = 300  # seconds


class _CappedCache:
    """The session cache, storing every entry for CACHED_FOR at most."""

    def __init__(self, cache):
        self._cache = cache

    def set(self, key, value, timeout=None, **kwargs):
        return self._cache.set(key, value, _capped(timeout), **kwargs)

    async def aset(self, key, value, timeout=None, **kwargs):
        return await self._cache.aset(key, value, _capped(timeout), **kwargs)

    def __contains__(self, key):
        return key in self._cache

    def __getattr__(self, name):
        return getattr(self._cache, name)


def _capped(timeout):
    return CACHED_FOR if timeout is None else min(timeout, CACHED_FOR)


class SessionStore(cached_db.SessionStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._cache = _CappedCache(self._cache)
