"""Where a read goes: the replica when it is up, not too far behind, and past the client's token.

- Replica down (or it failed a moment ago): the primary, without trying the replica again
  for ``RETRY_S`` seconds (so an unreachable replica costs one connect timeout per
  process, not one per request).
- Replica lagging past ``REPLICA_MAX_LAG_S``: the primary; if the primary cannot be
  reached either, the replica after all, as long as it has replayed the token if any.
- A token the replica has not replayed: wait up to ``REPLICA_WAIT_MS`` for it, then the
  primary. Never the replica: such a read must not miss the client's write.
"""

from __future__ import annotations

import contextlib
import logging
import time

from django.conf import settings
from django.db import connections

from api.core.exceptions import DATABASE_UNAVAILABLE_ERRORS
from config.hubs import PRIMARY, REPLICA, has_replica
from config.hubs.positions import ReplicaState, replica_state

logger = logging.getLogger(__name__)

RETRY_S = 5.0
POLL_S = (0.002, 0.025)  # first and longest pause between looks while waiting for a token

_suspended_until: dict[str, float] = {}


def suspend(alias: str) -> None:
    """Leave ``alias`` alone for ``RETRY_S`` seconds (this process)."""
    _suspended_until[alias] = time.monotonic() + RETRY_S
    with contextlib.suppress(DATABASE_UNAVAILABLE_ERRORS):
        connections[alias].close()


def is_suspended(alias: str) -> bool:
    return time.monotonic() < _suspended_until.get(alias, 0.0)


def look(alias: str = REPLICA) -> ReplicaState | None:
    """The replica's state, or None (and suspended) when it cannot be reached."""
    if is_suspended(alias):
        return None
    try:
        return replica_state(alias)
    except DATABASE_UNAVAILABLE_ERRORS as exc:
        logger.warning("Replica %r unavailable, reading from the primary for %g s: %s", alias, RETRY_S, exc)
        suspend(alias)
        return None


def primary_reachable() -> bool:
    """One round trip to the primary (only for a lagging replica); False, and suspended, when it fails."""
    if is_suspended(PRIMARY):
        return False
    try:
        with connections[PRIMARY].cursor() as cursor:
            cursor.execute("SELECT 1")
    except DATABASE_UNAVAILABLE_ERRORS:
        suspend(PRIMARY)
        return False
    return True


def wait_for(position: int, state: ReplicaState) -> bool:
    """Whether the replica replays ``position`` within ``REPLICA_WAIT_MS``."""
    deadline = time.monotonic() + settings.REPLICA_WAIT_MS / 1000
    pause = POLL_S[0]
    while not state.has_replayed(position):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(pause, remaining))
        pause = min(pause * 2, POLL_S[1])
        state = look()
        if state is None:
            return False
    return True


def read_alias(token: int | None) -> str:
    """The database a safe request should read from, given the client's token (or None)."""
    if not has_replica():
        return PRIMARY
    state = look()
    if state is None:
        return PRIMARY
    if state.lag_seconds() > settings.REPLICA_MAX_LAG_S and primary_reachable():
        return PRIMARY
    if token is None or wait_for(token, state):
        return REPLICA
    return PRIMARY
