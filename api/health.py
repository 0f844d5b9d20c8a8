"""Health endpoints for load balancers and orchestrators (plain Django views, outside the API).

- ``GET /health``: liveness. The process answers; it never touches the database, so a
  database outage does not get healthy workers restarted.
- ``GET /health/ready``: readiness. 200 when the database answers a query and every
  migration on disk is applied; otherwise 503 with ``Retry-After`` and a body naming
  the failed check.

Neither is throttled nor authenticated (no DRF), cached, or wrapped in a request
transaction (``ATOMIC_REQUESTS`` would open a connection before the view runs).
"""

from __future__ import annotations

import logging

from django.db import DEFAULT_DB_ALIAS, Error, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from api.core.exceptions import DATABASE_RETRY_AFTER_SECONDS

logger = logging.getLogger(__name__)

OK = {"status": "ok"}


def database_check(alias: str = DEFAULT_DB_ALIAS) -> dict:
    """One round trip to the database."""
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Error as exc:
        logger.warning("Readiness: database %r unreachable: %s", alias, exc)
        return {"status": "fail", "detail": f"The database cannot be reached ({type(exc).__name__})."}
    return OK


def migrations_check(alias: str = DEFAULT_DB_ALIAS) -> dict:
    """Every migration on disk is recorded as applied in the database."""
    try:
        executor = MigrationExecutor(connections[alias])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Error as exc:
        logger.warning("Readiness: cannot read the applied migrations: %s", exc)
        return {"status": "fail", "detail": f"The applied migrations cannot be read ({type(exc).__name__})."}
    pending = [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
    if pending:
        return {"status": "fail", "detail": f"{len(pending)} unapplied migration(s).", "pending": pending}
    return OK


@never_cache
@require_safe
@transaction.non_atomic_requests
def live(request):
    return JsonResponse(OK)


@never_cache
@require_safe
@transaction.non_atomic_requests
def ready(request):
    checks = {"database": database_check()}
    if checks["database"] == OK:
        checks["migrations"] = migrations_check()
    else:
        checks["migrations"] = {"status": "unknown", "detail": "Not checked: the database cannot be reached."}
    if all(check == OK for check in checks.values()):
        return JsonResponse({"status": "ok", "checks": checks})
    response = JsonResponse({"status": "unavailable", "checks": checks}, status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response
