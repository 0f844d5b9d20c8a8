"""A ranked search's count kept per process, for the version of the names it counted (PostgreSQL).

A ``q`` list counts its matches up to the bound in the narrow names table (``api.core.ranked_search``): at
100,000 agreements a common word reads some 4,400 rows for that, a fifth of the request. Migration
``0018_names_versions`` keeps a version of that table that every committed change raises, so the same
count at the same version is the same number: the statement compares the version it sees with the one
this process counted at, and counts again only when they differ (``total_sql``: a ``CASE`` whose count
branch runs only then). The version comes back with the page (``version_sql``), and the new count is kept
(``keep``). Never stale: a change committed since shows as a new version; a transaction that wrote
neither uses nor reports a version (its own changes are not committed).
"""

from __future__ import annotations

import threading

from cachetools import LRUCache

from cooperation.row_counts import row_count_sql

COUNTS_KEPT = 1024  # (database, count statement) pairs a process keeps
_kept: LRUCache = LRUCache(maxsize=COUNTS_KEPT)
_lock = threading.Lock()  # (gunicorn's threads share the cache; cachetools' caches are not thread-safe)
UNKNOWN = -1  # a version no table has (versions start at 1 and grow)


def version_key(names_table: str) -> str:
    """The table's version key in ``cooperation_row_count`` (migration 0018)."""
    return f"{names_table}.version"


def version_sql() -> str:
    """A query of the names table's version, NULL in a transaction that wrote; one parameter, the key."""
    return f"SELECT CASE WHEN txid_current_if_assigned() IS NULL THEN {row_count_sql()} END"


def total_sql(count_sql: str) -> str:
    """The total of ``count_sql`` (matches up to the bound): the kept one where its version is the one seen.

    Parameters: the version key, the kept version (``UNKNOWN`` if none), the kept total."""
    return (
        f"CASE WHEN txid_current_if_assigned() IS NULL AND {row_count_sql()} = %s THEN %s::bigint "
        f"ELSE (SELECT COUNT(*) FROM ({count_sql}) _all) END"
    )


def kept(alias: str, count_sql: str) -> tuple[int, int]:
    """The version and total kept for the count statement on the database, else (``UNKNOWN``, 0)."""
    with _lock:
        return _kept.get((alias, count_sql), (UNKNOWN, 0))


def keep(alias: str, count_sql: str, version: int | None, total: int) -> None:
    """Keep the total counted at ``version`` (None: nothing to keep)."""
    if version is None:
        return
    with _lock:
        _kept[(alias, count_sql)] = (version, total)


def forget() -> None:
    """Drop every kept count (tests)."""
    with _lock:
        _kept.clear()
