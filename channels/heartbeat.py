"""Keeping a short claim alive while long work runs: a thread that renews it, and notices losing it.

A poll claims its account for a short lease (channels.polling.LEASE) so that a worker killed
mid-poll frees the account within seconds. A poll may run longer than that (many pages, a slow
server, a large ingest), so while it runs a heartbeat renews the lease in the background. Why a
thread, not a renewal between pages: it keeps beating through one slow HTTP call or IMAP fetch,
and no adapter has to remember to call it. It dies with its process, so a killed worker stops
renewing at once.

It cannot renew during an ingest: ingest holds the account row (PostgreSQL) or the write lock
(SQLite) for its whole batch. The renewal does not wait for that lock (channels.polling); ingest
extends the lease itself in the UPDATE that saves the cursor, and no other poll can take the
account while the row is held.
"""

import logging
import threading

from django.db import DatabaseError, connections

log = logging.getLogger(__name__)

# How long leaving the `with` block waits for a renewal in progress (one slowed by the database
# must not hold the poll up: the daemon thread then finishes on its own).
STOP_WAIT_SECONDS = 2


class Heartbeat:
    """Calls `renew()` every `every` seconds from a daemon thread while the `with` block runs.

    `renew` returns False when the claim is gone (it expired and another worker holds it now):
    the heartbeat stops and `lost` becomes True, so the work stops writing. A database error while
    renewing (a connection dropped) is logged and tried again at the next beat. The
    thread has its own database connection (Django's are per thread) and closes it when it ends.
    """

    def __init__(self, renew, every):
        self._renew = renew
        self._every = every
        self._lost = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="lease-heartbeat", daemon=True)

    @property
    def lost(self):
        return self._lost.is_set()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stopping.set()
        self._thread.join(timeout=STOP_WAIT_SECONDS)

    def _beat(self):
        try:
            while not self._stopping.wait(self._every):
                if not self._renewed():
                    self._lost.set()
                    return
        finally:
            connections.close_all()  # this thread's connections only

    def _renewed(self):
        try:
            return self._renew()
        except DatabaseError:
            log.warning("Could not renew a lease; trying again in %s s", self._every, exc_info=True)
            return True
