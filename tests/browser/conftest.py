"""Fixtures for the browser tests: one headless Chromium per module, driven by Playwright's sync API.

The browser is Debian's Chromium (``/usr/bin/chromium``, installed by ``.ci/run``); Playwright never
downloads one. Deselect these tests with ``-m "not browser"`` where Chromium is not installed.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

from tests.support.roles import BROWSER_CURATOR, BROWSER_CURATOR_PASSWORD, ensure_role_groups

CHROMIUM = os.environ.get("BROWSER_TESTS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 15_000
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """A headless Chromium for the whole module.

    Playwright's sync API keeps an asyncio event loop running in the main thread, which makes
    Django refuse ORM calls there (``SynchronousOnlyOperation``). The tests only touch the
    database between browser calls, never concurrently, so the check is lifted while the
    browser is up (and only then).
    """
    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium, or deselect with -m 'not browser'")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                yield chromium
            finally:
                chromium.close()


@pytest.fixture
def page(browser) -> Iterator:
    """A fresh browser context (no cookies) and page per test, with bounded waits."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def registry(request, live_server, transactional_db) -> str:
    """The live server's base URL, with the seed data committed, the role groups present and a curator.

    ``seeded`` bulk-inserts model by model; the live server needs committed data and each insert
    would otherwise commit alone (tripping foreign-key checks), so it runs in one atomic block.
    """
    with transaction.atomic():
        request.getfixturevalue("seeded")
        ensure_role_groups()
    call_command("createcurator", BROWSER_CURATOR, "--password", BROWSER_CURATOR_PASSWORD, stdout=io.StringIO())
    return live_server.url


@pytest.fixture
def screenshot(page):
    """``screenshot("01-logged-in")``: a full-page PNG in artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take
