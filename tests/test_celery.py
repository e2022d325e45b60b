"""The Celery app reads its broker from the environment and the broker carries messages."""

import multiprocessing
import os
import queue as queue_module
import subprocess
import sys
import threading
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from kombu import Connection
from sqlalchemy import text

from oss_inbox.celery import app

from .outside import require_redis


def round_trip(payload, connection=None):
    with connection or app.connection_for_write() as connection:
        queue = connection.SimpleQueue(f"oss-test-{uuid.uuid4().hex}")
        try:
            queue.put(payload)
            message = queue.get(timeout=10)
            message.ack()
            return message.payload
        finally:
            queue.close()


def test_the_app_uses_the_configured_broker():
    assert app.conf.broker_url == settings.CELERY_BROKER_URL
    assert app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"


def embedded(path):
    """A connection to the embedded broker `make run` uses when no CELERY_BROKER_URL is set."""
    return Connection(f"sqlite:///{path}", transport="oss_inbox.embedded_broker:Transport")


def test_with_no_broker_configured_the_app_uses_the_embedded_one_under_var(tmp_path):
    """As on a fresh laptop: no CELERY_BROKER_URL, so one SQLite file under OSS_VAR_DIR."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")
    }
    shown = subprocess.run(
        [sys.executable, "-c",
         "from oss_inbox.celery import app; print(app.conf.broker_url, app.conf.broker_transport)"],
        env={**env, "OSS_VAR_DIR": str(tmp_path)}, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert shown.stdout.split() == [
        f"sqlite:///{tmp_path / 'broker.sqlite3'}",
        "oss_inbox.embedded_broker:Transport",
    ]


def test_the_embedded_broker_carries_a_message_between_connections(tmp_path):
    assert round_trip({"ticket": 42}, embedded(tmp_path / "broker.sqlite3")) == {"ticket": 42}


def _produce(path, producer, count):
    with embedded(path) as connection:
        queue = connection.SimpleQueue("work")
        for number in range(count):
            # Large bodies: the old file-system broker handed out such files half-written.
            queue.put({"producer": producer, "number": number, "padding": "x" * 40_000})
        queue.close()


def test_concurrent_producers_never_hand_out_a_torn_or_doubled_message(memory_tmp_path):
    """Three processes (as web, beat and worker) write while a consumer reads: each message arrives
    whole, exactly once."""
    path = memory_tmp_path / "broker.sqlite3"
    round_trip({"warm": True}, embedded(path))  # the tables exist before the processes race
    context = multiprocessing.get_context("spawn")
    producers = [context.Process(target=_produce, args=(path, producer, 150)) for producer in range(3)]
    for process in producers:
        process.start()
    received = []
    with embedded(path) as connection:
        queue = connection.SimpleQueue("work")
        while len(received) < 450:
            message = queue.get(timeout=60)
            assert message.payload["padding"] == "x" * 40_000
            received.append((message.payload["producer"], message.payload["number"]))
            message.ack()
        with pytest.raises(queue.Empty):
            queue.get(timeout=0.5)
        queue.close()
    for process in producers:
        process.join(30)
        assert process.exitcode == 0
    assert sorted(received) == [(producer, number) for producer in range(3) for number in range(150)]


def test_acknowledging_from_another_thread_while_taking_the_next_message_is_safe(memory_tmp_path):
    """As a worker does: its consumer thread takes messages while its pool's result thread
    acknowledges finished ones. Every message is taken once, and acknowledged ones are gone."""
    path = memory_tmp_path / "broker.sqlite3"
    finished, problems = queue_module.Queue(), []

    def acknowledge():
        while (message := finished.get()) is not None:
            try:
                message.ack()
            except Exception as error:  # noqa: BLE001 - the test reports whatever went wrong
                problems.append(repr(error))

    with embedded(path) as connection:
        work = connection.SimpleQueue("work")
        for number in range(300):
            work.put({"number": number})
        acknowledger = threading.Thread(target=acknowledge)
        acknowledger.start()
        taken = []
        for _ in range(300):
            message = work.get(timeout=10)
            taken.append(message.payload["number"])
            finished.put(message)
        finished.put(None)
        acknowledger.join(30)
        assert not problems, problems[:3]
        assert sorted(taken) == list(range(300))
        assert work.channel.session.execute(text("SELECT COUNT(*) FROM kombu_message")).scalar() == 0
        work.close()


def test_a_message_taken_by_a_worker_that_died_is_delivered_again(tmp_path, time_machine):
    """A worker killed mid-task never acknowledges: after the visibility timeout the task runs again."""
    from oss_inbox import embedded_broker

    path = tmp_path / "broker.sqlite3"
    time_machine.move_to("2026-03-02 10:00", tick=False)
    killed = embedded(path)
    queue = killed.SimpleQueue("work")
    queue.put({"ticket": 7})
    assert queue.get(timeout=5).payload == {"ticket": 7}
    # Killed here: no acknowledgement, and no goodbye in which kombu would put the message back.
    time_machine.shift(embedded_broker.VISIBILITY_TIMEOUT - timedelta(seconds=10))
    with embedded(path) as connection:
        queue = connection.SimpleQueue("work")
        with pytest.raises(queue.Empty):
            queue.get(timeout=0.5)  # still within the timeout: the first worker may be busy with it
        time_machine.shift(timedelta(seconds=20 + embedded_broker.RESTORE_EVERY_SECONDS))
        again = queue.get(timeout=5)
        assert again.payload == {"ticket": 7}
        again.ack()
        time_machine.shift(embedded_broker.VISIBILITY_TIMEOUT * 2)
        with pytest.raises(queue.Empty):
            queue.get(timeout=0.5)  # acknowledged: gone for good
    killed.release()  # now, not at exit, where kombu's goodbye would log to a closed stream


def test_redis_broker_carries_a_message():
    require_redis()
    assert round_trip({"ticket": 43}) == {"ticket": 43}
