"""Settings come from the environment; a bad value stops the start with the variable's name."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def start_with(**env):
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "name, value",
    [
        ("DEBUG", "maybe"),
        ("REOPEN_WINDOW_DAYS", "a week"),
        ("REOPEN_WINDOW_DAYS", "-1"),
        ("TIME_ZONE", "America/Springfield"),
        ("DATABASE_URL", "mysqlish://nowhere"),
        ("CACHE_URL", "memcached://x"),
        ("FIELD_ENCRYPTION_KEY", "not-a-fernet-key"),
        ("EMAIL_PORT", "twenty-five"),
        ("LOGIN_FAILURE_LIMIT", "five"),
        ("LOGIN_LOCKOUT_MINUTES", "0"),
        ("HSTS_SECONDS", "a year"),
        ("BEHIND_HTTPS_PROXY", "perhaps"),
    ],
)
def test_a_bad_value_fails_at_start_naming_the_variable(name, value):
    result = start_with(**{name: value})
    assert result.returncode != 0
    assert f"{name}={value!r} is invalid" in result.stderr


def test_production_without_a_secret_key_refuses_to_start():
    result = start_with(DEBUG="0", SECRET_KEY="")
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_defaults_start_on_one_laptop():
    result = start_with()
    assert result.returncode == 0, result.stderr
