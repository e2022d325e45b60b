"""How production serves the web app: read by docker-compose.yml's web command and `make serve`.

    gunicorn -c gunicorn.conf.py oss_inbox.wsgi:application

Chosen by measurement (bench/load.py, 100 agents keeping the queue open, docs/BENCHMARKS.md "100
agents"): sync workers, 2 x cores + 1 of them. A request here is mostly Python (rendering a page,
~50 ms of CPU) and short; several single-threaded processes let the kernel share the cores between
a page being rendered and a 5-second refresh check (a few ms), so the check does not queue behind
the page as it does with 2 workers, nor compete for one interpreter lock as threads (gthread) do.
gevent would not help: the time is CPU, not waiting. Sync workers need a proxy in front that
buffers slow clients (the TLS-terminating one README's production section asks for).

WEB_CONCURRENCY (worker processes), PORT (default 8000) and ACCESS_LOG ("-" for stdout, a file
name, or "" for none) change it; `--bind` and other command-line options override this file.
"""

import os

from oss_inbox.env import env_int, env_str


def _cores():
    try:
        return len(os.sched_getaffinity(0))  # the cores this container or process may use
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


bind = f"127.0.0.1:{env_int('PORT', 8000, minimum=1)}"
worker_class = "sync"
workers = env_int("WEB_CONCURRENCY", 2 * _cores() + 1, minimum=1)
# A request still running after this long is stopped (its worker restarted): longer than any page
# (the slowest, a dashboard's first view of a year at a million tickets, takes a few seconds).
timeout = 60
graceful_timeout = 30
accesslog = env_str("ACCESS_LOG", "-") or None
# The app's own log (settings.LOGGING) goes to stderr; gunicorn's errors with it.
errorlog = "-"
