"""The Celery app reads its broker from the environment and the broker carries messages."""

import uuid

from django.conf import settings
from kombu import Connection

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


def test_the_embedded_broker_carries_a_message_between_connections(tmp_path):
    """What `make run` uses when no CELERY_BROKER_URL is set: folders under var/, no server."""
    folder = str(tmp_path)
    options = {"data_folder_in": folder, "data_folder_out": folder, "control_folder": folder, "store_processed": False}
    assert round_trip({"ticket": 42}, Connection("filesystem://", transport_options=options)) == {"ticket": 42}


def test_redis_broker_carries_a_message():
    require_redis()
    assert round_trip({"ticket": 43}) == {"ticket": 43}
