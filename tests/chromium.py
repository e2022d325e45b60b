"""Debian's chromium driven by Playwright's sync API: one browser per test process.

The fixture is registered once, in tests/conftest.py, for every folder: Playwright's sync API
refuses to start while another sync session runs in the same process, so a second copy of the
fixture (or a test starting its own) would fail whenever both land in one pytest-xdist worker.
"""

import pytest

from tests.outside import require_chromium

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()
