"""The serving setup that lets a hundred agents keep the queue open (README, Production; bench/load.py):
sessions read from the cache with the database as their record, kept database connections, and a
load script that only ever loads this machine."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bench.load import Refused, loopback_only
from bench.load import main as load_main
from oss_inbox.staff.last_seen import SEEN_EVERY, signed_in_user_ids

ROOT = Path(__file__).resolve().parents[1]
CACHED_DB = "oss_inbox.staff.sessions"  # Django's cached_db, 5 minutes at most in the cache
VERSION = reverse("inbox:queue-version")


def settings_under(**env):
    """SESSION_ENGINE, CONN_MAX_AGE and CONN_HEALTH_CHECKS as the settings module reads them in this
    environment (nothing is connected to: settings only parse the URLs)."""
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CACHE_URL")}
    environment.update(env)
    code = (
        "from django.conf import settings as s; d = s.DATABASES['default'];"
        "print(s.SESSION_ENGINE, d['CONN_MAX_AGE'], d.get('CONN_HEALTH_CHECKS', False))"
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    engine, age, checks = done.stdout.split()[-3:]
    return engine, int(age), checks == "True"


def test_production_reads_sessions_from_redis_and_keeps_postgres_connections():
    engine, age, checks = settings_under(
        DATABASE_URL="postgres://oss@db.invalid:5432/oss_inbox", CACHE_URL="redis://redis.invalid:6379/1"
    )
    assert engine == CACHED_DB
    assert age >= 60 and checks  # kept a minute, checked before reuse


def test_with_a_per_process_cache_sessions_stay_in_the_database():
    # locmem (make run): another process would not see a sign-out made in this one.
    engine, _, _ = settings_under(CACHE_URL="locmem://")
    assert engine == "django.contrib.sessions.backends.db"


@pytest.fixture
def production_sessions(settings):
    """The session engine production picks with Redis (the test's own cache stands in for it)."""
    settings.SESSION_ENGINE = CACHED_DB


@pytest.mark.django_db
def test_a_signed_in_refresh_check_reads_no_session_row(client, agent, production_sessions):
    client.force_login(agent)
    client.get(VERSION)  # the session was written when signing in: now it is in the cache
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(VERSION)
    assert answer.status_code == 200
    assert not [query["sql"] for query in queries if "django_session" in query["sql"]]


@pytest.mark.django_db
def test_an_agent_at_work_is_still_seen_and_a_redis_restart_signs_nobody_out(
    client, agent, production_sessions
):
    from django.core.cache import cache

    client.force_login(agent)
    assert client.get(VERSION).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(seconds=SEEN_EVERY + 1)):
        assert client.get(VERSION).status_code == 200
        # the once-a-minute "seen" write reached the row that automatic assignment reads
        assert agent.pk in signed_in_user_ids(timezone.now())
        cache.clear()  # Redis restarted empty
        with CaptureQueriesContext(connection) as queries:
            assert client.get(VERSION).status_code == 200  # not sent to the sign-in page
        assert [query for query in queries if "django_session" in query["sql"]]  # read from the row


@pytest.mark.django_db
def test_signing_out_ends_the_session_in_the_cache_too(client, agent, production_sessions):
    client.force_login(agent)
    cookie = client.cookies["sessionid"].value
    assert client.get(VERSION).status_code == 200
    client.post(reverse("logout"))
    client.cookies["sessionid"] = cookie  # the old cookie, kept by someone
    assert client.get(VERSION).status_code == 302  # to the sign-in page


@pytest.mark.django_db
def test_a_session_the_cache_kept_by_mistake_ends_within_five_minutes(client, agent, production_sessions):
    from django.contrib.sessions.models import Session

    client.force_login(agent)
    assert client.get(VERSION).status_code == 200
    Session.objects.all().delete()  # signed out while Redis was down: the cache never heard of it
    assert client.get(VERSION).status_code == 200  # still in the cache, for now
    with time_machine.travel(timezone.now() + timedelta(minutes=5, seconds=1)):
        assert client.get(VERSION).status_code == 302  # read from the database again: signed out


@pytest.mark.parametrize(
    "url",
    ["http://10.0.0.5:8000/", "http://192.168.1.20/", "https://example.com/", "http://0.0.0.0:8211",
     "http://[2001:db8::1]:8211/", "ftp://127.0.0.1/", "http:///nohost"],
)  # fmt: skip
def test_the_load_script_refuses_anything_but_this_machine(url):
    with pytest.raises(Refused):
        loopback_only(url)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8211", "http://127.0.0.2:8211/", "http://[::1]:8211", "http://localhost:8211"]
)
def test_the_load_script_accepts_loopback(url):
    assert loopback_only(url).rsplit(":", 1)[1].startswith("8211")


def test_the_load_script_stops_before_any_request_to_another_machine(monkeypatch, capsys):
    sent = []
    monkeypatch.setattr("bench.load.load", lambda *args: sent.append(args))
    with pytest.raises(SystemExit) as stopped:
        load_main(["--url", "http://10.1.2.3:8000", "--agents", "1", "--duration", "1"])
    assert stopped.value.code == 2 and not sent
    assert "not a loopback address" in capsys.readouterr().err
