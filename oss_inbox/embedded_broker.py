"""The broker `make run` uses when no CELERY_BROKER_URL is set: one SQLite file under var/, no server.

kombu's file-system transport, used before, could hand a worker a message file that a producer had
created but not yet written (the worker died on a JSONDecodeError, a known kombu problem). Here every
message is a row written in one SQLite transaction, so a consumer sees all of it or none of it.

This is kombu's SQLAlchemy transport with four changes for several processes on one SQLite file:
- the file runs in WAL mode with a busy timeout, so web, beat and worker wait for each other's
  short write transactions instead of failing with "database is locked";
- an empty queue is seen with a plain read, so an idle worker does not take the write lock five
  times a second;
- a message stays in the table, hidden, until the task is acknowledged (tasks acknowledge late,
  after they ran), and a hidden message whose worker died is shown again after VISIBILITY_TIMEOUT,
  as Redis does: a task on a killed worker runs again within minutes. Acknowledged rows are deleted,
  so the file stays small;
- it is asynchronous for the worker (it polls from the worker's event loop), so that the worker runs
  the same prefork pool as on Redis, which survives a killed pool process (see Transport).
"""

import contextlib
import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from json import loads
from queue import Empty, SimpleQueue

from kombu.transport import sqlalchemy as kombu_sqlalchemy
from kombu.utils.encoding import bytes_to_str
from sqlalchemy import create_engine, delete, event, exists, select, text, update
from sqlalchemy.pool import NullPool

# Longer than any task may run (CELERY_TASK_TIME_LIMIT is 150 s): a hidden message older than this
# belongs to a worker that died holding it.
VISIBILITY_TIMEOUT = timedelta(minutes=5)
RESTORE_EVERY_SECONDS = 30
BUSY_TIMEOUT_SECONDS = 30
logger = logging.getLogger(__name__)
# The worker's prefetch limit stops it first (concurrency x multiplier, 2 under make run); this only bounds
# one turn of its event loop.
MOST_TAKEN_PER_TURN = 100


class Channel(kombu_sqlalchemy.Channel):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._rows_by_tag = {}  # delivery tag -> row id, for the acknowledgement to delete
        self._restored_at = 0.0
        self._sessions = threading.local()
        self._deleter = self._deletions = None  # the worker's thread deleting acknowledged rows, its queue
        self._queue_ids = {}  # queue name -> its row id: queues are made, never removed, under make run

    @property
    def session(self):
        """A session per thread: a worker acknowledges from its pool's result thread while its
        consumer thread takes the next message, and one SQLAlchemy session must never serve two
        threads at once (kombu's own keeps one per channel; under load the worker died of it)."""
        session = getattr(self._sessions, "session", None)
        if session is None:
            _, make_session = self._open()
            session = self._sessions.session = make_session()
        return session

    def _engine_from_config(self):
        # No pool: kombu caches the engine for the process, and a prefork child started later would
        # inherit pooled SQLite connections (SQLite forbids carrying one across fork). Opening a
        # SQLite file is cheap.
        engine = create_engine(
            self.connection.client.hostname,
            poolclass=NullPool,
            connect_args={"timeout": BUSY_TIMEOUT_SECONDS},
        )

        @event.listens_for(engine, "connect")
        def _wal(dbapi_connection, connection_record):
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")

        return engine

    def _get(self, queue):
        queue_id = self._queue_ids.get(queue)
        if queue_id is None:
            queue_id = self._queue_ids[queue] = self._get_or_create(queue).id
        self._restore_abandoned()
        messages = self.message_cls
        waiting = select(messages.id).where(messages.queue_id == queue_id, messages.visible.is_(True))
        if not self.session.execute(select(exists(waiting))).scalar():
            self.session.rollback()  # end the read, so that the WAL file can be checkpointed
            raise Empty()
        self.session.execute(text("BEGIN IMMEDIATE TRANSACTION"))  # one taker per message
        try:
            message = self.session.execute(
                waiting.add_columns(messages.payload).order_by(messages.id).limit(1)
            ).first()
            if message is None:
                raise Empty()
            # The row's timestamp becomes the time it was handed out, in UTC (kombu's own default is
            # local time, which a change to or from daylight saving time would move by an hour).
            taken = (
                update(messages).where(messages.id == message.id).values(visible=False, sent_at=_utc_now())
            )
            self.session.execute(taken)
            payload = loads(bytes_to_str(message.payload))
        finally:
            self.session.commit()
        self._rows_by_tag[payload["properties"]["delivery_tag"]] = message.id
        return payload

    def basic_ack(self, delivery_tag, multiple=False):
        super().basic_ack(delivery_tag, multiple=multiple)
        self._forget(delivery_tag)
        self.connection.take_soon()  # room for one more: no need to wait for the next poll

    def basic_reject(self, delivery_tag, requeue=False):
        super().basic_reject(delivery_tag, requeue=requeue)  # a requeue went through _restore first
        self._forget(delivery_tag)
        self.connection.take_soon()

    def _restore(self, message):
        """Put an unacknowledged message back (a requeue, a worker stopping): show its row again,
        rather than kombu's copy as a new row beside the hidden one, which would run it twice."""
        row_id = self._rows_by_tag.pop(message.delivery_tag, None)
        if row_id is None:
            return super()._restore(message)
        self.session.execute(
            update(self.message_cls).where(self.message_cls.id == row_id).values(visible=True)
        )
        self.session.commit()

    def _forget(self, delivery_tag):
        row_id = self._rows_by_tag.pop(delivery_tag, None)
        if row_id is None:
            return
        if self.connection.event_loop is None:
            self._delete_rows([row_id])
        else:
            self._acknowledged().put(row_id)

    def _delete_rows(self, row_ids):
        self.session.execute(delete(self.message_cls).where(self.message_cls.id.in_(row_ids)))
        self.session.commit()

    def _acknowledged(self):
        """In the worker, acknowledged rows are deleted by a thread of their own, as the blocking pool's
        result thread did: the event loop goes on taking the next message meanwhile, instead of waiting for
        one more SQLite write per task (a burst of short tasks ran a quarter slower). A worker killed in
        between leaves the rows hidden: they run again after VISIBILITY_TIMEOUT (tasks are idempotent)."""
        if self._deleter is None:
            self._deletions = SimpleQueue()
            self._deleter = threading.Thread(
                target=self._delete_acknowledged, name="broker-acks", daemon=True
            )
            self._deleter.start()
        return self._deletions

    def _delete_acknowledged(self):
        stopping = False
        while not stopping:
            row_ids = [self._deletions.get()]
            while not self._deletions.empty():
                row_ids.append(self._deletions.get())
            stopping = None in row_ids
            row_ids = [row_id for row_id in row_ids if row_id is not None]
            try:
                if row_ids:
                    self._delete_rows(row_ids)
            except Exception:  # the thread must go on: log, and start again with a new session
                logger.exception(
                    "Could not delete %d acknowledged messages; they run again later", len(row_ids)
                )
                with contextlib.suppress(Exception):
                    self.session.close()
                self._sessions.session = None

    def close(self):
        if self._deleter is not None:  # delete what was acknowledged before the worker stops
            self._deletions.put(None)
            self._deleter.join(BUSY_TIMEOUT_SECONDS)
            self._deleter = None
        super().close()

    def _restore_abandoned(self):
        """Show again what a dead worker took and never acknowledged (at most every 30 seconds)."""
        if time.time() - self._restored_at < RESTORE_EVERY_SECONDS:
            return
        self._restored_at = time.time()
        messages = self.message_cls
        cutoff = _utc_now() - VISIBILITY_TIMEOUT
        abandoned = (
            update(messages)
            .where(messages.visible.is_(False), messages.sent_at < cutoff)
            .values(visible=True)
            .execution_options(synchronize_session=False)
        )
        self.session.execute(abandoned)
        self.session.commit()


def _utc_now():
    return datetime.now(UTC).replace(tzinfo=None)  # the column is naive


class Transport(kombu_sqlalchemy.Transport):
    """Asynchronous, as Redis is for the worker: it polls from the worker's event loop, so the worker runs
    prefork's asynchronous pool, as in production. kombu's own SQLAlchemy transport is synchronous: the
    worker then runs its blocking loop and billiard's blocking pool, whose children share one job pipe and
    wait on it holding one lock; a child killed while it held that lock (an idle one, or one just taking a
    job) left the lock taken for good, and the worker took no task again. The asynchronous pool gives each
    child a pipe of its own and sends a dead child's unaccepted jobs to another."""

    Channel = Channel
    # Replies should feel instant: look for new messages five times a second (kombu's default: once).
    polling_interval = 0.2
    implements = kombu_sqlalchemy.Transport.implements.extend(asynchronous=True)

    event_loop = None  # the worker's; producers (web, beat) have none

    def register_with_event_loop(self, connection, loop):
        self.event_loop = loop
        loop.call_repeatedly(self.polling_interval, self._take_waiting)

    def take_soon(self):
        """In the worker, after an acknowledgement: take the next waiting message in this turn of the loop,
        not a poll later (with two tasks in flight, waiting for the poll halved a burst's throughput)."""
        if self.event_loop is not None:
            self.event_loop.call_soon(self._take_waiting)

    def _take_waiting(self):
        """One turn of the worker's event loop: show again what a dead worker left hidden (on a timer,
        not only when the consumer has room to ask), then hand the consumer every waiting message it
        has room for (its prefetch limit)."""
        for channel in self.channels:
            channel._restore_abandoned()
        for _ in range(MOST_TAKEN_PER_TURN):
            try:
                self.cycle.get(self._deliver)
            except Empty:
                return
