"""List pages written by PostgreSQL: a read serializer compiled into one ``json_build_object``.

The list endpoints' cost was never the query: it was building ~800 model instances
and walking DRF's fields for a page of 50 agreements. On PostgreSQL, a list request
whose serializer is made only of fields this module understands is instead answered
from one JSON document per record, built by the database (as PostgREST does):

* the page's ids come from the usual queryset (filters, ``q``, ordering, pagination
  and permissions untouched), compiled by the ORM as a CTE;
* the same statement renders those records with ``json_build_object``/``json_agg``,
  compiled from the serializer the request would have used (after ``fields``,
  ``omit`` and ``expand``), nested lists ordered as their prefetch would be, and
  takes the total with them.

Anything the compiler does not know (a method field, a country list, a nested
list below the first level) makes it return ``None``, and the request takes the
ordinary DRF path. ``tests/api/test_sql_documents.py`` holds both paths to the
same output, record for record, for every resource. SQLite always takes DRF's path.
"""

from __future__ import annotations

import psycopg
from django.db import connection, router

from api.core.counting import reltuples_sql
from api.core.resource_urls import list_url, resource_for
from api.renderers.json import RawJSON
from api.sql import document_cache
from api.sql.compiled_cache import CompiledCache
from api.sql.compiler import Compiler
from cooperation.compiled_queries import numbered, server_bound_cursor
from cooperation.localization import active_language
from cooperation.row_counts import registry_version_sql, row_count_sql


class Documents:
    """Renders records of one model through a compiled serializer.

    Building and compiling the expression costs more than running it, so the
    statement is compiled once per serializer shape, site URL and language, and
    reused with the page's ids as its one varying parameter.
    """

    def __init__(self, sql: str, params: tuple):
        self.sql, self.params = sql, params  # the documents of the records in the CTE ``PAGE``
        self.key: str | None = None  # its digest in the documents' cache, once asked for

    @classmethod
    def for_view(cls, view) -> Documents | None:
        """The renderer of a list view's records, as this request shapes them (``fields``, ``omit``, ``expand``).

        Known shapes skip building the serializer; a new shape builds it once, which also
        validates the shape parameters.
        """
        if connection.vendor != "postgresql":
            return None
        request = view.request
        shape = tuple(request.query_params.get(name) for name in SHAPE_PARAMETERS)
        key = (type(view), shape, list_url(resource_for(view.queryset.model), request), active_language())
        if key not in _BY_SHAPE:
            if len(_BY_SHAPE) >= MAX_COMPILED:
                _BY_SHAPE.clear()
            _BY_SHAPE[key] = cls.for_serializer(view.get_serializer(many=True).child, request)
        return _BY_SHAPE[key]

    @classmethod
    def for_detail(cls, view) -> tuple[Documents, Documents] | None:
        """The renderers of one record for a detail view: as this request shapes it, and in full
        (the ETag's representation); None unless both compile."""
        if connection.vendor != "postgresql":
            return None
        request = view.request
        shape = tuple(request.query_params.get(name) for name in SHAPE_PARAMETERS)
        key = (type(view), "detail", shape, list_url(resource_for(view.queryset.model), request), active_language())
        if key not in _BY_SHAPE:
            if len(_BY_SHAPE) >= MAX_COMPILED:
                _BY_SHAPE.clear()
            shaped = cls.for_serializer(view.get_serializer(), request)
            context = {**view.get_serializer_context(), "detail": True, "shape": False}
            full = cls.for_serializer(view.get_serializer_class()(context=context), request)
            _BY_SHAPE[key] = (shaped, full) if shaped is not None and full is not None else None
        return _BY_SHAPE[key]

    @classmethod
    def for_serializer(cls, serializer, request) -> Documents | None:
        """The compiled renderer for this (shaped) serializer, or ``None`` to use DRF's path."""
        if connection.vendor != "postgresql":
            return None
        key = (
            type(serializer),
            tuple(serializer.fields),
            list_url(resource_for(serializer.Meta.model), request),
            active_language(),
        )
        return _COMPILED.get(key, lambda: cls.compile(serializer, request))

    @classmethod
    def compile(cls, serializer, request) -> Documents:
        model = serializer.Meta.model
        table = connection.ops.quote_name(model._meta.db_table)
        pk = connection.ops.quote_name(model._meta.pk.column)
        in_page = (
            model._default_manager.annotate(_document=Compiler(request).document(serializer, model))
            .order_by()
            .extra(where=[f"{table}.{pk} IN (SELECT pk FROM {PAGE})"])
            .values_list("pk", "_document")
        )
        sql, params = in_page.query.sql_with_params()
        return cls(sql, tuple(params))

    def page(
        self, ids, checks=(), count=None, rows=None, table=None, window=None, counted=None, reverse=False, keep=True
    ) -> tuple[int, int | None, RawJSON, list[int], bool]:
        """One page's bounded total and documents, in order, from one statement; and how many rows ``checks`` find.

        The documents come as one JSON array, PostgreSQL's text, rendered as it is (its
        whitespace differs from DRF's compact JSON: ``{"id" : 1, ...}``; the values do not).

        ``ids`` is a query of ``pk``: with ``rows`` (offset, limit), every match up to the
        count's cap, in order, which the page is a slice of and the total the length of;
        else the page itself, and ``count`` a query of the matching records' ``pk`` (up to
        the cap), counted apart. With ``window`` (offset, limit, settles), ``ids`` is the page
        and one row past it: when it finds from 1 to ``settles`` rows the total is the offset
        plus those rows, and the count is not run (PostgreSQL evaluates a subquery in a
        ``CASE`` branch not taken never). ``table`` (a quoted name) adds the table's row estimate,
        ``pg_class.reltuples`` (else None). ``counted`` (a table's name, for a list of the whole
        table) makes the total the table's exact row count where it is kept
        (``cooperation.row_counts``), and nothing else is counted. ``reverse``: ``ids`` come in the
        list's reverse order (a page read from the end). ``checks`` are statements counting
        something, with their parameters. One statement rather than one per part (existence
        checks, count, ids, documents) is one plan, prepared once per connection by psycopg for
        each combination of filters, and one round trip.

        Where the registry's records' documents are kept (``api.sql.document_cache``; not with
        ``keep`` false), the statement gives the page's ids and the registry's version instead of
        the documents, and those come from the cache (a second statement builds the missing ones).

        Returns the total, the estimate, the documents, the checks' counts, and whether the
        total is the kept exact count.
        """
        ids_sql, params = ids.sql_with_params()
        in_order = f"AS MATERIALIZED (SELECT _ids.pk, ROW_NUMBER() OVER () AS _n FROM ({ids_sql}) _ids(pk))"
        if rows is None:
            total, total_params = "NULL::bigint", ()
            if count is not None and hasattr(count, "total"):  # (a total kept apart: ``ranked_search.KeptCount``)
                total, total_params = count.total()
            elif count is not None:
                count_sql, total_params = count.sql_with_params()
                total = f"(SELECT COUNT(*) FROM ({count_sql}) _all)"
            if window is None:
                pages = f"{PAGE} {in_order}"
            else:
                offset, limit, settles = window
                pages = f"{MATCHES} {in_order}, {PAGE} AS MATERIALIZED (SELECT pk, _n FROM {MATCHES} WHERE _n <= %s)"
                found_rows = f"(SELECT COUNT(*) FROM {MATCHES})"
                total = f"CASE WHEN {found_rows} BETWEEN 1 AND %s THEN %s + {found_rows} ELSE {total} END"
                params += (limit,)
                total_params = (settles, offset, *total_params)
        else:
            offset, limit = rows
            sliced = f"{PAGE} AS MATERIALIZED (SELECT pk, _n FROM {MATCHES} WHERE _n > %s AND _n <= %s)"
            pages = f"{MATCHES} {in_order}, {sliced}"
            total, total_params = f"(SELECT COUNT(*) FROM {MATCHES})", ()
            params += (offset, offset + limit)
        columns = [total, "NULL::bigint"]
        if counted is not None:
            # (COALESCE evaluates its second argument only where the first is NULL: the count is not run)
            # (the table's name in the text, not a parameter: a generic plan is then as cheap as a custom one)
            columns = [f"COALESCE({row_count_sql(counted)}, {total})", row_count_sql(counted)]
        params += total_params
        if table is not None:
            columns.append(reltuples_sql(table))
        found, params = _with_checks(checks, params)
        order = f"{PAGE}._n{' DESC' if reverse else ''}"
        documents = (
            f"(SELECT JSON_AGG(_docs._document ORDER BY {order})::text "
            f"FROM {PAGE} JOIN ({self.sql}) _docs(pk, _document) ON _docs.pk = {PAGE}.pk)"
        )
        keeping = keep and self.keeping(ids.model)
        if keeping:  # the documents only where no version is seen; else the page's ids, and the version
            documents = f"CASE WHEN {registry_version_sql()} IS NULL THEN {documents} END"
            documents += f", (SELECT ARRAY_AGG({PAGE}.pk ORDER BY {order}) FROM {PAGE}), {registry_version_sql()}"
        sql = f"WITH {pages} SELECT {', '.join([*columns, *found, documents])}"
        with server_bound_cursor(ids.model, psycopg.RawCursor) as cursor:
            cursor.execute(numbered(sql), (*params, *self.params))  # in the order of the text
            total, kept, *values = cursor.fetchone()
        if keeping:
            *values, page_ids, version = values
        statistic, values = (values[0], values[1:]) if table is not None else (None, values)
        *counts, documents = values
        if keeping and version is not None:
            documents = self.kept(ids.model, version, page_ids or [])
            if documents is None:  # the registry changed between the two statements: read it in one
                return self.page(ids, checks, count, rows, table, window, counted, reverse, keep=False)
        return total, statistic, RawJSON(documents or "[]"), counts, kept is not None

    def keeping(self, model) -> bool:
        """Whether this page's documents are taken from the cache (``api.sql.document_cache``)."""
        return document_cache.keeps(model)

    def kept(self, model, version: int, ids: list[int]) -> str | None:
        """The documents of ``ids`` at ``version``, kept or built; None when the registry's version moved."""
        if self.key is None:
            self.key = document_cache.statement_key(self.sql, self.params)
        return document_cache.page_documents(
            self.key, router.db_for_read(model), version, ids, lambda missing: self.built(model, version, missing)
        )

    def built(self, model, version: int, ids: list[int]) -> dict[int, str] | None:
        """The documents of ``ids`` by pk, from one statement; None unless the registry is still at ``version``."""
        sql = (
            f"WITH {PAGE} AS (SELECT UNNEST(%s::bigint[]) AS pk) "
            f"SELECT {registry_version_sql()}, ARRAY_AGG(_docs.pk), ARRAY_AGG(_docs._document::text) "
            f"FROM ({self.sql}) _docs(pk, _document)"
        )
        with server_bound_cursor(model, psycopg.RawCursor) as cursor:
            cursor.execute(numbered(sql), (list(ids), *self.params))
            seen, pks, texts = cursor.fetchone()
        if seen != version:
            return None
        return dict(zip(pks or (), texts or (), strict=True))

    def record(self, ids, full: Documents | None = None, keep=True) -> tuple[int, str, str | None] | None:
        """One record's pk and document, and ``full``'s (another rendering of it) when given, from one statement.

        ``ids`` is the query of the record's ``pk`` (at most one row); None when it finds none. Where
        documents are kept (not with ``keep`` false), the statement reads the pk and the registry's
        version, and the documents come from the cache, as ``page``'s do.
        """
        ids_sql, params = ids.sql_with_params()
        renderers = [self] if full is None else [self, full]
        documents = [
            f"(SELECT _docs._document::text FROM {PAGE} JOIN ({each.sql}) _docs(pk, _document) USING (pk))"
            for each in renderers
        ]
        keeping = keep and self.keeping(ids.model)
        if keeping:
            documents = [f"CASE WHEN {registry_version_sql()} IS NULL THEN {each} END" for each in documents]
            documents.append(registry_version_sql())
        params = (*params, *(param for each in renderers for param in each.params))
        sql = (
            f"WITH {PAGE} AS MATERIALIZED (SELECT _ids.pk FROM ({ids_sql}) _ids(pk)) "
            f"SELECT {', '.join([f'(SELECT pk FROM {PAGE})', *documents])}"
        )
        with server_bound_cursor(ids.model, psycopg.RawCursor) as cursor:
            cursor.execute(numbered(sql), params)
            pk, *texts = cursor.fetchone()
        if pk is None:
            return None
        version = texts.pop() if keeping else None
        if version is not None:
            texts = [each.kept(ids.model, version, [pk]) for each in renderers]
            if None in texts:  # the registry changed between the statements: read it in one
                return self.record(ids, full, keep=False)
            texts = [text[1:-1] for text in texts]  # (a page of one: "[document]")
        return pk, texts[0], (texts[1] if full is not None else None)

    def keyset_page(
        self, ids: tuple[str, tuple], model, limit: int, keys: int, checks=(), backward: bool = False, keep=True
    ):
        """A cursor page (``api.core.cursor_pagination``) from one statement, as ``page`` renders an offset page.

        ``ids`` is the statement (SQL and parameters) of up to ``limit + 1`` records of ``model``
        beyond the cursor, in the direction of travel: ``pk``, then the ``keys`` values of the
        ordering. Returns how many rows it found, the documents of the first ``limit`` (reversed
        when ``backward``, so always in the list's order), the ``checks``' counts, and the
        ordering values of the first and last of those rows in the direction of travel (None
        when there are none).
        """
        ids_sql, params = ids
        columns = [f"_k{i}" for i in range(keys)]
        found, params = _with_checks(checks, params)
        documents = (
            f"(SELECT JSON_AGG(_docs._document ORDER BY {PAGE}._n{' DESC' if backward else ''})::text "
            f"FROM {PAGE} JOIN ({self.sql}) _docs(pk, _document) ON _docs.pk = {PAGE}.pk WHERE {PAGE}._n <= %s)"
        )
        last = f"LEAST(%s, (SELECT COUNT(*) FROM {PAGE}))"
        edges = [f"(SELECT {c} FROM {PAGE} WHERE _n = 1)" for c in columns]
        edges += [f"(SELECT {c} FROM {PAGE} WHERE _n = {last})" for c in columns]
        keeping = keep and self.keeping(model)
        kept = []  # as ``page`` keeps them: the documents only where no version is seen
        if keeping:
            documents = f"CASE WHEN {registry_version_sql()} IS NULL THEN {documents} END"
            order = f"{PAGE}._n{' DESC' if backward else ''}"
            kept = [f"(SELECT ARRAY_AGG(pk ORDER BY {order}) FROM {PAGE} WHERE _n <= %s)", registry_version_sql()]
        sql = (
            f"WITH {PAGE} AS MATERIALIZED (SELECT _ids.*, ROW_NUMBER() OVER () AS _n "
            f"FROM ({ids_sql}) _ids(pk, {', '.join(columns)})) "
            f"SELECT {', '.join([f'(SELECT COUNT(*) FROM {PAGE})', *found, documents, *edges, *kept])}"
        )
        tail = (limit,) if keeping else ()
        with server_bound_cursor(model, psycopg.RawCursor) as cursor:
            # (the parameters in the order of the text)
            cursor.execute(numbered(sql), (*params, *self.params, limit, *[limit] * keys, *tail))
            rows, *values = cursor.fetchone()
        if keeping:
            *values, page_ids, version = values
            if version is not None:
                values[len(found)] = self.kept(model, version, page_ids or [])
                if values[len(found)] is None:  # the registry changed between the two statements
                    return self.keyset_page(ids, model, limit, keys, checks, backward, keep=False)
        counts, documents, edges = values[: len(found)], values[len(found)], values[len(found) + 1 :]
        first, last = (tuple(edges[:keys]), tuple(edges[keys:])) if rows else (None, None)
        return rows, RawJSON(documents or "[]"), counts, first, last


PAGE = "_page"  # the CTE of a page's ids (pk, its position _n) in ``Documents.page``
MATCHES = "_matches"  # the CTE of every match up to the count's cap (or of a page and one row past it), in order
MAX_COMPILED = 256  # shapes x sites; cleared when full (hosts are limited by ALLOWED_HOSTS)
_COMPILED = CompiledCache(MAX_COMPILED)
_BY_SHAPE: dict = {}
SHAPE_PARAMETERS = ("fields", "omit", "expand")

__all__ = ["Documents"]


def _with_checks(checks, params: tuple) -> tuple[list[str], tuple]:
    """The existence checks' subqueries as columns of the statement, and ``params`` followed by theirs."""
    found = []
    for check_sql, check_params in checks:
        found.append(f"({check_sql})")
        params = (*params, *check_params)
    return found, params
