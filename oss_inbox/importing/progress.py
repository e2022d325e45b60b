"""The import's progress on stderr: tickets done / total, rate, time left.

On a terminal one line is rewritten in place (a bar); otherwise (a log, a pipe) a plain line is
written at most every `every` seconds, and a last one at the end.
"""

from __future__ import annotations

import time
from typing import TextIO

BAR = 24


class Progress:
    def __init__(self, stream: TextIO, *, tty: bool | None = None, every: float = 5.0, clock=time.monotonic):
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self.every = 0.2 if self.tty else every
        self.clock = clock
        self.started = clock()
        self.shown_at = None
        self.shown_done = None

    def update(self, done: int, total: int | None = None) -> None:
        now = self.clock()
        if self.shown_at is not None and now - self.shown_at < self.every:
            return
        self.shown_at, self.shown_done = now, done
        self._show(self.line(done, total, now - self.started))

    def finish(self, done: int) -> None:
        elapsed = self.clock() - self.started
        if done != self.shown_done or self.tty:
            self._show(self.line(done, done, elapsed))
        if self.tty:
            self.stream.write("\n")
        self.stream.flush()

    def line(self, done: int, total: int | None, elapsed: float) -> str:
        rate = done / elapsed if elapsed > 0 else 0.0
        if total:
            total = max(total, done)
            share = done / total
            filled = round(BAR * share)
            bar = "[" + "#" * filled + "." * (BAR - filled) + "] " if self.tty else ""
            left = (total - done) / rate if rate else None
            eta = f", {_duration(left)} left" if left is not None and done < total else ""
            return f"{bar}{done:,} / {total:,} tickets ({share:.0%}), {rate:,.0f} tickets/s{eta}"
        return f"{done:,} tickets, {rate:,.0f} tickets/s"

    def _show(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r" + text.ljust(79))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
