"""Typed readers for environment variables.

Every setting comes from the environment with a default that works on one laptop. A value that
cannot be understood stops the process at start with a message naming the variable, instead of
surfacing later as a confusing failure deep inside a request or a task.
"""

import os
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class SettingError(ImproperlyConfigured):
    def __init__(self, name, value, expected):
        super().__init__(f"Environment variable {name}={value!r} is invalid: expected {expected}.")


def env_str(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise SettingError(name, raw, "one of 1/0, true/false, yes/no, on/off")


def env_int(name, default, *, minimum=None):
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise SettingError(name, raw, "a whole number") from None
    if minimum is not None and value < minimum:
        raise SettingError(name, raw, f"a whole number of at least {minimum}")
    return value


def env_list(name, default=()):
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_timezone(name, default):
    raw = os.environ.get(name, default)
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingError(name, raw, "an IANA time zone name such as America/Chicago") from None
    return raw


def env_days(name, default):
    return timedelta(days=env_int(name, default, minimum=0))


def env_decimal(name, default):
    """A non-negative amount, e.g. a price in dollars ("0.005"), exact (no float rounding)."""
    raw = os.environ.get(name, default)
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise SettingError(name, raw, "a number such as 0.005") from None
    if not value.is_finite() or value < 0:
        raise SettingError(name, raw, "a number of at least 0, such as 0.005")
    return value


def env_database(name, default):
    import dj_database_url

    raw = os.environ.get(name) or default
    try:
        config = dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True)
    except (ValueError, dj_database_url.UnknownSchemeError) as error:
        raise SettingError(name, raw, f"a database URL such as postgres://user@host/db ({error})") from None
    if not config.get("ENGINE"):
        raise SettingError(name, raw, "a database URL such as postgres://user@host/db")
    return config


def env_cache(name, default):
    """locmem:// (one process), redis://host:port/db, or dummy:// (no caching)."""
    raw = os.environ.get(name) or default
    scheme = raw.split("://", 1)[0]
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    if scheme in ("redis", "rediss"):
        # A miss, not an error, while Redis is down (oss_inbox/cache_backend.py); short timeouts, so
        # a Redis that does not answer costs a page a fraction of a second once, not seconds per call.
        return {
            "BACKEND": "oss_inbox.cache_backend.OutageSafeRedisCache",
            "LOCATION": raw,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    raise SettingError(name, raw, "locmem://, dummy:// or redis://host:port/db")


def env_fernet_keys(name, fallback_secret):
    """Comma-separated Fernet keys, newest first (older ones still decrypt, for rotation)."""
    import base64
    import hashlib

    from cryptography.fernet import Fernet

    raw = os.environ.get(name)
    if not raw:
        derived = base64.urlsafe_b64encode(hashlib.sha256(fallback_secret.encode()).digest())
        return [derived.decode()]
    keys = env_list(name)
    for key in keys:
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise SettingError(
                name, raw, "Fernet keys (32 url-safe base64-encoded bytes), comma-separated"
            ) from None
    return keys
