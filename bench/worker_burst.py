"""`make run`'s worker on the normal path: short tasks through the embedded broker, timed.

The worker runs with make run's command line (two pool processes, the embedded SQLite broker) in a
temporary folder, with the drill test's task (tests/worker_drill_tasks.py). Printed: the worker's CPU over
20 idle seconds, the median time from sending one task to its work being done, and for a burst of N tasks
(sent one after another while the worker takes them) the wall time and the worker's CPU per task (its
main process and pool, from /proc). Compare runs by CPU per task: the wall time moves with the load.

    .venv/bin/python -m bench.worker_burst [--tasks 300]
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oss_inbox.settings")


def cpu_seconds(pid):
    """User and system CPU of the process and its children (the pool) so far."""
    pids = {pid}
    for task in Path(f"/proc/{pid}/task").iterdir():
        pids.update(int(child) for child in (task / "children").read_text().split())
    ticks = 0
    for one in pids:
        fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def wait_until(check, within=300):
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit("the worker did not finish in time")
        time.sleep(0.01)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=300)
    tasks = parser.parse_args().tasks
    import django

    django.setup()
    from tests.test_worker_drill import Worker

    worker = Worker(Path(tempfile.mkdtemp(prefix="worker-burst-")))
    log = worker.output.parent / "work.log"

    def done(prefix):
        return log.read_text().count(f"done {prefix}") if log.exists() else 0

    try:
        worker.send(str(log), "warm-up")
        wait_until(lambda: done("warm-up "), 120)
        time.sleep(2)
        before = cpu_seconds(worker.process.pid)
        time.sleep(20)
        idle = cpu_seconds(worker.process.pid) - before
        latencies = []
        for number in range(11):
            sent = time.monotonic()
            worker.send(str(log), f"one-{number}")
            wait_until(lambda name=f"one-{number} ": done(name))
            latencies.append(time.monotonic() - sent)
        before, started = cpu_seconds(worker.process.pid), time.monotonic()
        for number in range(tasks):
            worker.send(str(log), f"burst-{number}")
        wait_until(lambda: done("burst-") >= tasks)
        wall, used = time.monotonic() - started, cpu_seconds(worker.process.pid) - before
    finally:
        worker.stop()
    print(
        f"idle: {idle:.2f} s CPU per 20 s | one task sent -> done: median "
        f"{sorted(latencies)[5] * 1000:.0f} ms | {tasks} tasks: {wall:.1f} s ({tasks / wall:.0f}/s), "
        f"worker CPU {1000 * used / tasks:.1f} ms per task | "
        f"load average {' '.join(Path('/proc/loadavg').read_text().split()[:3])}"
    )


if __name__ == "__main__":
    main()
