"""Bounded counts: a list's ``count`` costs the same at any size (``settings.API_COUNT_BOUND``; with ``q``,
``settings.API_SEARCH_COUNT_BOUND``).

A page counts at most ``cap(offset, limit)`` matching records, one past the larger of
the bound and the page's end. Up to the cap the count is exact. Past it, ``count`` is
PostgreSQL's estimate, never below the cap + 1 records known to match: for the whole
table its exact row count where triggers keep it (``cooperation.row_counts``: every registry
table), else ``pg_class.reltuples`` (the statistics VACUUM and ANALYZE keep), read in the same
statement; for a filtered list the planner's row estimate of the count query, from one
``EXPLAIN`` sent only then, and kept by the process for ``ESTIMATE_SECONDS`` (the same search
asked again costs no second statement; the planner's figure moves only as the statistics do).
Counting past the page's end too keeps ``next`` exact: a deep page knows whether a
record follows it. SQLite counts every match.
"""

from __future__ import annotations

import json
import threading

from cachetools import TTLCache
from django.conf import settings
from django.db import connections
from django.db.models import QuerySet

from cooperation.compiled_queries import text_literal
from cooperation.row_counts import row_count_sql

LARGEST_CAP = 2**63 - 2  # cap + 1 is a LIMIT: a bigint
ESTIMATE_SECONDS = 30  # how long a planner's estimate is kept (per process, by database, statement and values)
ESTIMATES_KEPT = 1024
_estimates: TTLCache = TTLCache(maxsize=ESTIMATES_KEPT, ttl=ESTIMATE_SECONDS)
_estimates_lock = threading.Lock()  # (gunicorn's threads share the cache; cachetools' caches are not thread-safe)


def cap(offset: int, limit: int, searching: bool = False) -> int:
    """How many matches a page counts exactly: the bound (``q``'s, ``searching``), or the page's end when further."""
    bound = settings.API_SEARCH_COUNT_BOUND if searching else settings.API_COUNT_BOUND
    return min(max(bound, offset + limit), LARGEST_CAP)


def bounded(queryset: QuerySet) -> bool:
    """Whether the database bounds counts (PostgreSQL); SQLite counts every match."""
    return connections[queryset.db].vendor == "postgresql"


def whole_table(queryset: QuerySet) -> str | None:
    """The quoted name of the table ``queryset`` lists all of (no filter, no DISTINCT), else None."""
    query = queryset.query
    if query.where or query.distinct or query.combinator or query.is_sliced:
        return None
    return connections[queryset.db].ops.quote_name(queryset.model._meta.db_table)


def reltuples_sql(table: str | None = None) -> str:
    """A scalar subquery of a table's row estimate; its one parameter is the table's quoted name, unless ``table``
    (the quoted name) is given, written in the text (see ``row_count_sql``)."""
    named = "%s" if table is None else text_literal(table)
    return f"(SELECT reltuples::bigint FROM pg_class WHERE oid = {named}::regclass)"


def settle(queryset: QuerySet, counted: int, limit: int, statistic: int | None = None) -> tuple[int, bool]:
    """``count`` and ``count_exact`` from ``counted`` matches read up to ``limit`` + 1.

    Past ``limit``, the estimate: ``statistic`` (the table's, for a whole table) or the
    planner's estimate of ``queryset``'s rows, at least ``limit`` + 1.
    """
    if counted <= limit:
        return counted, True
    if statistic is None:
        statistic = planner_rows(queryset)
    return max(limit + 1, int(statistic)), False


def planner_rows(queryset: QuerySet) -> int:
    """The planner's estimate of how many records ``queryset`` matches (``EXPLAIN``, nothing run), kept for
    ``ESTIMATE_SECONDS``."""
    sql, params = queryset.values("pk").order_by().query.sql_with_params()
    key = (queryset.db, sql, params)
    try:
        with _estimates_lock:
            rows = _estimates.get(key)
    except TypeError:  # a parameter that is not hashable: not kept
        key = rows = None
    if rows is not None:
        return rows
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    rows = int(plan[0]["Plan"]["Plan Rows"])
    if key is not None:
        with _estimates_lock:
            _estimates[key] = rows
    return rows


def forget_estimates() -> None:
    """Drop the kept estimates (tests)."""
    with _estimates_lock:
        _estimates.clear()


def count(queryset: QuerySet, offset: int, limit: int, searching: bool = False) -> tuple[int, bool]:
    """``count`` and ``count_exact`` of ``queryset`` for the page at ``offset``: one statement (two past the cap)."""
    if not bounded(queryset):
        return queryset.count(), True
    most = cap(offset, limit, searching)
    sql, params = queryset.values("pk").order_by()[: most + 1].query.sql_with_params()
    columns, table = [f"(SELECT COUNT(*) FROM ({sql}) _all)"], whole_table(queryset)
    if table is not None:  # (the exact count where it is kept, else the estimate past the cap)
        columns = [row_count_sql(), f"CASE WHEN {row_count_sql()} IS NULL THEN {columns[0]} END", reltuples_sql()]
        params = (queryset.model._meta.db_table, queryset.model._meta.db_table, *params, table)
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)}", params)
        values = cursor.fetchone()
    if table is not None:
        kept, counted, statistic = values
        return (kept, True) if kept is not None else settle(queryset, counted, most, statistic)
    return settle(queryset, values[0], most)
