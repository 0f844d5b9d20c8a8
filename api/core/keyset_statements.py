"""Cursor pages' id statements, compiled once per query shape and run with each cursor's key values.

Building a keyset queryset (``api.core.cursors.beyond``: the row comparison, the region of
NULLs, the union of both regions' first rows) and compiling it costs more Python than
PostgreSQL spends finding the page's ids. The statement depends on the request only through
its filters, ordering, limit and language, the direction of travel and which key values are
NULL; the key values themselves are parameters. So it is compiled once per such shape, with
a marker in place of each key value, and later cursors of the same shape substitute their
values for the markers' parameters.

The key's parameters are found by compiling the shape twice, with two sets of markers: they
are the parameters that differ. A shape where that does not single out every key value is
remembered as one to compile every time.

Only on PostgreSQL, whose driver takes the key's values as they are (the SQLite backend turns
dates into text first); there the documents path (``api.sql.documents``) is the one that reads
cursor pages this way.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Hashable

from django.db import connections, models

from api.core.cursors import Cursor, Term, beyond
from cooperation.localization import active_language

SIZE = 256  # shapes held per process, cleared when full (a shape: a list, its filters, a direction)
_UNIQUE = uuid.uuid4().hex  # so no value a client sends can spell a text marker
_held: dict[Hashable, tuple[str, tuple, tuple[tuple[int, int], ...]] | None] = {}


def ids_statement(
    queryset: models.QuerySet, request, terms: list[Term], cursor: Cursor, limit: int, values: tuple[str, ...]
) -> tuple[str, tuple]:
    """The SQL and parameters of ``beyond(queryset, terms, cursor, limit, values)``, compiled once per shape."""
    if cursor.key is None or connections[queryset.db].vendor != "postgresql":
        return beyond(queryset, terms, cursor, limit, values).query.sql_with_params()
    shape = _shape(queryset, request, cursor, limit, values)
    if shape not in _held:
        if len(_held) >= SIZE:
            _held.clear()
        _held[shape] = _compiled(queryset, terms, cursor, limit, values)
    compiled = _held[shape]
    if compiled is None:
        return beyond(queryset, terms, cursor, limit, values).query.sql_with_params()
    sql, template, positions = compiled
    params = list(template)
    for position, index in positions:
        params[position] = cursor.key[index]
    return sql, tuple(params)


def _shape(queryset, request, cursor: Cursor, limit: int, values) -> Hashable:
    """Everything the statement's text and constant parameters depend on, besides the key's values."""
    query = tuple(sorted((name, tuple(items)) for name, items in request.query_params.lists() if name != "cursor"))
    nulls = tuple(value is None for value in cursor.key)
    return (queryset.model, queryset.db, request.path, query, active_language(), cursor.ordering, cursor.backward,
            nulls, limit, values)  # fmt: skip


def _compiled(queryset, terms: list[Term], cursor: Cursor, limit: int, values):
    """(sql, parameters with markers, (parameter position, key index) pairs), or None when they cannot be told apart.

    Compiled twice, with two sets of markers: the parameters that differ are the key's, and
    each must be its own marker of one set and of the other (a filter's parameters are the same
    in both, so never taken for a key value).
    """
    compiled = []
    for variant in (0, 1):
        markers = tuple(None if value is None else _marker(term, index, variant) for index, (term, value) in
                        enumerate(zip(terms, cursor.key, strict=True)))  # fmt: skip
        marked = Cursor(cursor.ordering, markers, cursor.backward)
        compiled.append((markers, *beyond(queryset, terms, marked, limit, values).query.sql_with_params()))
    (markers, sql, params), (other_markers, other_sql, other_params) = compiled
    if sql != other_sql or len(params) != len(other_params):
        return None
    positions = []
    for position, (param, other) in enumerate(zip(params, other_params, strict=True)):
        if type(param) is type(other) and param == other:
            continue
        index = next((i for i, marker in enumerate(markers) if marker is not None and _same(param, marker)), None)
        if index is None or not _same(other, other_markers[index]):
            return None
        positions.append((position, index))
    if {index for _, index in positions} != {i for i, marker in enumerate(markers) if marker is not None}:
        return None
    return sql, tuple(params), tuple(positions)


def _same(a, b) -> bool:
    return type(a) is type(b) and a == b


def _marker(term: Term, index: int, variant: int):
    """A value of the term's type, distinct for each key index and variant."""
    field, step = term.field, 2 * index + variant
    if field is None or isinstance(field, models.FloatField):
        return -1.0e300 - step * 1.0e285
    if isinstance(field, models.DateTimeField):
        return dt.datetime(1, 1, 1, 0, 0, 0, 1 + step, tzinfo=dt.UTC)
    if isinstance(field, models.DateField):
        return dt.date(1, 1, 1) + dt.timedelta(days=step)
    if isinstance(field, models.IntegerField | models.AutoField | models.BigAutoField) or field.primary_key:
        return 2**62 + 7919 * (step + 1)
    return f"keyset-marker-{step}-{_UNIQUE}"
