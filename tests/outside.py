"""Tests that need something outside the project skip with their reason on a bare machine.

CI sets OSS_REQUIRE_ALL=1, which turns each such skip into a failure, so that CI always runs them.
"""

import os
import shutil
import socket
from pathlib import Path

import pytest
from django.db import connection

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def require(condition, reason):
    if condition:
        return
    if os.environ.get("OSS_REQUIRE_ALL") == "1":
        pytest.fail(f"OSS_REQUIRE_ALL=1 but {reason}")
    pytest.skip(reason)


def require_postgres():
    require(
        connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL=postgres://... (see README)"
    )


def require_redis():
    url = os.environ.get("CELERY_BROKER_URL", "")
    require(url.startswith("redis://") and _reachable(url), "needs Redis: set CELERY_BROKER_URL=redis://...")


def require_chromium():
    require(shutil.which("chromium") is not None, "needs Debian's chromium (apt-get install chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        require(False, "needs the playwright package (make test installs it)")


def require_corpus():
    require(CORPUS.is_dir(), f"needs the payload corpus at {CORPUS}")
    return CORPUS


def _reachable(url):
    from urllib.parse import urlparse

    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def seconds_ahead_of_the_real_clock():
    """How far the tests' clock (tests/conftest.py: working hours, maybe days ahead) runs ahead of the
    machine's, for a process or server outside the test process to run on the same clock."""
    import time

    import time_machine

    if not time_machine.escape_hatch.is_travelling():
        return 0.0
    return time.time() - time_machine.escape_hatch.time.time()
