"""Hubs: one primary database takes every write; a hub may read from a local streaming replica.

- ``routing``: the database router and the per-request choice it follows (reads, sessions).
- ``positions``: WAL positions: the primary's after a write (the consistency token), the replica's replay.
- ``replica``: where a read goes: the replica when it is up, not too far behind, and past the token.
- ``middleware``: decides per request, runs the view in its transaction there, issues and honours tokens.
- ``health``: ``/health/ready`` with the hub, each database and the replica's lag.

PostgreSQL's streaming replication copies the data; nothing here copies anything.
"""

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

PRIMARY = DEFAULT_DB_ALIAS
REPLICA = "replica"


def has_replica() -> bool:
    """Whether this hub has a read replica (``DATABASE_REPLICA_URL``)."""
    return REPLICA in connections.settings


def is_named_hub() -> bool:
    """One of several hubs: it has a replica, or a ``HUB_NAME`` of its own."""
    return has_replica() or settings.HUB_NAME != settings.DEFAULT_HUB_NAME
