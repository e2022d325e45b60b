"""`make lint` catches what it is there for: an import against the layers fails import-linter, a line
over 110 characters fails ruff. Each tool runs with the project's own config, on a copy of the packages
or on a file in a temporary folder, and is also shown passing, so that no test passes for a wrong reason."""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "pyproject.toml"
FORBIDDEN = "from oss_inbox.inbox import views  # noqa\n"  # the SLA layer reaching up to the pages
LINE_LENGTH = tomllib.loads(CONFIG.read_text())["tool"]["ruff"]["line-length"]


def tool(name):
    """The console script installed beside this Python (make install's .venv/bin), else on PATH."""
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    assert found, f"{name} is not installed: make install"
    return found


def layers_contract():
    contracts = tomllib.loads(CONFIG.read_text())["tool"]["importlinter"]["contracts"]
    return next(contract["name"] for contract in contracts if contract["type"] == "layers")


@pytest.fixture
def project_copy(tmp_path):
    """oss_inbox, channels and pyproject.toml in a folder of their own."""
    for package in ("oss_inbox", "channels"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(CONFIG, tmp_path / "pyproject.toml")
    return tmp_path


def lint_imports(folder):
    # PYTHONPATH first: the copy is analysed, not the packages installed (editable) from ROOT.
    env = {**os.environ, "PYTHONPATH": str(folder)}
    command = [tool("lint-imports"), "pyproject.toml", "--no-cache", "--no-logo"]
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=60)


def test_the_unchanged_copy_keeps_every_contract(project_copy):
    done = lint_imports(project_copy)

    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{layers_contract()} KEPT" in done.stdout


def test_an_import_up_the_layers_breaks_the_layers_contract(project_copy):
    (project_copy / "oss_inbox" / "sla" / "forbidden.py").write_text(FORBIDDEN)

    done = lint_imports(project_copy)

    assert done.returncode != 0
    assert f"{layers_contract()} BROKEN" in done.stdout
    assert "oss_inbox.sla.forbidden -> oss_inbox.inbox.views" in done.stdout


def ruff_check(path):
    command = [tool("ruff"), "check", "--config", str(CONFIG), "--no-cache", "--output-format", "concise"]
    return subprocess.run([*command, str(path)], capture_output=True, text=True, timeout=60)


def file_with_a_line_of(folder, length):
    source = folder / "long_line.py"
    source.write_text('TEXT = "' + "x" * (length - len('TEXT = ""')) + '"\n')
    assert len(source.read_text().rstrip("\n")) == length
    return source


def test_ruff_accepts_a_line_as_long_as_the_limit(tmp_path):
    done = ruff_check(file_with_a_line_of(tmp_path, LINE_LENGTH))

    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_flags_a_line_one_character_longer(tmp_path):
    done = ruff_check(file_with_a_line_of(tmp_path, LINE_LENGTH + 1))

    assert done.returncode == 1
    assert (
        f"long_line.py:1:{LINE_LENGTH + 1}: E501 Line too long ({LINE_LENGTH + 1} > {LINE_LENGTH})"
        in done.stdout
    )
