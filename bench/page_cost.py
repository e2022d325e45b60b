"""Python function calls and CPU per request of the queue page, its htmx fragment, the ticket page and
the unchanged refresh (304), through Django's test client (DEBUG off, the bench agent of bench/inbox.py).

    DATABASE_URL=... CACHE_URL=redis://127.0.0.1:6379/1 python bench/page_cost.py --requests 20

The call count (cProfile's) is the same on a busy machine as on an idle one, so it compares two
versions of the code where the clock cannot (docs/BENCHMARKS.md, "Page cost (issue 18)"); the CPU
milliseconds, taken without the profiler, are printed beside it with the load average.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oss_inbox.settings")

import django  # noqa: E402
from django.apps import apps  # noqa: E402

if not apps.ready:
    django.setup()

from django.conf import settings  # noqa: E402

from bench.inbox import agent_client  # noqa: E402
from oss_inbox.tickets.models import OPEN_STATUSES, Ticket  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20, help="counted requests per page (default 20)")
    options = parser.parse_args(argv)
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = agent_client()
    soonest = Ticket.objects.filter(status__in=OPEN_STATUSES).order_by("sla_due_at", "id").first()
    etag = client.get("/queue/version/")["ETag"]
    pages = [
        ("Queue page (All open)", "/", {}),
        ("Live fragment (htmx)", "/", {"HX-Request": "true", "HX-Target": "queue-live"}),
        ("Ticket page", f"/tickets/{soonest.pk}/" if soonest else None, {}),
        ("Unchanged refresh (304)", "/queue/version/", {"If-None-Match": etag}),
    ]
    print("| Request | Python calls | CPU ms | load average |\n| --- | ---: | ---: | --- |")
    for name, url, headers in pages:
        if url is None:
            continue
        for _ in range(5):  # caches warm, as in a running server
            client.get(url, headers=headers)
        begin = time.process_time()
        for _ in range(options.requests):
            client.get(url, headers=headers)
        cpu = (time.process_time() - begin) * 1000 / options.requests
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(options.requests):
            client.get(url, headers=headers)
        profile.disable()
        calls = pstats.Stats(profile).total_calls // options.requests
        print(f"| {name} | {calls:,} | {cpu:.1f} | {os.getloadavg()[0]:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
