"""Production answers carry HSTS, a Content-Security-Policy and secure cookies; every page carries the
policy, and no template holds what the policy would refuse (inline scripts, handlers, styles)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[1]

# Run in a fresh process: settings are read from the environment once, at import.
PRODUCTION_REQUEST = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings, setup_test_environment
setup_test_environment()
# Static files are not under test: no collectstatic manifest needed for {% static %}.
plain_static = {**settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=plain_static):
    response = Client().get("/login/", secure=True)
print(json.dumps({"status": response.status_code, "headers": dict(response.headers),
                  "cookie_secure": {name: bool(morsel["secure"])
                                    for name, morsel in response.cookies.items()},
                  "session_cookie_secure": settings.SESSION_COOKIE_SECURE}))
"""


@pytest.fixture(scope="module")
def production_login_page(tmp_path_factory):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "SECURE_COOKIES", "HSTS_SECONDS")
    }
    environment.update(
        DEBUG="0",
        SECRET_KEY="a-production-like-secret-key-for-this-test-only",
        OSS_VAR_DIR=str(tmp_path_factory.mktemp("var")),
        DJANGO_SETTINGS_MODULE="oss_inbox.settings",
    )
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_REQUEST],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_sends_hsts_for_a_year(production_login_page):
    assert production_login_page["status"] == 200
    hsts = production_login_page["headers"]["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 365 * 24 * 3600


def test_production_sends_the_content_security_policy(production_login_page):
    policy = production_login_page["headers"]["Content-Security-Policy"]
    assert (
        "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    )


def test_production_cookies_are_secure(production_login_page):
    assert production_login_page["session_cookie_secure"] is True
    assert production_login_page["cookie_secure"]["csrftoken"] is True


def test_docker_compose_does_not_turn_secure_cookies_off_by_default():
    compose = (ROOT / "docker-compose.yml").read_text()
    secure_cookies = re.search(r"^\s*SECURE_COOKIES:\s*(.+)$", compose, re.MULTILINE)
    assert secure_cookies is None or not re.search(r":-\s*(0|false|no|off)\b", secure_cookies.group(1))
    assert 'DEBUG: "0"' in compose


@pytest.mark.django_db
def test_every_page_carries_the_policy(client, agent):
    client.force_login(agent)
    policy = client.get(reverse("inbox:queue"))["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "style-src 'self'" in policy and "unsafe" not in policy


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE), "an inline <script>: move it to static/js"),
    (re.compile(r"\son[a-z]+\s*=", re.IGNORECASE), "an on...= handler: listen in static/js instead"),
    (re.compile(r"\sstyle\s*=", re.IGNORECASE), 'a style="" attribute: use a class in static/css'),
    (re.compile(r"<style\b", re.IGNORECASE), "an inline <style>: use static/css"),
]


def test_no_template_holds_what_the_policy_refuses():
    # Email templates (sent, not shown in the app) may style inline: mail clients need it.
    pages = [
        path
        for path in (ROOT / "templates").rglob("*.html")
        if "mail" not in path.name and "email" not in path.parts
    ]
    found = [
        f"{path.relative_to(ROOT)}: {why}"
        for path in pages
        for pattern, why in INLINE
        if pattern.search(path.read_text())
    ]
    assert found == []
