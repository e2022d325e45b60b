"""A cache outage never turns a page into a 500 (issue 13, item 5): the pages are built from the
database while Redis is down, the outage is logged once, and nothing stale is read after it.

Most tests point CACHE_URL at a port where nothing listens (refused at once); two start a real
redis-server on a spare port and stop it mid-test (SIGKILL; SIGSTOP for a Redis that keeps its
data but does not answer, as behind a broken network).
"""

import logging
import shutil
import signal
import socket
import subprocess
import time

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from oss_inbox import cache_backend
from oss_inbox.cached import _move_on, cached_list
from oss_inbox.env import env_cache
from tests.inbox.conftest import open_ticket
from tests.outside import require

pytestmark = pytest.mark.django_db

CLOSED_PORT = "redis://127.0.0.1:1/6"


def caches_at(url, monkeypatch):
    monkeypatch.setenv("CACHE_URL", url)
    return override_settings(CACHES={"default": env_cache("CACHE_URL", "locmem://")})


@pytest.fixture(autouse=True)
def _fresh_outages(monkeypatch):
    """Each test sees Redis for the first time (the outage state is per process)."""
    monkeypatch.setattr(cache_backend, "_outages", {})


@pytest.fixture
def redis_down(monkeypatch):
    with caches_at(CLOSED_PORT, monkeypatch):
        yield


def test_redis_urls_get_the_outage_safe_backend_with_short_timeouts(monkeypatch):
    monkeypatch.setenv("CACHE_URL", "redis://:secret@cache.internal:6380/2")
    config = env_cache("CACHE_URL", "locmem://")
    assert config["BACKEND"] == "oss_inbox.cache_backend.OutageSafeRedisCache"
    assert config["OPTIONS"] == {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


def test_with_redis_down_every_call_is_a_miss_and_costs_milliseconds(redis_down):
    started = time.monotonic()
    assert cache.get("k", "default") == "default"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("k") is False
    assert cache.add("k", 1) is False
    assert cache.set("k", 1) is None
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.delete("k") is False
    assert cache.get_or_set("k", 7) == 7
    with pytest.raises(ValueError):
        cache.incr("k")
    for _ in range(200):
        cache.get("k")
    assert time.monotonic() - started < 1


def test_with_redis_down_the_queue_and_ticket_pages_answer_and_a_reply_is_stored_once(
    client, agent, twitter, redis_down, caplog, django_capture_on_commit_callbacks
):
    ticket = open_ticket(twitter)
    with caplog.at_level(logging.WARNING, logger="oss_inbox.cache_backend"):
        signed_in = client.post(reverse("login"), {"username": "dana", "password": "correct-horse-battery"})
        assert signed_in.status_code == 302  # sessions and login throttling live in the database
        assert client.get(reverse("inbox:queue")).status_code == 200
        page = client.get(reverse("inbox:ticket", args=[ticket.pk]))
        assert page.status_code == 200 and "Power out on Elm St" in page.content.decode()
        once = page.context["once"]
        post = {"text": "Crews are on their way.", "action": "reply", "once": once}
        with django_capture_on_commit_callbacks():
            answers = [client.post(reverse("inbox:compose", args=[ticket.pk]), post) for _ in range(2)]
        assert [answer.status_code for answer in answers] == [302, 302]
        assert client.get(reverse("inbox:ticket", args=[ticket.pk])).status_code == 200
    assert ticket.messages.filter(direction="outbound").count() == 1
    warnings = [record.getMessage() for record in caplog.records if record.name == "oss_inbox.cache_backend"]
    assert len(warnings) == 1 and "127.0.0.1:1/6 cannot be reached" in warnings[0]


def test_with_redis_down_the_cached_lists_come_from_the_database(redis_down):
    builds = []
    for text in ("first", "second"):
        assert cached_list("test:list", lambda text=text: builds.append(text) or [text]) == [text]
    assert builds == ["first", "second"]
    _move_on("test:list")  # a change during the outage: no error


@pytest.fixture
def redis_server(tmp_path):
    """A redis-server of our own on a free port (database 6), without persistence."""
    require(shutil.which("redis-server") is not None, "needs redis-server (apt-get install redis-server)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    _wait_for(port)
    yield process, port
    if process.poll() is None:
        process.send_signal(signal.SIGCONT)
        process.kill()
    process.wait()


def _wait_for(port, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"redis-server did not start on port {port}")


def test_a_redis_killed_mid_test_degrades_the_pages_and_they_use_it_again_when_it_is_back(
    client, agent, twitter, redis_server, monkeypatch, caplog, tmp_path
):
    process, port = redis_server
    monkeypatch.setattr(cache_backend, "RETRY_SECONDS", 0.2)
    ticket = open_ticket(twitter)
    client.force_login(agent)
    with caches_at(f"redis://127.0.0.1:{port}/6", monkeypatch), caplog.at_level(logging.WARNING):
        assert client.get(reverse("inbox:ticket", args=[ticket.pk])).status_code == 200
        assert cache.get("staff:queue-workers:version") is not None  # the page filled Redis
        process.kill()
        process.wait()
        for url in (reverse("inbox:queue"), reverse("inbox:ticket", args=[ticket.pk])):
            assert client.get(url).status_code == 200
        restarted = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--dir", str(tmp_path)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            _wait_for(port)
            time.sleep(0.3)
            assert client.get(reverse("inbox:ticket", args=[ticket.pk])).status_code == 200
            assert cache.get("staff:queue-workers:version") is not None  # in use again
        finally:
            restarted.kill()
            restarted.wait()
    said = [record.getMessage() for record in caplog.records if record.name == "oss_inbox.cache_backend"]
    assert len(said) == 2 and "cannot be reached" in said[0] and "answers again" in said[1]


def test_a_change_made_while_redis_did_not_answer_is_seen_once_it_answers_again(redis_server, monkeypatch):
    """Redis keeps its data but does not answer (SIGSTOP, as behind a broken network): the list
    stored before the change must not be read after the outage, though it is still in Redis."""
    process, port = redis_server
    monkeypatch.setattr(cache_backend, "RETRY_SECONDS", 0.2)
    with caches_at(f"redis://127.0.0.1:{port}/6", monkeypatch):
        assert cached_list("test:names", lambda: ["before"]) == ["before"]
        process.send_signal(signal.SIGSTOP)
        try:
            _move_on("test:names")  # the change: its move-on times out
            assert cached_list("test:names", lambda: ["after"]) == ["after"]  # from the database meanwhile
        finally:
            process.send_signal(signal.SIGCONT)
        time.sleep(0.3)
        assert cached_list("test:names", lambda: ["after"]) == ["after"]
        assert cached_list("test:names", lambda: ["not built again"]) == ["after"]  # cached again


def _refusing(port, mode):
    """Make the redis-server on `port` answer errors instead of values, as a Redis in trouble does."""
    import redis

    client = redis.Redis(port=port)
    if mode == "writes":  # NOREPLICAS on every write: like MISCONF after a failed snapshot
        client.config_set("min-replicas-to-write", 1)
    else:  # MASTERDOWN on every read, READONLY on every write: a replica whose master is gone
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            dead = probe.getsockname()[1]
        client.config_set("replica-serve-stale-data", "no")
        client.replicaof("127.0.0.1", dead)
    client.close()


@pytest.mark.parametrize("mode", ["writes", "reads"])
def test_a_redis_that_answers_errors_degrades_the_pages_and_says_so_once(
    client, agent, twitter, redis_server, monkeypatch, caplog, mode
):
    _, port = redis_server
    monkeypatch.setattr(cache_backend, "RETRY_SECONDS", 0.05)
    _refusing(port, mode)
    ticket = open_ticket(twitter)
    client.force_login(agent)
    with caches_at(f"redis://127.0.0.1:{port}/6", monkeypatch), caplog.at_level(logging.WARNING):
        for _ in range(3):
            for url in (reverse("inbox:queue"), reverse("inbox:ticket", args=[ticket.pk])):
                assert client.get(url).status_code == 200
            time.sleep(0.1)  # past the retry interval: Redis is asked again, and still refuses
    said = [record.getMessage() for record in caplog.records if record.name == "oss_inbox.cache_backend"]
    assert len(said) == 1 and f"127.0.0.1:{port}/6 cannot be reached" in said[0]


def test_a_decr_refused_during_an_outage_is_replayed_as_a_decr(redis_server, monkeypatch):
    import redis

    _, port = redis_server
    monkeypatch.setattr(cache_backend, "RETRY_SECONDS", 0.05)
    with caches_at(f"redis://127.0.0.1:{port}/6", monkeypatch):
        cache.set("counter", 10, timeout=None)
        _refusing(port, "writes")
        for change in (cache.decr, cache.decr, cache.incr):
            time.sleep(0.1)  # each one reaches Redis and is refused
            with pytest.raises(ValueError):
                change("counter")
        redis.Redis(port=port).config_set("min-replicas-to-write", 0)
        time.sleep(0.1)
        assert cache.get("counter") == 9  # owed: -1 -1 +1, replayed before the read
