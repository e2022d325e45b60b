"""`make run`'s supervisor: a process that dies is started again, one that keeps dying stops the run.

Real processes (small Python programs), real signals; the pauses are shortened.
"""

import sys
import threading
import time

import pytest

from oss_inbox import devserver

# Dies at its first start (when its marker file is missing), then runs until stopped.
DIES_ONCE = (
    "import pathlib, sys, time; m = pathlib.Path(sys.argv[1]); m.exists() or (m.touch(), sys.exit(3)); "
    "time.sleep(60)"
)


@pytest.fixture(autouse=True)
def short_pauses(monkeypatch):
    monkeypatch.setattr(devserver, "FIRST_PAUSE", 0.2)
    monkeypatch.setattr(devserver, "GIVE_UP_AFTER", 3)
    monkeypatch.setattr(devserver, "GRACE_SECONDS", 3)


class Supervised:
    """`supervise` over the given children in a thread, as `make run` runs it."""

    def __init__(self, children):
        self.children, self.stopping, self.result = children, threading.Event(), None
        for child in children:
            child.start()
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self):
        self.result = devserver.supervise(self.children, self.stopping)

    def stop(self):
        self.stopping.set()
        self.thread.join(10)
        devserver.stop_all(self.children)


def test_a_process_that_dies_is_started_again_and_the_others_keep_running(tmp_path, capsys):
    steady = devserver.Child("steady", [sys.executable, "-c", "import time; time.sleep(60)"])
    flaky = devserver.Child("flaky", [sys.executable, "-c", DIES_ONCE, str(tmp_path / "started")])
    run = Supervised([steady, flaky])
    try:
        first_steady, first_flaky = steady.process.pid, flaky.process.pid
        for _ in range(50):
            if flaky.process.pid != first_flaky and flaky.process.poll() is None:
                break
            time.sleep(0.1)
        assert flaky.process.pid != first_flaky and flaky.process.poll() is None, (
            "flaky was not started again"
        )
        assert steady.process.pid == first_steady and steady.process.poll() is None, "steady was disturbed"
    finally:
        run.stop()
    assert run.result is None
    assert "make run| flaky stopped (exit status 3); starting it again in 0 s." in capsys.readouterr().out
    assert steady.process.poll() is not None and flaky.process.poll() is not None, (
        "stop_all left a process running"
    )


def test_a_process_that_keeps_dying_stops_the_run_and_names_it(capsys):
    steady = devserver.Child("steady", [sys.executable, "-c", "import time; time.sleep(60)"])
    broken = devserver.Child("broken", [sys.executable, "-c", "import sys; sys.exit(2)"])
    run = Supervised([steady, broken])
    run.thread.join(20)
    run.stop()
    assert run.result == "broken"
    out = capsys.readouterr().out
    assert out.count("broken stopped (exit status 2)") == 2
    assert "broken died 3 times in a row (exit status 2); giving up." in out


def test_the_pause_doubles_while_a_process_dies_quickly_and_starts_over_after_a_healthy_run():
    child = devserver.Child("worker", ["true"])
    child.started_at = 1000.0
    pauses = []
    for _ in range(2):
        pauses.append(child.died(child.started_at + 5))
        child.started_at += 10
    child.started_at = 2000.0
    pauses.append(child.died(2000.0 + devserver.QUICK_DEATH_SECONDS + 1))  # it had run well for over a minute
    assert pauses == [0.2, 0.4, 0.2]


def test_the_demo_logins_are_shown_in_a_box(tmp_path, monkeypatch):
    saved = tmp_path / "demo-logins.txt"
    saved.write_text("USERNAME  ROLE   PASSWORD\ndana      Agent  s3cret-pass\n")
    monkeypatch.setattr(devserver, "logins_file", lambda: saved)
    lines = devserver.logins_box().splitlines()
    assert lines[0].startswith("+--") and lines[-1] == lines[0]
    assert any(line.startswith("| dana") and "s3cret-pass" in line and line.endswith(" |") for line in lines)
    assert str(saved) in lines[1], "the box says where the logins are kept"
    assert len({len(line) for line in lines}) == 1, "the box's sides line up"
    monkeypatch.setattr(devserver, "logins_file", lambda: tmp_path / "missing.txt")
    assert devserver.logins_box() is None
