"""``GET /health/ready`` at a hub: the hub, each database, the replica's lag, and whether writes work.

A single-database site without a hub name answers exactly as ``api.health.ready`` always
has. A named hub, or one with a replica, adds to that body:

- ``hub``: its ``HUB_NAME``;
- ``reads``: where a read without a token goes now (``replica``, ``primary``, or ``unavailable``);
- ``writes``: ``available`` while the primary answers, else ``unavailable``;
- ``checks.replica``: ``status`` (``ok``, ``lagging`` past ``REPLICA_MAX_LAG_S``, or ``fail``),
  ``standby`` (false once promoted), ``wal_receiver`` (``streaming`` while fed by the
  primary), and ``lag_bytes``/``lag_seconds`` behind the primary (behind what it has
  received, when the primary is down).

It stays 200 ("ready") while the hub can serve reads, from either database: ``status`` is
``ok`` when everything works, ``degraded`` when the primary or the replica does not.
``checks.database`` is the primary, as before.
"""

from __future__ import annotations

import contextlib
import logging
import math

from django.conf import settings
from django.db import Error, transaction
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from api import health
from api.core.exceptions import DATABASE_RETRY_AFTER_SECONDS
from config.hubs import PRIMARY, REPLICA, has_replica, is_named_hub
from config.hubs.positions import primary_position, replica_state

logger = logging.getLogger(__name__)


def replica_check() -> dict:
    try:
        state = replica_state(REPLICA)
    except Error as exc:
        logger.warning("Readiness: replica unreachable: %s", exc)
        return {"status": "fail", "detail": f"The replica cannot be reached ({type(exc).__name__})."}
    primary = None  # unknown while the primary is down (the database check says so): measured against what was received
    with contextlib.suppress(Error):
        primary = primary_position(PRIMARY)  # read after the replica's, so the difference is never negative
    seconds = state.lag_seconds(primary)
    lagging = seconds > settings.REPLICA_MAX_LAG_S
    return {
        "status": "lagging" if lagging else "ok",
        "standby": state.standby,
        "wal_receiver": state.wal_receiver,
        "lag_bytes": state.lag_bytes(primary),
        "lag_seconds": None if math.isinf(seconds) else round(seconds, 3),
    }


def hub_checks() -> tuple[dict, str, str]:
    """The checks, where tokenless reads go, and whether writes work."""
    checks = {"database": health.database_check(PRIMARY)}
    primary_ok = checks["database"] == health.OK
    if has_replica():
        checks["replica"] = replica_check()
        replica_ok = checks["replica"]["status"] != "fail"
    else:
        replica_ok = False
    serving = PRIMARY if primary_ok else REPLICA if replica_ok else None
    if serving is None:
        checks["migrations"] = {"status": "unknown", "detail": "Not checked: no database can be reached."}
    else:
        checks["migrations"] = health.migrations_check(serving)
    if replica_ok and (checks["replica"]["status"] == "ok" or not primary_ok):
        reads = "replica"
    else:
        reads = "primary" if primary_ok else "unavailable"
    return checks, reads, "available" if primary_ok else "unavailable"


@never_cache
@require_safe
@transaction.non_atomic_requests
def ready(request):
    if not is_named_hub():
        return health.ready(request)
    checks, reads, writes = hub_checks()
    can_read = reads != "unavailable" and checks["migrations"] == health.OK
    failing = [name for name, check in checks.items() if check.get("status") != "ok"]
    status = "unavailable" if not can_read else "degraded" if failing else "ok"
    payload = {"status": status, "hub": settings.HUB_NAME, "reads": reads, "writes": writes, "checks": checks}
    response = JsonResponse(payload, status=200 if can_read else 503)
    if not can_read:
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response
