"""The peer that bench/compare.py measures OSS Inbox against: django-helpdesk, as released.

1. `install()`: a virtualenv of its own in bench/peer/.venv (git-ignored) with requirements.txt.
2. `prepare(database_url)`: migrate its database; add its queues, twelve agents and the benchmark's
   staff user (PEER_USERNAME / PEER_PASSWORD, loopback only) unless they exist.
3. `command(*args)`: run bench/peer/manage.py in that virtualenv, against PEER_DATABASE_URL.

bench/peer/generate.py fills the tickets; bench/compare.py serves the site with gunicorn.
"""

import os
import subprocess
import sys
from pathlib import Path

PEER = Path(__file__).resolve().parent
VENV = PEER / ".venv"
PYTHON = VENV / "bin" / "python"
REQUIREMENTS = PEER / "requirements.txt"
INSTALLED = VENV / ".installed"
PEER_USERNAME, PEER_PASSWORD = "bench", "bench-compare-peer"
QUEUES = (("x", "X (Twitter)"), ("facebook", "Facebook"), ("email", "Email"))
AGENTS = 12

PREPARE = f"""
from django.contrib.auth.models import User
from helpdesk.models import Queue

for slug, title in {QUEUES!r}:
    Queue.objects.get_or_create(slug=slug, defaults={{"title": title, "allow_email_submission": False}})
for number in range(1, {AGENTS} + 1):
    User.objects.get_or_create(
        username=f"agent{{number:02}}", defaults={{"is_staff": True, "first_name": f"Agent {{number}}"}}
    )
if not User.objects.filter(username={PEER_USERNAME!r}).exists():
    User.objects.create_user({PEER_USERNAME!r}, password={PEER_PASSWORD!r}, is_staff=True)
"""


def install():
    """Create bench/peer/.venv and install requirements.txt into it, once (again if the file changes)."""
    if INSTALLED.exists() and INSTALLED.stat().st_mtime >= REQUIREMENTS.stat().st_mtime:
        return
    print(f"Installing django-helpdesk into {VENV} (about a minute) ...", flush=True)
    if not PYTHON.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
    pip = [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(REQUIREMENTS)], check=True)
    INSTALLED.touch()


def environment(database_url, **extra):
    # DJANGO_SETTINGS_MODULE set here: the caller may have OSS Inbox's own in its environment.
    settings = {"DJANGO_SETTINGS_MODULE": "peerdesk.settings", "PYTHONUNBUFFERED": "1"}
    return {**os.environ, **settings, "PEER_DATABASE_URL": database_url, **extra}


def command(database_url, *args, **run_options):
    return subprocess.run(
        [str(PYTHON), "manage.py", *args], cwd=PEER, env=environment(database_url), check=True, **run_options
    )


def prepare(database_url):
    install()
    command(database_url, "migrate", "--verbosity", "0")
    command(database_url, "shell", "--command", PREPARE)
