"""Shared fixtures for the whole suite; what tests share besides fixtures is in the kit, ``tests/support/``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import translation

from api.core import counting, search_counts
from api.sql import timeline as timeline_sql
from cooperation.seeding import seed
from cooperation.selectors import bounded_search


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
    """Count estimates are kept per process for a while (``api.core.counting``), and searches' counts per
    version (``api.core.search_counts``); no test inherits another's."""
    counting.forget_estimates()
    search_counts.forget()


@pytest.fixture(autouse=True)
def _no_learned_search_shapes():
    """Global search remembers per process which ways a search filled (``bounded_search._learn``)."""
    bounded_search.forget_shapes()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Users are created in many tests; the default PBKDF2 would dominate the run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _registry_models():
    return list(apps.get_app_config("cooperation").get_models())


@pytest.fixture(scope="session")
def seed_rows(django_db_setup, django_db_blocker) -> list[tuple[type, list[dict]]]:
    """The rows ``manage.py seed`` produces, captured once per session (then rolled back)."""
    rows = []

    class Captured(Exception):
        pass

    with django_db_blocker.unblock():
        try:
            with transaction.atomic():
                seed()
                rows = [(model, list(model.objects.values())) for model in _registry_models()]
                raise Captured
        except Captured:
            pass
    return rows


@pytest.fixture
def seeded(db, seed_rows):
    """The database as ``manage.py seed`` leaves it, restored in a few bulk inserts."""
    for model, rows in seed_rows:
        model.objects.bulk_create([model(**row) for row in rows])
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), _registry_models()):
            cursor.execute(statement)
