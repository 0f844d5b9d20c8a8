"""A costly database state built once and restored per test: ``capture_rows`` then ``replay_rows``.

The session's seed (``seeded``) and the generated corpora of the parity suites are built this way:
building them costs seconds (the corpus builder, labels, localized names), restoring their rows a
few bulk inserts. The database's triggers fire on the inserts as they did on the build.
"""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction

Rows = list[tuple[type, list[dict]]]


def registry_models() -> list[type]:
    return list(apps.get_app_config("cooperation").get_models())


class _Captured(Exception):
    """Raised to roll the build back once its rows are read."""


def capture_rows(django_db_blocker, build: Callable[[], object]) -> Rows:
    """The registry's rows after ``build()`` runs on the empty test database; the build is rolled back."""
    rows: Rows = []
    with django_db_blocker.unblock():
        try:
            with transaction.atomic():
                build()
                rows = [(model, list(model.objects.values())) for model in registry_models()]
                raise _Captured
        except _Captured:
            pass
    return rows


_SNAPSHOTS: dict[Callable[[], object], Rows] = {}


def restore(build: Callable[[], object], django_db_blocker) -> None:
    """``build()``'s rows in the test's (empty) database: built and captured on first use in the process,
    replayed from then on. For a function-scoped fixture that asks for ``db`` and nothing that writes."""
    if build not in _SNAPSHOTS:
        _SNAPSHOTS[build] = capture_rows(django_db_blocker, build)
    replay_rows(_SNAPSHOTS[build])


def replay_rows(rows: Rows) -> None:
    """Insert the captured rows again, and move the sequences past them."""
    for model, model_rows in rows:
        model.objects.bulk_create([model(**row) for row in model_rows])
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), registry_models()):
            cursor.execute(statement)
