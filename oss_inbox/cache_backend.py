"""The Redis cache, degraded to a miss while Redis cannot answer: pages are then built from the database.

While Redis is down (refused, timed out, read-only after a failover, full, writes stopped by a failed
snapshot, any other error Redis answers, something else on its port):
- a read is a miss (get -> default, get_many -> {}, has_key -> False), so callers build from the
  database;
- a fill is dropped (set, add -> False, set_many -> every key failed, touch -> False);
- an invalidation (delete, delete_many, incr, decr, clear) is remembered by the process that made
  it, and replayed by that process before its first call that reaches Redis again (an incr or decr
  raises CacheUnavailable, a ValueError, as for a missing key; it is replayed as the sum of the
  deltas owed for its key, sign included, and one that timed out after reaching Redis may count
  twice: right for the version numbers of oss_inbox/cached.py, not for exact counts).
What that guarantees: the process that made a change reads nothing older than it after the outage.
Another process may read an entry stored before the change until that process replays it, or for
good if it exits first, or keeps more than OWED_LIMIT; so across processes staleness is bounded
only by each entry's own expiry (300 s for the lists of oss_inbox/cached.py, the longest).
After a failure the process leaves Redis alone for RETRY_SECONDS: a down Redis costs one failed
connect per process per interval, not one per call. The outage is logged once when it starts and
once when it ends: when a write succeeds again (a Redis that answers reads but refuses writes is still
down). Timeouts are short (oss_inbox/env.py): a healthy Redis answers in a millisecond.
"""

import logging
import threading
import time
from urllib.parse import urlsplit

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from django.utils.functional import cached_property

log = logging.getLogger(__name__)

# Any error Redis or the link to it gives: refused, reset, timed out, loading, authentication, pool
# exhausted, a replica after a failover (READONLY, MASTERDOWN), full and told not to evict (OOM),
# writes stopped by a failed snapshot (MISCONF) or missing replicas (NOREPLICAS), a user without the
# permission (NOPERM), something that is not Redis on the port. Only a value Redis was never sent
# (DataError: our own mistake) is raised.
UNAVAILABLE = redis.exceptions.RedisError
OUR_MISTAKES = redis.exceptions.DataError
RETRY_SECONDS = 5
OWED_LIMIT = 1000  # distinct invalidations kept through one outage (a handful in practice)


class CacheUnavailable(ValueError):
    """incr() while the cache is down: callers that handle a missing key (ValueError) carry on."""


class Outage:
    """The state of one Redis location, shared by the threads of a process (Django makes one cache
    object per thread)."""

    def __init__(self, where):
        self.where = where
        self.lock = threading.Lock()
        self.since = None  # monotonic start of the current outage; None while Redis answers
        self.retry_at = 0.0
        # (operation, key, version) -> delta (incr, decr) or 0, in order: invalidations to replay
        self.owed = {}

    def waiting(self):
        return self.since is not None and time.monotonic() < self.retry_at

    def begin(self, error):
        with self.lock:
            self.retry_at = time.monotonic() + RETRY_SECONDS
            if self.since is not None:
                return
            self.since = time.monotonic()
        log.warning(
            "The cache at %s cannot be reached (%s): pages are built from the database until it answers "
            "again.",
            self.where,
            error,
        )

    def end(self, replayed):
        with self.lock:
            if self.since is None:
                return
            seconds, self.since = time.monotonic() - self.since, None
        log.warning(
            "The cache at %s answers again after %.0f s; %d invalidations made meanwhile replayed.",
            self.where,
            seconds,
            replayed,
        )

    def owe(self, operation, key=None, version=None, delta=0):
        owed = (operation, key, version)
        with self.lock:
            if owed in self.owed or len(self.owed) < OWED_LIMIT:
                self.owed[owed] = self.owed.get(owed, 0) + delta
            else:
                log.error(
                    "The cache at %s: more than %d invalidations owed; %s of %r dropped.",
                    self.where,
                    OWED_LIMIT,
                    operation,
                    key,
                )

    def take_owed(self):
        with self.lock:
            owed, self.owed = list(self.owed.items()), {}
        return owed

    def give_back(self, owed):
        """Put back what a replay did not get through, before what was owed meanwhile (deltas added up)."""
        with self.lock:
            merged = dict(owed)
            for owed_key, delta in self.owed.items():
                merged[owed_key] = merged.get(owed_key, 0) + delta
            self.owed = merged


_outages = {}
_outages_lock = threading.Lock()


def outage_for(location):
    with _outages_lock:
        if location not in _outages:
            _outages[location] = Outage(_where(location))
        return _outages[location]


def _where(location):
    """host:port/db of the first server, never its password."""
    parts = urlsplit(location[0])
    return f"{parts.hostname}:{parts.port or 6379}{parts.path}"


class OutageSafeRedisCache(RedisCache):
    """Django's RedisCache whose calls behave as a miss, never an error, while Redis is down."""

    @cached_property
    def outage(self):
        return outage_for(tuple(self._servers))

    def _attempt(self, call, fallback, owed=None, writes=True):
        outage = self.outage
        if outage.waiting():
            if owed:
                outage.owe(*owed)
            return fallback
        try:
            replayed = self._replay(outage) if outage.since is not None else 0
            result = call()
        except OUR_MISTAKES:
            raise
        except UNAVAILABLE as error:
            if owed:
                outage.owe(*owed)
            outage.begin(error)
            return fallback
        if outage.since is not None and (writes or replayed):
            outage.end(replayed)  # not on a read alone: a Redis may answer reads and refuse writes
        return result

    def _replay(self, outage):
        owed = outage.take_owed()
        for done, ((operation, key, version), delta) in enumerate(owed):
            try:
                if operation == "clear":
                    super().clear()
                elif operation == "delete":
                    super().delete(key, version=version)
                elif delta:  # an incr and a decr that cancel out leave nothing to replay
                    super().incr(key, delta, version=version)
            except ValueError:  # an incr of a key Redis no longer has: nothing stale is left under it
                pass
            except UNAVAILABLE:
                outage.give_back(owed[done:])
                raise
        return len(owed)

    def get(self, key, default=None, version=None):
        return self._attempt(
            lambda: super(OutageSafeRedisCache, self).get(key, default, version), default, writes=False
        )

    def get_many(self, keys, version=None):
        return self._attempt(
            lambda: super(OutageSafeRedisCache, self).get_many(keys, version), {}, writes=False
        )

    def has_key(self, key, version=None):
        return self._attempt(
            lambda: super(OutageSafeRedisCache, self).has_key(key, version), False, writes=False
        )

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(
            lambda: super(OutageSafeRedisCache, self).add(key, value, timeout, version), False
        )

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(
            lambda: super(OutageSafeRedisCache, self).set(key, value, timeout, version), None
        )

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(
            lambda: super(OutageSafeRedisCache, self).set_many(data, timeout, version), list(data)
        )

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(lambda: super(OutageSafeRedisCache, self).touch(key, timeout, version), False)

    def delete(self, key, version=None):
        return self._attempt(
            lambda: super(OutageSafeRedisCache, self).delete(key, version),
            False,
            owed=("delete", key, version),
        )

    def delete_many(self, keys, version=None):
        keys = list(keys)
        if self._attempt(lambda: super(OutageSafeRedisCache, self).delete_many(keys, version) or True, False):
            return
        for key in keys:
            self.outage.owe("delete", key, version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        result = self._attempt(
            lambda: super(OutageSafeRedisCache, self).incr(key, delta, version),
            missing,
            owed=("incr", key, version, delta),
        )  # decr comes here with -delta
        if result is missing:
            raise CacheUnavailable(f"The cache cannot be reached: {key!r} not incremented.")
        return result

    def clear(self):
        return self._attempt(lambda: super(OutageSafeRedisCache, self).clear(), None, owed=("clear",))
