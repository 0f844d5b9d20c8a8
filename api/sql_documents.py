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

from contextlib import contextmanager

import psycopg
from django.contrib.postgres.aggregates.mixins import OrderableAggMixin
from django.db import connection, connections, models, router
from django.db.models import Aggregate, Case, F, Func, OuterRef, Q, Subquery, TextField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.db.models.lookups import Exact
from rest_framework import serializers

from api.fields import BriefRelatedField, PartialDateField
from api.json_renderer import RawJSON
from api.optimization import model_field_named, ordering_within_parent
from api.resources import _list_url, resource_for
from cooperation import models as m


class Unsupported(Exception):
    """A field the compiler cannot render in SQL: the request takes DRF's path."""


class JSONBuildObject(Func):
    """``json_build_object(k1, v1, ...)``: json, not jsonb, so keys keep the serializer's order."""

    function = "JSON_BUILD_OBJECT"
    output_field = models.JSONField()

    def __init__(self, pairs: dict):
        expressions = []
        for key, value in pairs.items():
            expressions += [Literal(key), value]
        super().__init__(*expressions)


class JSONAgg(OrderableAggMixin, Aggregate):
    function = "JSON_AGG"
    template = "%(function)s(%(distinct)s%(expressions)s %(order_by)s)"
    output_field = models.JSONField()


class ToChar(Func):
    function = "TO_CHAR"
    output_field = TextField()


class Timestamp(Func):
    """A timestamp as DRF writes it: ISO 8601 in UTC, microseconds only when non-zero, then ``Z``."""

    template = (
        "TO_CHAR((%(expressions)s AT TIME ZONE 'UTC'), 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        "CASE WHEN TO_CHAR((%(expressions)s AT TIME ZONE 'UTC'), 'US') = '000000' THEN '' "
        "ELSE '.' || TO_CHAR((%(expressions)s AT TIME ZONE 'UTC'), 'US') END || 'Z'"
    )
    output_field = TextField()


class Concat(Func):
    """``a || b || ...`` (NULL if any part is; callers guard nullable parts)."""

    arg_joiner = " || "
    template = "(%(expressions)s)"
    output_field = TextField()


NULL_JSON = RawSQL("NULL::json", [], output_field=models.JSONField())
EMPTY_LIST = RawSQL("'[]'::json", [], output_field=models.JSONField())


class Literal(Value):
    """A constant written into the statement's text, not sent as a parameter.

    A compiled statement has a hundred constants (its keys, formats, URLs); as parameters,
    each execution would send and convert every one of them again. Values a literal
    cannot carry safely (a backslash, a NUL) stay parameters.
    """

    def as_sql(self, compiler, connection):
        if not isinstance(self.value, str) or "\\" in self.value or "\x00" in self.value:
            return super().as_sql(compiler, connection)
        quoted = self.value.replace("'", "''").replace("%", "%%")  # %%: the statement has parameters
        return f"'{quoted}'::text", []


def text(value: str) -> Literal:
    return Literal(value, output_field=TextField())


def equals(path: str, value: str) -> Exact:
    """``path = 'value'``, the value a literal."""
    return Exact(F(path), text(value))


def partial_date_text(path: str) -> Case:
    """A partial date's ISO 8601 text at its precision ("2018-03-03", "2017-11", "2022")."""
    precision = f"{path}_precision"
    return Case(
        When(equals(precision, "day"), then=ToChar(F(path), text("YYYY-MM-DD"))),
        When(equals(precision, "month"), then=ToChar(F(path), text("YYYY-MM"))),
        default=ToChar(F(path), text("YYYY")),
        output_field=TextField(),
    )


def is_unset(path: str) -> Q:
    return Q(**{f"{path}__isnull": True}) | Q(equals(f"{path}_precision", ""))


def partial_date(path: str) -> Case:
    """``{value, precision, start, end}`` or null, as ``api.fields.partial_date_data``."""
    document = JSONBuildObject(
        {
            "value": partial_date_text(path),
            "precision": F(f"{path}_precision"),
            "start": ToChar(F(path), text("YYYY-MM-DD")),
            "end": ToChar(F(f"{path}_end"), text("YYYY-MM-DD")),
        }
    )
    return Case(When(is_unset(path), then=NULL_JSON), default=document, output_field=models.JSONField())


def at_path(prefix: str, name: str) -> str:
    return f"{prefix}__{name}" if prefix else name


def _display_with_date(prefix: str, head, stem: str) -> Case:
    dated = Concat(head, text(" ("), partial_date_text(at_path(prefix, stem)), text(")"))
    return Case(When(is_unset(at_path(prefix, stem)), then=head), default=dated, output_field=TextField())


def _or_when_blank(prefix: str, name: str, fallback) -> Case:
    path = at_path(prefix, name)
    return Case(When(equals(path, ""), then=fallback), default=F(path), output_field=TextField())


def display(model, prefix: str):
    """SQL for ``str(record)`` of the models whose ``__str__`` it mirrors (see ``display_fields``)."""
    if model in (m.Person, m.Mission):
        return F(at_path(prefix, "name"))
    if model is m.Organization:
        name, short = F(at_path(prefix, "name")), F(at_path(prefix, "short_name"))
        both = Concat(name, text(" ("), short, text(")"))
        differs = ~Q(equals(at_path(prefix, "short_name"), "")) & ~Q(**{at_path(prefix, "short_name"): name})
        return Case(When(differs, then=both), default=name, output_field=TextField())
    if model is m.Agreement:
        title = _or_when_blank(prefix, "short_title", F(at_path(prefix, "title")))
        return _display_with_date(prefix, title, "signed_on")
    if model is m.Source:
        publisher = _or_when_blank(prefix, "publisher", text("unknown publisher"))
        return _display_with_date(prefix, Concat(publisher, text(": "), F(at_path(prefix, "title"))), "published_on")
    raise Unsupported(f"no SQL display for {model.__name__}")


class Compiler:
    """Compiles serializers for one request (the URLs in the documents are absolute, like DRF's)."""

    def __init__(self, request):
        self.request = request

    def url(self, model, prefix: str):
        resource = resource_for(model)
        key = F(at_path(prefix, "slug")) if resource.has_slug else Cast(F(at_path(prefix, "id")), TextField())
        return Concat(text(_list_url(resource, self.request)), key, text("/"))

    def brief(self, model, prefix: str, nullable: bool):
        pairs = {"id": F(at_path(prefix, "id")), "url": self.url(model, prefix)}
        if resource_for(model).has_slug:
            pairs["slug"] = F(at_path(prefix, "slug"))
        pairs["display"] = display(model, prefix)
        document = JSONBuildObject(pairs)
        if not nullable:
            return document
        return Case(When(**{f"{prefix}__isnull": True}, then=NULL_JSON), default=document)

    def document(self, serializer, model, prefix: str = "", top: bool = True) -> JSONBuildObject:
        return JSONBuildObject(
            {name: self.field(field, model, prefix, top) for name, field in serializer.fields.items()}
        )

    def method_field(self, field, model, prefix: str):
        """The method fields the compilers know: ``url`` and ``display``."""
        if field.field_name == "url":
            return self.url(model, prefix)
        if field.field_name == "display":
            return display(model, prefix)
        raise Unsupported(f"method field {field.field_name}")

    @staticmethod
    def foreign_key(field, model):
        """The foreign key (or one-to-one) a brief related field shows."""
        model_field = model_field_named(model, field.source)
        if model_field is None or not (model_field.many_to_one or model_field.one_to_one):
            raise Unsupported(f"related field {field.field_name}")
        return model_field

    @staticmethod
    def column(field, model):
        """The model field of a field that reads one plain column."""
        model_field = model_field_named(model, field.source)
        if model_field is None or model_field.is_relation or getattr(model_field, "multiple", False):
            raise Unsupported(f"field {field.field_name}")
        return model_field

    def field(self, field, model, prefix: str, top: bool):
        name = field.field_name
        if isinstance(field, serializers.SerializerMethodField):
            return self.method_field(field, model, prefix)
        if isinstance(field, PartialDateField):
            return partial_date(at_path(prefix, field.stem))
        if isinstance(field, serializers.ListSerializer):
            if not top:
                raise Unsupported(f"nested list {name} below the first level")
            return self.children(field, model)
        if isinstance(field, BriefRelatedField):
            model_field = self.foreign_key(field, model)
            return self.brief(model_field.related_model, at_path(prefix, field.source), model_field.null)
        model_field = self.column(field, model)
        if isinstance(field, serializers.DateTimeField):
            return Timestamp(F(at_path(prefix, field.source)))
        if isinstance(field, SCALARS) and not isinstance(field, serializers.MultipleChoiceField):
            return F(at_path(prefix, field.source))
        if isinstance(field, serializers.ListField | serializers.JSONField) and isinstance(
            model_field, models.JSONField
        ):
            return F(at_path(prefix, field.source))
        raise Unsupported(f"{type(field).__name__} {name}")

    def children(self, field, model):
        """A reverse foreign key's rows as a JSON array, in their prefetch order."""
        rows = self.aggregated_children(
            field,
            model,
            lambda child, order_by: JSONAgg(self.document(field.child, child, top=False), order_by=order_by),
        )
        return Func(Subquery(rows, output_field=models.JSONField()), EMPTY_LIST, function="COALESCE")

    def aggregated_children(self, field, model, aggregate):
        """A correlated subquery: ``aggregate(child_model, order_by)`` over one record's nested rows.

        The rows are those of the reverse foreign key behind ``field``, in their prefetch order.
        """
        relation = model_field_named(model, field.source)
        if relation is None or not relation.one_to_many:
            raise Unsupported(f"nested list {field.field_name}")
        child_model, parent_fk = relation.related_model, relation.field.name
        order_by = [
            F(name).desc() if descending else F(name)
            for term in ordering_within_parent(child_model, parent_fk)
            for name, descending in expand_ordering(child_model, term)
        ]
        return (
            child_model._default_manager.filter(**{parent_fk: OuterRef("pk")})
            .order_by()
            .values(parent_fk)
            .annotate(aggregated=aggregate(child_model, order_by))
            .values("aggregated")
        )


def expand_ordering(model, term: str, prefix: str = "", flip: bool = False) -> list[tuple[str, bool]]:
    """``term`` as Django orders by it: a relation stands for its model's own default ordering."""
    descending = term.startswith("-") != flip
    name = term.lstrip("-")
    target, path = model, name.split("__")
    for part in path:
        field = model_field_named(target, part)
        if field is None:
            raise Unsupported(f"ordering by {term}")
        target = field.related_model if field.is_relation else target
    if field.is_relation and target._meta.ordering:
        return [
            pair
            for inner in target._meta.ordering
            for pair in expand_ordering(target, inner, at_path(prefix, name), descending)
        ]
    return [(at_path(prefix, name), descending)]


SCALARS = (
    serializers.CharField,
    serializers.ChoiceField,
    serializers.IntegerField,
    serializers.BooleanField,
)


@contextmanager
def server_bound_cursor(model):
    """A cursor that sends parameters separately (Django's sends them inlined in the SQL text).

    The statement is long and only its ids change, so after a few executions psycopg
    prepares it on the connection (``prepare_threshold``): PostgreSQL then skips parsing
    and planning it, which took longer than running it. Queries are logged as usual.
    On the database reads of ``model`` are routed to (a hub's replica, say).
    """
    connection = connections[router.db_for_read(model)]
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    cursor = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    try:
        yield cursor
    finally:
        cursor.close()


class Documents:
    """Renders records of one model through a compiled serializer.

    Building and compiling the expression costs more than running it, so the
    statement is compiled once per serializer shape and site URL, and reused with
    the page's ids as its one varying parameter.
    """

    def __init__(self, sql: str, params: tuple):
        self.sql, self.params = sql, params  # the documents of the records in the CTE ``PAGE``

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
        key = (type(view), shape, _list_url(resource_for(view.queryset.model), request))
        if key not in _BY_SHAPE:
            if len(_BY_SHAPE) >= MAX_COMPILED:
                _BY_SHAPE.clear()
            _BY_SHAPE[key] = cls.for_serializer(view.get_serializer(many=True).child, request)
        return _BY_SHAPE[key]

    @classmethod
    def for_serializer(cls, serializer, request) -> Documents | None:
        """The compiled renderer for this (shaped) serializer, or ``None`` to use DRF's path."""
        if connection.vendor != "postgresql":
            return None
        key = (type(serializer), tuple(serializer.fields), _list_url(resource_for(serializer.Meta.model), request))
        if key in _UNSUPPORTED:
            return None
        compiled = _COMPILED.get(key)
        if compiled is None:
            try:
                compiled = cls.compile(serializer, request)
            except Unsupported:
                _UNSUPPORTED.add(key)
                return None
            if len(_COMPILED) >= MAX_COMPILED:
                _COMPILED.clear()
            _COMPILED[key] = compiled
        return compiled

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

    def page(self, ids, count=None, checks=()) -> tuple[int | None, RawJSON, list[int]]:
        """One page's total and documents, in order, from one statement; and how many rows ``checks`` find.

        The documents come as one JSON array, PostgreSQL's text, rendered as it is (its
        whitespace differs from DRF's compact JSON: ``{"id" : 1, ...}``; the values do not).

        ``checks`` are statements counting something, with their parameters.
        ``ids`` is the page's query: ``pk`` and, when ``count`` is None, the total as a
        second column (``COUNT(*) OVER ()``); ``count`` is a query of every matching
        record's ``pk``, counted apart. The total is None for a page past the end whose
        query carries it (no row to carry it). One statement rather than one per part
        (existence checks, count, ids, documents) is one plan, prepared once per connection
        by psycopg for each combination of filters, and one round trip.
        """
        ids_sql, params = ids.sql_with_params()
        if count is None:
            source, total = f"({ids_sql}) _ids(pk, _total)", f"(SELECT _total FROM {PAGE} LIMIT 1)"
        else:
            count_sql, count_params = count.sql_with_params()
            source, total = f"({ids_sql}) _ids(pk)", f"(SELECT COUNT(*) FROM ({count_sql}) _all)"
            params += count_params
        found = []
        for check_sql, check_params in checks:
            found.append(f"({check_sql})")
            params += tuple(check_params)
        documents = (
            f"(SELECT JSON_AGG(_docs._document ORDER BY {PAGE}._n)::text "
            f"FROM {PAGE} JOIN ({self.sql}) _docs(pk, _document) ON _docs.pk = {PAGE}.pk)"
        )
        sql = (
            f"WITH {PAGE} AS MATERIALIZED (SELECT _ids.*, ROW_NUMBER() OVER () AS _n FROM {source}) "
            f"SELECT {', '.join([total, *found, documents])}"
        )
        with server_bound_cursor(ids.model) as cursor:
            cursor.execute(sql, (*params, *self.params))  # in the order of the text
            total, *counts, documents = cursor.fetchone()
        return total, RawJSON(documents or "[]"), counts


PAGE = "_page"  # the CTE of a page's ids (pk, its position _n) in ``Documents.page``
MAX_COMPILED = 256  # shapes x sites; cleared when full (hosts are limited by ALLOWED_HOSTS)
_COMPILED: dict = {}
_BY_SHAPE: dict = {}
SHAPE_PARAMETERS = ("fields", "omit", "expand")
_UNSUPPORTED: set = set()

__all__ = ["Documents"]
