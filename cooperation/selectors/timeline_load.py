"""The records a timeline page names, loaded by id in statements whose text never changes.

A page of events names the same few organizations, agreements and sources many times. ``PageRecords``
loads each record once per page, whatever the number of events naming it, as one model instance shared
by those events, and wires the relations the events read (``link.organization``, ``claim.mission``...)
onto those shared instances. Each statement is written once per model and database (``WHERE id =
ANY(%s)`` on PostgreSQL, so the ids are its one parameter): no queryset is compiled per request.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache

import psycopg
from django.db import connections, models


@contextmanager
def prepared_cursor(alias: str) -> Iterator:
    """A cursor on ``alias`` that sends parameters separately, so that PostgreSQL prepares a statement run
    often (psycopg's ``prepare_threshold``) and skips parsing and planning it: the timeline's statements
    cost more to plan than to run. Logged like any query. Elsewhere, an ordinary cursor."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.close_if_health_check_failed()  # as Django's cursors do: a connection dead since then is replaced
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    cursor = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    try:
        yield cursor
    finally:
        cursor.close()


@lru_cache(maxsize=64)
def _select(model: type[models.Model], columns: tuple[str, ...] | None, keys: tuple[str, ...], order: str):
    """``SELECT`` (every concrete column, or ``columns``) of ``model``'s table: the SQL up to ``WHERE``, the
    key columns, the attribute names of the columns, and the ``ORDER BY`` (of column names)."""
    meta = model._meta
    fields = meta.concrete_fields if columns is None else [meta.get_field(name) for name in columns]
    names = ", ".join(f'"{field.column}"' for field in fields)
    key_columns = tuple(f'"{meta.get_field(key).column}"' for key in keys)
    order = ", ".join(f'"{meta.get_field(name).column}"' for name in order.split(",") if name)
    return f'SELECT {names} FROM "{meta.db_table}" WHERE ', key_columns, tuple(field.attname for field in fields), order


def _where_in(vendor: str, column: str, ids: list) -> tuple[str, list]:
    if vendor == "postgresql":
        return f"{column} = ANY(%s)", [ids]
    if not ids:
        return "FALSE", []
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", ids


class PageRecords:
    """Loads records by id on one database; ``alias`` is the database the timeline's rows are read from."""

    def __init__(self, alias: str):
        self.alias = alias
        self.connection = connections[alias]

    def rows(self, model, ids: Iterable, key: str = "id", columns: tuple[str, ...] | None = None, order: str = ""):
        """Tuples of ``columns`` (every concrete column) of ``model``'s rows whose ``key`` is in ``ids``."""
        return self.rows_where(model, {key: ids}, columns, order)

    def rows_where(
        self, model, keys: dict[str, Iterable], columns: tuple[str, ...] | None = None, order: str = "", via: str = ""
    ):
        """Tuples of ``columns`` of ``model``'s rows whose value of any key of ``keys`` is among its ids (one
        statement; ``via``: as ``instances``); also the columns' attribute names."""
        wanted = {key: sorted(set(ids)) for key, ids in keys.items()}
        head, key_columns, attnames, order = _select(model, columns, tuple(wanted), order)
        if via:
            column, table = f'"{model._meta.get_field(via).column}"', model._meta.db_table
            head = f'{head}{column} IN (SELECT {column} FROM "{table}" WHERE '
        if not any(wanted.values()):
            return [], attnames
        conditions, params = [], []
        for column, ids in zip(key_columns, wanted.values(), strict=True):
            condition, found = _where_in(self.connection.vendor, column, ids)
            conditions.append(condition)
            params += found
        sql = f"{head}{' OR '.join(conditions)}{')' if via else ''}{f' ORDER BY {order}' if order else ''}"
        with prepared_cursor(self.alias) as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
        converters = self._converters(model, attnames)
        if converters:
            found = [
                tuple(convert(value) if convert else value for value, convert in zip(row, converters, strict=True))
                for row in found
            ]
        return found, attnames

    def instances(self, model, ids: Iterable, key: str = "id", via: str = "") -> list[models.Model]:
        """``model``'s records whose ``key`` is in ``ids``, as instances (every column loaded); with ``via``,
        the records sharing their ``via`` column with those (the records' siblings, themselves included)."""
        found, attnames = self.rows_where(model, {key: ids}, via=via)
        return [model.from_db(self.alias, attnames, row) for row in found]

    def by_id(self, model, ids: Iterable) -> dict[int, models.Model]:
        return {record.pk: record for record in self.instances(model, ids)}

    def _converters(self, model, attnames: tuple[str, ...]) -> list | None:
        """Per column, the backend's and the field's conversion of a raw value (JSON, dates on SQLite...)."""
        return _converters(model, attnames, self.alias, self.connection.vendor)


@lru_cache(maxsize=64)
def _converters(model, attnames: tuple[str, ...], alias: str, vendor: str) -> list | None:
    connection = connections[alias]
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    converters, any_found = [], False
    for name in attnames:
        field = by_attname[name]
        column = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            any_found = True

            def convert(value, found=tuple(found), column=column, connection=connection):
                for converter in found:
                    value = converter(value, column, connection)
                return value

            converters.append(convert)
        else:
            converters.append(None)
    return converters if any_found else None


__all__ = ["PageRecords", "prepared_cursor"]
