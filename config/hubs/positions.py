"""WAL positions: the primary's after a write (the consistency token) and how far a replica has replayed.

A position is a byte offset in PostgreSQL's write-ahead log, which only grows (a promoted
standby continues from where it stopped, so tokens stay comparable after a failover).
Tokens travel as the position in hexadecimal (``103000060`` for what PostgreSQL writes
``1/3000060``); clients treat them as opaque.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db import connections

from api.core.hub_headers import TOKEN_SYNTAX


class MalformedToken(ValueError):
    pass


def parse_token(value: str) -> int:
    """A token's position; ``MalformedToken`` unless it is 1 to 16 hexadecimal digits."""
    if not TOKEN_SYNTAX.fullmatch(value):
        raise MalformedToken(
            f"Malformed Consistency-Token {value[:40]!r}: send back the value a write returned, e.g. 103000060."
        )
    return int(value, 16)


def format_token(position: int) -> str:
    return f"{position:X}"


def supports_positions(alias: str) -> bool:
    return connections[alias].vendor == "postgresql"


def primary_position(alias: str) -> int | None:
    """The primary's WAL write position now (None off PostgreSQL).

    Read after a write's COMMIT returned: with ``synchronous_commit`` on (PostgreSQL's
    default), the commit record is written by then, so the position is at or past it.
    """
    if not supports_positions(alias):
        return None
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")
        return cursor.fetchone()[0]


REPLICA_STATE_SQL = """
SELECT standby,
       pg_wal_lsn_diff(replayed, '0/0')::bigint,
       pg_wal_lsn_diff(COALESCE(received, replayed), '0/0')::bigint,
       EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8,
       (SELECT status FROM pg_stat_wal_receiver)
FROM (SELECT pg_is_in_recovery() AS standby,
             CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END AS replayed,
             CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() END AS received) AS now
"""


@dataclass(frozen=True)
class ReplicaState:
    """One look at a replica: what it has replayed and received, and how old its data may be.

    A server that is not in recovery (a promoted standby, or the same database standing in
    for a replica in tests) counts as fully caught up: its position is its own current one.
    """

    standby: bool
    replayed: int
    received: int
    replay_age_s: float | None  # since the last replayed transaction committed on the primary
    wal_receiver: str | None = None  # "streaming" while connected to the primary (None: not running, or hidden)

    def lag_bytes(self, primary: int | None = None) -> int:
        """WAL not yet replayed: up to the primary's position when known, else up to what was received."""
        if not self.standby:
            return 0
        return max(0, (self.received if primary is None else primary) - self.replayed)

    def lag_seconds(self, primary: int | None = None) -> float:
        """0 when nothing is left to replay; else an upper bound: the age of the last replayed commit."""
        if self.lag_bytes(primary) == 0:
            return 0.0
        return math.inf if self.replay_age_s is None else max(0.0, self.replay_age_s)

    def has_replayed(self, position: int) -> bool:
        return self.replayed >= position


def replica_state(alias: str) -> ReplicaState:
    with connections[alias].cursor() as cursor:
        cursor.execute(REPLICA_STATE_SQL)
        standby, replayed, received, age, receiver = cursor.fetchone()
    return ReplicaState(standby, replayed, received, age, receiver)
