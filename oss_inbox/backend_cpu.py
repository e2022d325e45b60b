"""CPU used so far by the PostgreSQL process serving this thread's connection, read from /proc when the
server runs on this machine: for the history import's summary line and the benchmarks, which report
the server's work beside their own (on a shared machine, CPU compares runs where the clock cannot)."""

import os
from pathlib import Path

from django.db import connection


def backend_pid_and_cpu() -> tuple[int, float] | None:
    """(pid, CPU seconds so far) of this thread's PostgreSQL backend; None for another database or when
    the server runs elsewhere."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # PostgreSQL on another machine
        return None
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backend_cpu() -> float | None:
    """CPU seconds so far of this thread's PostgreSQL backend, or None (see backend_pid_and_cpu)."""
    found = backend_pid_and_cpu()
    return found[1] if found else None
