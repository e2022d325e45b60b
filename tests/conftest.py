import os
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from django.contrib.auth.models import Group, User

from oss_inbox.staff.roles import ADMIN, AGENT, SUPERVISOR

from . import factories
from .outside import require_postgres


def _user(username, role=None, **fields):
    user = User.objects.create_user(username, password="correct-horse-battery", first_name=username.title(), **fields)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def pytest_addoption(parser):
    parser.addoption(
        "--clock-ahead-days", type=int, default=int(os.environ.get("OSS_TEST_CLOCK_AHEAD_DAYS") or 0),
        help="Run every test with the clock this many days ahead (CI: 365), to prove none depends on today's date.",
    )


@pytest.fixture(scope="session", autouse=True)
def _clock_ahead(request):
    """With --clock-ahead-days N (or OSS_TEST_CLOCK_AHEAD_DAYS), the wall clock of the test process runs
    N days ahead for the whole session (time-machine: datetime, time.time and Django all see it; the
    monotonic clock, sleeps and timeouts are untouched). Tests that freeze their own clock still do.

    Not libfaketime: Debian's 0.9.10 breaks CPython 3.11's timed waits (time.sleep fails with EINVAL,
    or Event.wait never returns), so no suite with threads or subprocesses can run under it."""
    days = request.config.getoption("--clock-ahead-days")
    if not days:
        yield
        return
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=days), tick=True):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: cached menus and headers hold ids of an earlier test's rows."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _needs_postgres(request):
    """A test marked `postgres` skips with its reason on SQLite (fails under OSS_REQUIRE_ALL=1);
    the marker lets a run leave such tests out with -m 'not postgres'."""
    if request.node.get_closest_marker("postgres"):
        require_postgres()


@pytest.fixture
def agent(db):
    return _user("dana", AGENT)


@pytest.fixture
def other_agent(db):
    return _user("lee", AGENT)


@pytest.fixture
def supervisor(db):
    return _user("sam", SUPERVISOR)


@pytest.fixture
def admin_user(db):
    return _user("ada", ADMIN, is_staff=True)


@pytest.fixture
def outsider(db):
    """Logged in, but in no role."""
    return _user("olive")


@pytest.fixture
def twitter(db):
    return factories.account("twitter")


@pytest.fixture
def facebook(db):
    return factories.account("facebook")


@pytest.fixture
def mailbox(db):
    return factories.account("email")


def pytest_report_header(config):
    from django.conf import settings

    database = settings.DATABASES["default"]
    where = database["NAME"] if database["ENGINE"].endswith("sqlite3") else f"{database['HOST']}:{database['PORT']}"
    ahead = config.getoption("--clock-ahead-days")
    return [
        *([f"clock: {ahead} days ahead of today"] if ahead else []),
        f"database: {database['ENGINE'].rsplit('.', 1)[-1]} ({where}) - set DATABASE_URL to use another",
        f"broker: {settings.CELERY_BROKER_URL.split('@')[-1]} - set CELERY_BROKER_URL to use another",
    ]
