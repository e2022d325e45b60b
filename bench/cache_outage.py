"""Pages while the Redis cache is down: status codes and the slowest answer, phase by phase.

    .venv/bin/python bench/cache_outage.py              # 20 s outages, as issue 13 measured

1. Start redis-server on a free port and two gunicorn workers with CACHE_URL pointing at it, on a
   new SQLite database in a temporary folder (an agent, an X account, one ticket).
2. An agent requests the ticket page and the queue in a loop through five phases: Redis up; Redis
   not answering (SIGSTOP, as behind a broken network: every call would time out); Redis back
   (SIGCONT); Redis killed (refused); Redis started again.
Prints one markdown row per phase, then the cache's log lines (one per worker per outage edge).
"""

import argparse
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.servers import signed_in, ticket_database, web_env, web_processes  # noqa: E402
from bench.stack import free_ports  # noqa: E402


def start_redis(port, folder):
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", folder]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    return process


def sweep(browser, base, ticket_id, label, seconds):
    codes, slowest, started = {}, 0.0, time.monotonic()
    while time.monotonic() - started < seconds:
        for path in (f"/tickets/{ticket_id}/", "/"):
            began = time.monotonic()
            status = browser.get(base + path, timeout=30).status_code
            slowest = max(slowest, time.monotonic() - began)
            codes[status] = codes.get(status, 0) + 1
    print(f"| {label} | {sum(codes.values())} | {codes} | {slowest * 1000:.0f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20, help="length of each outage")
    seconds = parser.parse_args().seconds
    folder = tempfile.mkdtemp(prefix="cache-outage-")
    [redis_port] = free_ports(1)
    redis_server = start_redis(redis_port, folder)
    env = web_env(folder, CACHE_URL=f"redis://127.0.0.1:{redis_port}/6")
    try:
        ticket_id = ticket_database(env)
        with web_processes(env, 1, workers=2) as [base]:
            browser = signed_in(base)
            print("| phase | requests | status codes | slowest (ms) |\n| --- | --- | --- | --- |")
            sweep(browser, base, ticket_id, "Redis up", 5)
            redis_server.send_signal(signal.SIGSTOP)
            sweep(browser, base, ticket_id, f"Redis not answering (SIGSTOP) {seconds} s", seconds)
            redis_server.send_signal(signal.SIGCONT)
            sweep(browser, base, ticket_id, "Redis answering again", 5)
            redis_server.kill()
            redis_server.wait()
            sweep(browser, base, ticket_id, f"Redis killed {seconds} s", seconds)
            redis_server = start_redis(redis_port, folder)
            sweep(browser, base, ticket_id, "Redis started again", 8)
    finally:
        redis_server.kill()
        redis_server.wait()
    for log in sorted(Path(folder).glob("web-*.log")):
        print("\n".join(line for line in log.read_text().splitlines() if "oss_inbox.cache_backend" in line))
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
