import os
import tempfile
from datetime import UTC, datetime, time, timedelta
from importlib import import_module
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission, User
from django.db.models import Q

from oss_inbox.staff.roles import ADMIN, AGENT, ROLE_PERMISSIONS, SUPERVISOR

from . import factories
from .chromium import browser  # noqa: F401 (one browser per test process, for every folder)
from .outside import require_postgres


def _user(username, role=None, **fields):
    user = User.objects.create_user(
        username, password="correct-horse-battery", first_name=username.title(), **fields
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def queue_worker(username):
    """A user who may work the queue, in a transactional test too: earlier ones flush the role groups
    (made by a migration), while permissions are made again after each flush."""
    user = User.objects.create_user(username, first_name=username.title())
    user.user_permissions.add(
        Permission.objects.get(codename="work_queue", content_type__app_label="tickets")
    )
    return user


def pytest_addoption(parser):
    parser.addoption(
        "--clock-ahead-days",
        type=int,
        default=int(os.environ.get("OSS_TEST_CLOCK_AHEAD_DAYS") or 0),
        help=(
            "Run every test with the clock this many days ahead (CI: 365), to prove none depends on "
            "today's date."
        ),
    )


@pytest.fixture(scope="session", autouse=True)
def _working_hours_clock(request):
    """The test process's wall clock starts at 10:00 in the team's zone on a weekday, and runs from
    there (time-machine: datetime, time.time and Django see it; the monotonic clock, sleeps and
    timeouts are untouched). Inside coverage hours, so that no test meets the out-of-hours
    acknowledgement, or any other rule of the time of day, just because the suite ran at night; a
    test about a time of day moves the clock itself.

    The weekday is the latest one on or before today (or, with --clock-ahead-days N, before the day
    N days from now): within days of the real clock, so cookies and outside servers still agree.

    Not libfaketime: Debian's 0.9.10 breaks CPython 3.11's timed waits (time.sleep fails with EINVAL,
    or Event.wait never returns), so no suite with threads or subprocesses can run under it."""
    with time_machine.travel(working_hours_start(request.config.getoption("--clock-ahead-days")), tick=True):
        yield


def working_hours_start(days_ahead=0):
    from django.conf import settings

    zone = ZoneInfo(settings.TIME_ZONE)
    day = (datetime.now(UTC) + timedelta(days=days_ahead)).astimezone(zone).date()
    while day.weekday() >= 5:  # Saturday, Sunday
        day -= timedelta(days=1)
    return datetime.combine(day, time(10, 0), tzinfo=zone)


# What a transactional test's flush leaves in place on PostgreSQL (see _quick_flush).
KEPT_BY_A_FLUSH = {"django_content_type", "auth_permission"}


@pytest.fixture(scope="session", autouse=True)
def _quick_flush(django_db_setup, django_db_blocker):
    """A transactional test ends by emptying every table: on PostgreSQL Django does it with one
    TRUNCATE of all of them, which makes each table a new file (350-400 ms a test here, for ~200
    tests: half a minute of the suite's wall time). DELETEs of the few rows a test wrote take a
    tenth of that. They run with triggers and foreign-key checks off for that transaction
    (session_replication_role, which needs a superuser: as CI's and this machine's PostgreSQL user
    is), so the order of the tables does not matter and no search trigger rewrites rows being
    deleted. Anything else (SQLite, another user, a flush that resets sequences) flushes as Django
    does.

    Such a flush keeps the content types and permissions, and then writes back every other row the
    migrations made (role groups and their permissions, SLA policies, acknowledgement texts, safety
    phrases and replies, moderation rules...), as read before the first test, instead of the
    flush's post_migrate (which would only look each permission up again, 80 ms a flush). So the
    database is as the migrations left it after every test, transactional or not: a test that
    pytest-xdist's worksteal hands to a process after its transactional tests still finds the role
    groups. Writing ~300 rows back takes a tenth of running the data migrations' code again.

    Yields whether flushes leave the migrations' rows in place (see _migration_data_after_a_flush)."""
    from django.core.management.commands import flush
    from django.db import connection
    from django.db.backends.postgresql.operations import DatabaseOperations

    if connection.vendor != "postgresql":
        yield False
        return
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            superuser = cursor.fetchone()[0]
        rows = _migration_rows() if superuser else None
    if not rows:
        yield False
        return
    truncate = DatabaseOperations.sql_flush
    emit_post_migrate = flush.emit_post_migrate_signal
    last_flush_kept = False

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        nonlocal last_flush_kept
        last_flush_kept = not (reset_sequences or not tables)
        if not last_flush_kept:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        # The content types and permissions stay: the migrations made them, the flush's post_migrate
        # would only make them again (most of the rest of a flush's time).
        deletes = [
            f"DELETE FROM {self.quote_name(table)}" for table in tables if table not in KEPT_BY_A_FLUSH
        ]
        return ["SET LOCAL session_replication_role = replica", *deletes]

    def emit_post_migrate_unless_kept(*args, **kwargs):
        if not last_flush_kept:
            emit_post_migrate(*args, **kwargs)

    def handle(command, **options):
        nonlocal last_flush_kept
        last_flush_kept = False
        flush_as_django_does(command, **options)
        # Also after a flush with post_migrate held back (a serialized_rollback test's): the rows
        # are back before the next test, whatever kind it is.
        if last_flush_kept:
            _write_back(rows, options["database"])

    flush_as_django_does = flush.Command.handle
    DatabaseOperations.sql_flush = sql_flush
    flush.emit_post_migrate_signal = emit_post_migrate_unless_kept
    flush.Command.handle = handle
    try:
        yield True
    finally:
        DatabaseOperations.sql_flush = truncate
        flush.emit_post_migrate_signal = emit_post_migrate
        flush.Command.handle = flush_as_django_does


def _migration_rows():
    """{model: (field names, rows)} of every table the migrations wrote rows in, but the content
    types and permissions; None if the role groups are missing (an earlier run's transactional test
    emptied a reused database)."""
    from django.apps import apps

    if not Group.objects.exists():
        return None
    rows = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.db_table in KEPT_BY_A_FLUSH or meta.proxy or not meta.managed or meta.parents:
            continue
        fields = [field.attname for field in meta.concrete_fields]
        found = list(model._base_manager.values_list(*fields))
        if found:
            rows[model] = (fields, found)
    return rows


def _write_back(rows, database):
    """The rows as they were read; any a flush left (one limited to some apps) stay as they are."""
    from django.db import transaction

    with transaction.atomic(using=database):  # foreign keys are checked at the commit: any order will do
        for model, (fields, found) in rows.items():
            written = [model(**dict(zip(fields, row, strict=True))) for row in found]
            model._base_manager.using(database).bulk_create(written, ignore_conflicts=True)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: cached menus and headers hold ids of an earlier test's rows."""
    from django.core.cache import cache

    from oss_inbox.cached import forget_local_copies

    cache.clear()
    forget_local_copies()  # the versions of a cleared cache can come again under a frozen clock


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings):
    """Almost every test makes users: the production hasher, slow on purpose, cost up to a second per
    user on a busy CI machine. Tests check who may sign in, not the hash's strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def migration_rows_back(_quick_flush):
    """True where each flush writes the migrations' rows back itself (_quick_flush, on PostgreSQL):
    a transactional test then has nothing to put back."""
    return _quick_flush


@pytest.fixture(autouse=True)
def _migration_data_after_a_flush(request):
    """A transactional test starts from a flushed database, without the rows the migrations create
    (the role groups, the default SLA policies and acknowledgement texts, the safety phrases and
    replies): put them back, as a fresh database has them (on PostgreSQL the flush itself does, see
    _quick_flush; elsewhere the data migrations' code runs again, after the flush made the
    permissions again)."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    if request.getfixturevalue("migration_rows_back"):
        return
    from django.apps import apps

    canned = import_module("oss_inbox.inbox.migrations.0002_canned_response_permissions").GRANTS
    for role, wanted in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        grants = [Q(codename=codename, content_type__app_label=app) for codename, app in wanted]
        grants.append(Q(codename__in=canned.get(role, []), content_type__app_label="inbox"))
        found = Permission.objects.filter(Q(*grants, _connector=Q.OR))
        group.permissions.set(found)
    import_module("oss_inbox.sla.migrations.0002_defaults").create_defaults(apps, None)
    import_module("oss_inbox.sla.migrations.0005_safety_policy").create_safety_policy(apps, None)
    import_module("oss_inbox.safety.defaults").create_defaults(apps, None)


@pytest.fixture(autouse=True)
def _needs_postgres(request):
    """A test marked `postgres` skips with its reason on SQLite (fails under OSS_REQUIRE_ALL=1);
    the marker lets a run leave such tests out with -m 'not postgres'."""
    if request.node.get_closest_marker("postgres"):
        require_postgres()


@pytest.fixture
def memory_tmp_path(tmp_path):
    """A temporary folder in memory (/dev/shm) where the machine has one, else tmp_path: for tests
    whose SQLite files (the embedded broker) commit and close hundreds of times. On disk each close of
    a WAL file waits for the disk (fsync), half of those tests' time; what they check (whole messages,
    each once, across threads and processes) rests on SQLite's locks, which tmpfs keeps."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    with tempfile.TemporaryDirectory(prefix="oss-test-", dir=shm) as folder:
        yield Path(folder)


@pytest.fixture
def team_mails_sent_at_once(monkeypatch):
    """Notification emails and on-call texts, which a worker sends (staff.tasks), sent in this
    process when queued: there is no worker in a unit test."""
    from oss_inbox.staff import notifications, tasks

    monkeypatch.setattr(notifications.send_mails, "delay", tasks.send_mails)


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
    where = (
        database["NAME"]
        if database["ENGINE"].endswith("sqlite3")
        else f"{database['HOST']}:{database['PORT']}"
    )
    ahead = config.getoption("--clock-ahead-days")
    return [
        f"clock: starts {working_hours_start(ahead):%a %Y-%m-%d %H:%M %Z}"
        + (f", {ahead} days ahead" if ahead else ""),
        f"database: {database['ENGINE'].rsplit('.', 1)[-1]} ({where}) - set DATABASE_URL to use another",
        f"broker: {settings.CELERY_BROKER_URL.split('@')[-1]} - set CELERY_BROKER_URL to use another",
    ]
