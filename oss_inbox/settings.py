"""All settings, read from the environment (see README's configuration table)."""

import re
from datetime import timedelta
from pathlib import Path

from .env import (
    SettingError,
    env_bool,
    env_cache,
    env_database,
    env_days,
    env_decimal,
    env_fernet_keys,
    env_int,
    env_list,
    env_str,
    env_timezone,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("OSS_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise SettingError("SECRET_KEY", "", "a long random string when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_celery_beat",
    "axes",
    "oss_inbox.staff",
    "oss_inbox.tickets",
    "oss_inbox.sla",
    "oss_inbox.safety",
    "oss_inbox.inbox",
    "oss_inbox.dashboards",
    "oss_inbox.keyaccounts",
    "oss_inbox.surveys",
    "oss_inbox.importing",
    "oss_inbox.incidents",
    "oss_inbox.demo",
    "channels",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # The versions of the cached lists a page reads, in one round trip to the cache (oss_inbox/cached.py).
    "oss_inbox.cached.VersionsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "oss_inbox.staff.middleware.RoleRequiredMiddleware",
    # When each signed-in person was last here, at most once a minute: automatic assignment gives
    # tickets only to people seen in the last minutes (oss_inbox/staff/last_seen.py).
    "oss_inbox.staff.last_seen.LastSeenMiddleware",
    # Times on every page in the viewer's own zone (their settings page), cached in the session.
    "oss_inbox.staff.middleware.StaffZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "oss_inbox.errors.NotFoundPageMiddleware",
    # Last, so that it sees the login view's answer and turns a locked-out attempt into its page.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # runserver serves static files in development; gunicorn needs WhiteNoise.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "oss_inbox.urls"
WSGI_APPLICATION = "oss_inbox.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "oss_inbox.sla.storm_context.storm_now",
            ],
        },
    },
]

# PostgreSQL connections are kept (env_database: CONN_MAX_AGE 60 s, checked before reuse with
# CONN_HEALTH_CHECKS, so a restarted server costs a reconnect, not an error): a web worker opens one
# per process, not one per request (a new PostgreSQL backend costs milliseconds of CPU).
DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'oss_inbox.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one SQLite file: WAL lets readers run beside a writer, and
    # IMMEDIATE transactions plus a busy timeout make concurrent writers wait instead of failing
    # with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env_cache("CACHE_URL", "locmem://")}

# Sessions: read from the cache, written through to the database (Django's "cached_db") when the cache is
# Redis, shared by every web process: a signed-in request reads no session row (the 5-second
# refresh check of a hundred open queues included), while the database stays the record. So a
# Redis restart or outage signs nobody out (a miss reads the row), signing out deletes the row, and
# LastSeenMiddleware's once-a-minute write still reaches the row that automatic assignment reads
# (oss_inbox/staff/last_seen.py). The cost: that write, and any session change, is one UPDATE plus
# one cache write. Signed-cookie sessions would read nothing but cannot be revoked on sign-out and
# hold no row for "seen lately"; a cache-only session would sign everyone out when Redis restarts.
# A session stays in the cache 5 minutes at most (oss_inbox/staff/sessions.py), so a sign-out the
# cache missed during a Redis outage cannot outlive that. With a per-process cache (locmem, `make
# run`) sessions stay in the database: another process would not see a sign-out.
SESSION_ENGINE = (
    "oss_inbox.staff.sessions"
    if CACHES["default"]["BACKEND"] == "oss_inbox.cache_backend.OutageSafeRedisCache"
    else "django.contrib.sessions.backends.db"
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "inbox:queue"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_timezone("TIME_ZONE", "America/Chicago")
# The app is written in English only (no message catalogs, no language switch). With translation on,
# Django asks for the active language on every URL reversed and number written: a thread-local
# look-up each, ~70 a ticket page (about 1 ms of its CPU).
USE_I18N = False
USE_TZ = True
# Dates and times written without a format of their own read as the rest of the app writes them
# ("Dec 7, 2026, 5:05 PM"): oss_inbox/formats/en/formats.py.
FORMAT_MODULE_PATH = ["oss_inbox.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HSTS: browsers that once reached the app over HTTPS never try plain HTTP again. Sent on HTTPS
# answers only; not for subdomains, which may be other teams' sites.
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
BEHIND_HTTPS_PROXY = env_bool("BEHIND_HTTPS_PROXY", False)
if BEHIND_HTTPS_PROXY:
    # One proxy in front terminates TLS and says so in X-Forwarded-Proto, and names the client in
    # X-Forwarded-For (login throttling counts by it); set only when it overwrites both headers.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp), enforced in development too, so that `make run` and the
# browser tests show a violation the day one is written. Scripts and styles come from our own
# static files only: no inline <script>, no style="" attributes, no CDN (htmx is vendored).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # data: for the browser's own form icons
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Login throttling (django-axes). The office shares one address, so addresses alone are not
# locked (one person's typos would lock out the whole team): a username is locked from one
# address after LOGIN_FAILURE_LIMIT failures in a row, for LOGIN_LOCKOUT_MINUTES, long enough to
# stop guessing (a few dozen tries an hour at most) and short enough to wait out. Failures are
# counted in the database, so every web process sees them. Admins unlock in Django admin or with
# `manage.py axes_reset_username <name>`.
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out sign-in before its password is checked.
    "oss_inbox.staff.lockout.LoginThrottleBackend",
    # ModelBackend, its permissions read from the shared cache (two queries a request fewer).
    "oss_inbox.staff.permissions.CachedPermissionsBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A try while locked out does not start the wait again, so "try again in N minutes" stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "oss_inbox.staff.lockout.lockout_response"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "oss_inbox.staff.lockout.client_address"

# Email the app itself sends (notifications); channel mailboxes have their own credentials.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 30
# With no EMAIL_HOST (as under `make run`) each email is written to a file under var/mail/ instead
# of the console, where hundreds of notifications would bury everything else.
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "OSS Inbox <oss-inbox@localhost>")

# Credentials of channel accounts are encrypted with these keys (newest first).
FIELD_ENCRYPTION_KEYS = env_fernet_keys("FIELD_ENCRYPTION_KEY", SECRET_KEY)

# Celery: Redis in production; with no broker configured, an embedded transactional broker (one
# SQLite file under var/, oss_inbox/embedded_broker.py) so that `make run` needs no server. The
# broker is never the source of truth (DESIGN.md).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or f"sqlite:///{VAR_DIR / 'broker.sqlite3'}"
if CELERY_BROKER_URL.startswith("sqlite://"):
    CELERY_BROKER_TRANSPORT = "oss_inbox.embedded_broker:Transport"
    # The embedded broker has no fan-out: no remote control, gossip or mingle between workers.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
else:
    # Redis hands an unacknowledged task (acks_late: its worker was killed) to another worker after
    # this long: 10 minutes, not an hour. It must outlast a task's longest stay in a worker, prefetched
    # behind one running task and then run itself (2 x the longest hard time limit, 240 s), or a live task is
    # delivered twice (harmless, they are idempotent, but wasted). No task uses countdown/eta: one
    # longer than this would be delivered again every 10 minutes. Polls and sends do not wait for it
    # anyway: the dispatcher and the outbox sweep re-create them from the database.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 150
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
# Synced into django-celery-beat's tables at beat start; admins may tune them in Django admin.
CELERY_BEAT_SCHEDULE = {
    "dispatch-polls": {"task": "channels.tasks.dispatch_polls", "schedule": 5.0},
    # One sweeper for everything that leaves (replies, acknowledgements, key-account mail).
    "sweep-outbox": {"task": "oss_inbox.tickets.tasks.sweep_outbox", "schedule": 30.0},
    "sla-scan": {"task": "oss_inbox.tickets.tasks.sla_scan", "schedule": 60.0},
    # The database records a schedule or policy change that open tickets still owe (the broker never is the
    # record).
    "sla-converge": {"task": "oss_inbox.tickets.tasks.sla_converge", "schedule": 60.0},
    # Tickets waiting for automatic assignment go to agents who came on shift or have room again.
    "assign-waiting": {"task": "oss_inbox.tickets.tasks.assign_waiting", "schedule": 60.0},
    "dashboards-rollup": {"task": "oss_inbox.dashboards.tasks.refresh_rollup", "schedule": 60.0},
    "key-account-update-reminders": {
        "task": "oss_inbox.keyaccounts.tasks.remind_updates",
        "schedule": 3600.0,
    },
    # Satisfaction surveys of tickets resolved SURVEY_DELAY_MINUTES ago (docs/surveys.md).
    "send-surveys": {"task": "oss_inbox.surveys.tasks.send_surveys", "schedule": 60.0},
    # New public comments the moderation rules have not checked yet (a task lost): channels/moderation/.
    "sweep-moderation": {"task": "channels.moderation.tasks.sweep_moderation", "schedule": 60.0},
    # Outage reports not yet read (a task lost), grouped into incidents (oss_inbox/incidents/).
    "sweep-outage-reports": {"task": "oss_inbox.incidents.tasks.sweep_outage_reports", "schedule": 60.0},
    "sweep-place-answers": {"task": "oss_inbox.incidents.answers.sweep_place_answers", "schedule": 60.0},
    "sweep-broadcasts": {"task": "oss_inbox.incidents.tasks.sweep_broadcasts", "schedule": 30.0},
    # Access tokens about to expire, or expired, told to the admins once each (channels/token_expiry.py).
    "token-expiry-alerts": {"task": "channels.tasks.alert_token_expiry", "schedule": 3600.0},
    # Webhook deliveries left pending (a worker killed, a task lost) are read again (channels/webhooks/).
    "sweep-webhooks": {"task": "channels.tasks.sweep_webhooks", "schedule": 30.0},
    "poll-outage-feeds": {"task": "oss_inbox.incidents.feed_tasks.poll_outage_feeds", "schedule": 30.0},
}
CELERY_TASK_ROUTES = {
    "channels.tasks.poll_account": {"queue": "polling"},
    "oss_inbox.tickets.tasks.deliver": {"queue": "sending"},
    "oss_inbox.tickets.tasks.reconcile": {"queue": "sending"},
}

# Domain settings.
REOPEN_WINDOW = env_days("REOPEN_WINDOW_DAYS", 7)
# The one-day promise used when no SLA policy matches a ticket (policies are edited in the app).
SLA_FIRST_RESPONSE_HOURS = env_int("SLA_FIRST_RESPONSE_HOURS", 24, minimum=1)
# Customer satisfaction (docs/surveys.md): a survey this long after a ticket is resolved; none at all
# while paused (storm mode will set it); a rating may be changed for this many days after it was sent.
SURVEY_DELAY_MINUTES = env_int("SURVEY_DELAY_MINUTES", 30, minimum=0)
SURVEYS_PAUSED = env_bool("SURVEYS_PAUSED", False)
SURVEY_RERATE_DAYS = env_int("SURVEY_RERATE_DAYS", 7, minimum=1)
# Storm mode (docs/storm.md): INCIDENT_SPIKE_REPORTS outage reports from one area within
# INCIDENT_SPIKE_MINUTES propose an incident there for a supervisor to confirm.
INCIDENT_SPIKE_REPORTS = env_int("INCIDENT_SPIKE_REPORTS", 5, minimum=1)
INCIDENT_SPIKE_MINUTES = env_int("INCIDENT_SPIKE_MINUTES", 15, minimum=1)
# Where people open the app: links in notification emails.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# Webhook health (channels/webhooks/health.py): an account's webhooks are judged stopped after this
# many minutes without a delivery while a poll finds new items, or after this many bad signatures in
# a row; polling then returns to its normal pace and the admins are told.
WEBHOOK_SILENCE = timedelta(minutes=env_int("WEBHOOK_SILENCE_MINUTES", 15, minimum=1))
WEBHOOK_SIGNATURE_FAILURES = env_int("WEBHOOK_SIGNATURE_FAILURES", 3, minimum=1)
# Webhook receivers (channels/webhooks/receive.py): a signed body whose newest event is older than
# WEBHOOK_MAX_AGE_HOURS (Meta retries a failed delivery for up to 36 hours) or dated over
# WEBHOOK_CLOCK_SKEW_SECONDS ahead is refused as a replay; so is a body over WEBHOOK_MAX_BYTES. A stored
# delivery that keeps failing is given up after WEBHOOK_MAX_ATTEMPTS reads.
WEBHOOK_MAX_AGE = timedelta(hours=env_int("WEBHOOK_MAX_AGE_HOURS", 36, minimum=1))
WEBHOOK_CLOCK_SKEW = timedelta(seconds=env_int("WEBHOOK_CLOCK_SKEW_SECONDS", 300, minimum=0))
WEBHOOK_MAX_BYTES = env_int("WEBHOOK_MAX_BYTES", 1024 * 1024, minimum=1024)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 5, minimum=1)
# The Graph API version every Facebook and Instagram call uses (an account's own "graph_version"
# setting, if an admin set one, overrides it). Meta retires a version about two years after its release.
GRAPH_API_VERSION = env_str("GRAPH_API_VERSION", "v24.0").strip()
if not re.fullmatch(r"v\d{1,3}\.\d{1,2}", GRAPH_API_VERSION):
    raise SettingError("GRAPH_API_VERSION", GRAPH_API_VERSION, "a Graph API version such as v24.0")
# The budget console's X spend estimate (channels/console.py), in US dollars: X's published pay-per-use
# prices, from docs.x.com/x-api/getting-started/pricing as read on 2026-12-07 ("Posts: Read $0.005 per
# resource", "DM Event: Read $0.010 per resource", "Content: Create $0.015 per request", "Content:
# Create (with URL) $0.200 per request"; a DM sent is "DM Interaction: Create", $0.015 too). X changes
# them: set the current ones here.
X_PRICE_POST_READ = env_decimal("X_PRICE_POST_READ", "0.005")
X_PRICE_DM_EVENT_READ = env_decimal("X_PRICE_DM_EVENT_READ", "0.010")
X_PRICE_POST_CREATE = env_decimal("X_PRICE_POST_CREATE", "0.015")
X_PRICE_POST_CREATE_WITH_URL = env_decimal("X_PRICE_POST_CREATE_WITH_URL", "0.200")
# Admins are told this many days before an account's access token expires, and again once it has.
TOKEN_EXPIRY_WARNING = env_days("TOKEN_EXPIRY_WARNING_DAYS", 7)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # runserver's request lines follow LOG_LEVEL too (`make run` sets WARNING: only failed requests).
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.server": {"level": env_str("LOG_LEVEL", "INFO")},
    },
}
