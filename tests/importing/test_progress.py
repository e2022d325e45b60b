"""The import's progress on stderr: done / total, rate and time left; plain lines off a terminal."""

import io

import pytest

from oss_inbox.importing.progress import Progress


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_plain_lines_in_a_log_at_most_every_few_seconds():
    stream, clock = io.StringIO(), Clock()
    progress = Progress(stream, tty=False, every=5, clock=clock)
    clock.now += 2
    progress.update(10_000, 40_000)
    clock.now += 1
    progress.update(15_000, 40_000)  # too soon after the last line: not shown
    clock.now += 5
    progress.update(40_000, 40_000)
    progress.finish(40_000)
    assert stream.getvalue().splitlines() == [
        "10,000 / 40,000 tickets (25%), 5,000 tickets/s, 6 s left",
        "40,000 / 40,000 tickets (100%), 5,000 tickets/s",
    ]


def test_a_bar_rewritten_in_place_on_a_terminal():
    stream, clock = io.StringIO(), Clock()
    progress = Progress(stream, tty=True, clock=clock)
    clock.now += 60
    progress.update(50_000, 200_000)
    assert stream.getvalue().startswith("\r[######..................] 50,000 / 200,000 tickets (25%)")
    assert "833 tickets/s, 3 min 00 s left" in stream.getvalue()


@pytest.mark.django_db
def test_the_command_shows_progress_on_stderr(run_import, tmp_path):
    path = tmp_path / "small.csv"
    path.write_text("ticket_id,message_time,body,customer\n1,2025-01-01 10:00,hi,a@example.com\n")
    out, err = run_import("--csv", str(path))
    assert err.startswith("1 / 1 tickets (100%)") and "tickets/s" in err
    assert "Imported 1 tickets" in out
