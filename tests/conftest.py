"""Shared fixtures for the whole suite."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction

from cooperation.seeding import seed


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
