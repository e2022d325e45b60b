"""The task tests/test_worker_drill.py gives a real worker (which loads this module with --include).

It notes its start and, last, its work ("done"), each a line in a log file. Its first run of a name waits
long enough to be killed mid-task; a later run of the same name (a redelivery) does its work at once.
"""

import os
import time
from pathlib import Path

from oss_inbox.celery import app


@app.task(name="tests.worker_drill.work")
def work(log, name, first_run_seconds=0):
    log = Path(log)
    first_run = not (log.parent / f"{name}.started").exists()
    (log.parent / f"{name}.started").touch()
    _note(log, f"start {name} {os.getpid()}")
    if first_run:
        time.sleep(first_run_seconds)
    _note(log, f"done {name} {os.getpid()}")


def _note(log, line):
    with log.open("a") as file:
        file.write(f"{line}\n")
