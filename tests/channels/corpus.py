"""The shared corpus of real channel payloads (../shared/corpus beside the repository).

Tests that read it call `require_corpus()`: without the folder they skip with the reason, except
when OSS_REQUIRE_ALL=1 (CI), where a missing corpus is a failure, not a silent pass.
"""

import json
import os
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def require_corpus() -> Path:
    if not CORPUS.is_dir():
        reason = f"the shared payload corpus is not at {CORPUS}"
        if os.environ.get("OSS_REQUIRE_ALL") == "1":
            pytest.fail(f"{reason} (OSS_REQUIRE_ALL=1 requires it)")
        pytest.skip(reason)
    return CORPUS


def load_json(relative_path: str) -> dict:
    return json.loads((require_corpus() / relative_path).read_text(encoding="utf-8"))


def load_bytes(relative_path: str) -> bytes:
    return (require_corpus() / relative_path).read_bytes()
