"""Exact row counts of the registry's tables, kept by triggers (migration ``0016_row_counts``, PostgreSQL only).

A table's count is the sum of its deltas in ``cooperation_row_count``; NULL for a table that is
not counted (and on a database without the table's triggers, none is). Read in the same
statement as the rows it counts, it belongs to the same snapshot. Migration ``0017_dated_counts`` keeps,
in the same table under ``table.column`` keys, the rows where each timeline date is set; migration
``0018_names_versions``, under ``table.version``, a version of each narrow names table (+1 per statement
that changes it); migration ``0019_registry_version``, under ``registry.version``, one version of every
registry table together.
"""

from __future__ import annotations

from django.db import connections

from cooperation.compiled_queries import server_bound_cursor, text_literal

TABLE = "cooperation_row_count"
REGISTRY_VERSION = "registry.version"  # the key of migration 0019's version of the whole registry


def row_count_sql(table: str | None = None) -> str:
    """A scalar subquery of a table's exact row count, or NULL; its one parameter is the table's name, unless
    ``table`` names it in the text (then a prepared statement's generic plan estimates it as a custom plan would,
    and PostgreSQL keeps the generic plan instead of planning the statement again on every execution)."""
    return f"(SELECT SUM(n)::bigint FROM {TABLE} WHERE table_name = {'%s' if table is None else text_literal(table)})"


def registry_version_sql() -> str:
    """A scalar subquery of the registry's version (migration 0019): NULL in a transaction that wrote
    (its own changes are not committed: no version names what it sees) and where it is not kept."""
    return (
        f"(SELECT CASE WHEN txid_current_if_assigned() IS NULL THEN SUM(n)::bigint END "
        f"FROM {TABLE} WHERE table_name = '{REGISTRY_VERSION}')"
    )


def row_count(model, using: str) -> int | None:
    """``model``'s table's exact row count on ``using`` (PostgreSQL), or None where it is not kept."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {row_count_sql()}", [model._meta.db_table])
        return cursor.fetchone()[0]


def registry_version(using: str) -> int | None:
    """The registry's version as ``using`` sees it now (``registry_version_sql``); None off PostgreSQL."""
    if connections[using].vendor != "postgresql":
        return None
    with server_bound_cursor(None, using=using) as cursor:
        cursor.execute(f"SELECT {registry_version_sql()}")
        return cursor.fetchone()[0]
