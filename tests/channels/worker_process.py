"""A worker in a process of its own polling one account, for tests that kill it mid-poll.

It needs the test database to be PostgreSQL: an in-memory SQLite one is not shared.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

from ..outside import seconds_ahead_of_the_real_clock

ROOT = Path(__file__).resolve().parents[2]
# The worker's clock runs where the test's does (tests/conftest.py moves it to working hours).
CHILD_POLL = """
import os, sys, time
import time_machine
time_machine.travel(time.time() + float(sys.argv[2]), tick=True).start()
os.environ["DJANGO_SETTINGS_MODULE"] = "oss_inbox.settings"
import django
django.setup()
from channels.polling import account_poll
account_poll(int(sys.argv[1]))
"""


def database_url_of_this_run():
    database = connection.settings_dict
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    return f"postgres://{database['USER']}{password}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


def poll_in_another_process(account_id, output):
    """The worker polling the account; what it prints goes to the file `output`."""
    with output.open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-c", CHILD_POLL, str(account_id), str(seconds_ahead_of_the_real_clock())],
            cwd=ROOT, stdout=log, stderr=log,
            env={**os.environ, "DATABASE_URL": database_url_of_this_run()},
        )  # fmt: skip


def wait_until(condition, timeout, explain):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, explain()
        time.sleep(0.01)
