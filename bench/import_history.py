"""Time `manage.py import_history` and say the CPU it took, this process's and its PostgreSQL server
processes' (its own connection, the one writing the chunks, the one building indexes: the figures
to compare on a shared machine), with the load average before and after.

    DATABASE_URL=postgres://.../oss_import_into python bench/import_history.py --csv /tmp/history-100k.csv
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oss_inbox.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from bench.generate import server_cpu  # noqa: E402


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    started, cpu, server = time.monotonic(), time.process_time(), server_cpu()
    call_command("import_history", *argv)
    wall, cpu = time.monotonic() - started, time.process_time() - cpu
    server = server_cpu() - server if server is not None else None
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    server_text = f", its PostgreSQL processes {server:.1f} s" if server is not None else ""
    print(f"Wall {wall:.1f} s; CPU: this process {cpu:.1f} s{server_text}; "
          f"load average {' '.join(load_before)} before, {' '.join(load_after)} after")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
