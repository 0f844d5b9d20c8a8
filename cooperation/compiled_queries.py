"""Queries the ORM compiles once and the database prepares once: for the statements every request runs.

Building and compiling a queryset costs more Python than running it, and Django's cursors bind
values into the SQL text, so PostgreSQL plans the statement again every time. ``CompiledQuery``
compiles a queryset once per database (with marker values in place of the request's) and runs
that SQL with the request's values; ``server_bound_cursor`` sends them apart from the text, so
psycopg prepares the statement on the connection after a few executions (``prepare_threshold``)
and PostgreSQL skips planning it.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable
from contextlib import contextmanager

import psycopg
from django.db import connections, router


@contextmanager
def server_bound_cursor(model, cursor_class=psycopg.Cursor, using: str | None = None):
    """A cursor that sends parameters separately (Django's sends them inlined in the SQL text).

    On ``using``, else on the database reads of ``model`` are routed to (a hub's replica, say).
    After a few executions of one text psycopg prepares it on the connection (``prepare_threshold``):
    PostgreSQL then skips parsing and planning it. Queries are logged as usual.
    ``psycopg.RawCursor`` takes ``$1`` placeholders as they are: psycopg parses ``%s`` placeholders
    out of a statement longer than 4 kB on every execution (it caches only shorter ones).
    """
    connection = connections[using or router.db_for_read(model)]
    connection.close_if_health_check_failed()  # as Django's cursors do: a connection dead since then is replaced
    connection.ensure_connection()
    raw = cursor_class(connection.connection)
    cursor = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    try:
        yield cursor
    finally:
        cursor.close()


@functools.lru_cache(maxsize=1024)
def numbered(sql: str) -> str:
    """``sql`` with its ``%s`` placeholders as ``$1``, ``$2``... (and ``%%`` as ``%``), for a
    ``psycopg.RawCursor``: psycopg parses the placeholders out of a statement longer than 4 kB on every
    execution; this does it once per text."""
    count = iter(range(1, 1 << 30))
    return _PLACEHOLDERS.sub(lambda found: "%" if found.group() == "%%" else f"${next(count)}", sql)


_PLACEHOLDERS = re.compile(r"%%|%s")


def text_literal(value: str) -> str:
    """``value`` as an SQL string literal, in a statement with ``%s`` placeholders (``%`` doubled)."""
    return "'" + value.replace("'", "''").replace("%", "%%") + "'"


class CompiledQuery:
    """``build(*values)``'s SQL, compiled once per database, run with other values.

    ``markers`` are values of the parameters' types that ``build`` passes through to its
    statement as they are (each at least once, and nothing else compiled from them): the
    statement's parameters that equal a marker take the request's value in its place; any
    other parameter is a constant of the statement and stays.
    """

    def __init__(self, build: Callable, *markers):
        self.build, self.markers = build, markers
        self._compiled: dict[str, tuple[str, tuple]] = {}
        self._lock = threading.Lock()

    def _statement(self, using: str) -> tuple[str, tuple, dict]:
        found = self._compiled.get(using)
        if found is None:
            compiler = self.build(*self.markers).using(using).query.get_compiler(using)
            sql, params = compiler.as_sql()
            positions = tuple(self.markers.index(p) if p in self.markers else None for p in params)
            if {i for i in positions if i is not None} != set(range(len(self.markers))):
                raise ValueError("every marker must reach the statement as a parameter of its own")
            # The columns' converters (a driver's raw values as the ORM would return them: aware datetimes on SQLite).
            converters = compiler.get_converters([column for column, _, _ in compiler.select[: compiler.col_count]])
            found = (sql, tuple(zip(positions, params, strict=True)), converters)
            with self._lock:
                self._compiled[using] = found
        return found

    def rows(self, model, *values, using: str | None = None) -> list[tuple]:
        """The statement's rows for ``values`` (in the markers' order), on ``using`` or where ``model`` reads."""
        using = using or router.db_for_read(model)
        sql, slots, converters = self._statement(using)
        params = [values[i] if i is not None else constant for i, constant in slots]
        connection = connections[using]
        if connection.vendor == "postgresql":
            with server_bound_cursor(model, using=using) as cursor:
                cursor.execute(sql, params)
                rows = cursor.fetchall()
        else:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                rows = cursor.fetchall()
        if not converters:
            return rows
        converted = []
        for row in rows:
            row = list(row)
            for position, (functions, expression) in converters.items():
                for convert in functions:
                    row[position] = convert(row[position], expression, connection)
            converted.append(tuple(row))
        return converted


__all__ = ["CompiledQuery", "numbered", "server_bound_cursor", "text_literal"]
