"""Shared fixtures for the whole suite; what tests share besides fixtures is in the kit, ``tests/support/``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from api.core import counting, search_counts
from api.sql import document_cache
from api.sql import timeline as timeline_sql
from cooperation.seeding import seed
from cooperation.selectors import bounded_search
from tests.support.row_snapshots import Rows, capture_rows, replay_rows


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On SQLite, test in a temporary file rather than in memory.

    With an in-memory database the live server's request threads share one
    connection, so concurrent requests (a browser loading a page's data in
    parallel) interleave their savepoints; a file gives each thread its own.
    """
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        name = Path(tempfile.gettempdir()) / f"registry-test-{os.getpid()}.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(name)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test ends in the default language.

    LocaleMiddleware activates the request's language in the thread that serves it and leaves it
    active; with the test client that thread is the test's own, so a request in Russian would
    otherwise carry over into the next test.
    """
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_kept_page_kinds():
    """The timeline keeps the kinds each page statement found (``api.sql.timeline``); no test inherits another's."""
    timeline_sql._HELD.clear()


@pytest.fixture(autouse=True)
def _no_kept_estimates():
    """Count estimates are kept per process for a while (``api.core.counting``), searches' counts and records'
    documents per version (``api.core.search_counts``, ``api.sql.document_cache``); no test inherits another's."""
    counting.forget_estimates()
    search_counts.forget()
    document_cache.forget()


@pytest.fixture(autouse=True)
def _no_learned_search_shapes():
    """Global search remembers per process which ways a search filled (``bounded_search._learn``)."""
    bounded_search.forget_shapes()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Users are created in many tests; the default PBKDF2 would dominate the run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def seed_rows(django_db_setup, django_db_blocker) -> Rows:
    """The rows ``manage.py seed`` produces, captured once per session (then rolled back)."""
    return capture_rows(django_db_blocker, seed)


@pytest.fixture
def seeded(db, seed_rows):
    """The database as ``manage.py seed`` leaves it, restored in a few bulk inserts."""
    replay_rows(seed_rows)
