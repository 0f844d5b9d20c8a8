"""CSV exports written by PostgreSQL: each cell computed in SQL, streamed from one query.

A CSV cell is a flattened value (``api.renderers.flat``): a brief record by its slug
(or display), a partial date by its value, a list joined by ``"; "``, a nested row by
the slug of the first record it links to. Compiled from the same serializer as the
JSON list, those cells come straight out of the filtered queryset through a
server-side cursor, so the export neither builds documents nor holds more than one
chunk of rows. Anything the compiler does not know falls back to DRF's path, as in
``api.sql.documents`` (``tests/api/test_sql_documents.py`` compares both exports).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib.postgres.aggregates import StringAgg
from django.db import connection, models
from django.db.models import Case, F, Func, Subquery, TextField, When
from django.db.models.functions import Cast, Coalesce
from rest_framework import serializers

from api.core.fields import BriefRelatedField, LocalizedNameField, PartialDateField
from api.core.prefetch import model_field_named
from api.core.resource_urls import resource_for
from api.sql.compiler import SCALARS, Compiler
from api.sql.expressions import (
    Timestamp,
    Unsupported,
    at_path,
    display,
    is_unset,
    localized_name_text,
    partial_date_text,
    text,
)

CHUNK = 2000
SEPARATOR = "; "
JOIN_JSON_LIST = "ARRAY_TO_STRING(ARRAY(SELECT JSONB_ARRAY_ELEMENTS_TEXT(%(expressions)s)), '; ')"


def blank_if_null(expression):
    return Coalesce(expression, text(""), output_field=TextField())


class CellCompiler(Compiler):
    """Compiles a serializer's fields into text cells, as ``api.renderers.flat`` writes them."""

    def cells(self, serializer, model) -> dict[str, object]:
        return {name: self.cell(field, model) for name, field in serializer.fields.items()}

    def method_field(self, field, model, prefix: str):
        """Only ``url`` and ``display`` are text already; other method fields keep DRF's cells."""
        if field.field_name not in ("url", "display"):
            raise Unsupported(f"method field {field.field_name} in a cell")
        return super().method_field(field, model, prefix)

    def cell(self, field, model, prefix: str = ""):
        name = field.field_name
        if isinstance(field, serializers.SerializerMethodField):
            return self.method_field(field, model, prefix)
        if isinstance(field, LocalizedNameField):
            return localized_name_text(model, prefix)
        if isinstance(field, PartialDateField):
            path = at_path(prefix, field.stem)
            return Case(When(is_unset(path), then=text("")), default=partial_date_text(path), output_field=TextField())
        if isinstance(field, serializers.ListSerializer):
            if prefix:
                raise Unsupported(f"nested list {name} below the first level")
            return self.joined_children(field, model)
        if isinstance(field, BriefRelatedField):
            related = self.foreign_key(field, model).related_model
            return blank_if_null(self.brief_cell(related, at_path(prefix, field.source)))
        model_field = self.column(field, model)
        path = at_path(prefix, field.source)
        if isinstance(field, serializers.DateTimeField):
            return blank_if_null(Timestamp(F(path)))
        if isinstance(field, serializers.BooleanField):
            true, false = When(**{path: True}, then=text("true")), When(**{path: False}, then=text("false"))
            return Case(true, false, default=text(""), output_field=TextField())
        if isinstance(field, SCALARS) and not isinstance(field, serializers.MultipleChoiceField):
            return blank_if_null(Cast(F(path), TextField()))
        if isinstance(field, serializers.ListField) and isinstance(model_field, models.JSONField):
            return blank_if_null(Func(F(path), template=JOIN_JSON_LIST, output_field=TextField()))
        raise Unsupported(f"{type(field).__name__} {name}")

    def brief_cell(self, model, prefix: str):
        """A brief record's cell: its slug, or its display when it has none."""
        return F(at_path(prefix, "slug")) if resource_for(model).has_slug else display(model, prefix)

    def row_cell(self, serializer, model):
        """A nested row's cell: the slug of the first record it links to (as ``flat`` picks it)."""
        for field in serializer.fields.values():
            if isinstance(field, BriefRelatedField):
                related = model_field_named(model, field.source)
                if related is None or not resource_for(related.related_model).has_slug:
                    continue  # flat() passes over links without a slug
                if related.null:
                    raise Unsupported(f"nullable link {field.field_name} in a nested row")
                return F(at_path(field.source, "slug"))
        raise Unsupported(f"nested {model.__name__} rows link to no slugged record")

    def joined_children(self, field, model):
        rows = self.aggregated_children(
            field,
            model,
            lambda child, order_by: StringAgg(self.row_cell(field.child, child), SEPARATOR, order_by=order_by),
        )
        return blank_if_null(Subquery(rows, output_field=TextField()))


class CsvCells:
    """The CSV columns of one serializer shape, as SQL; ``rows(queryset)`` streams them."""

    def __init__(self, header: list[str], cells: dict[str, object]):
        self.header, self.cells = header, cells

    @classmethod
    def for_serializer(cls, serializer, request) -> CsvCells | None:
        if connection.vendor != "postgresql":
            return None
        try:
            cells = CellCompiler(request).cells(serializer, serializer.Meta.model)
        except Unsupported:
            return None
        header = list(cells)
        return cls(header, {f"_csv_{index}": cell for index, cell in enumerate(cells.values())})

    def rows(self, queryset) -> Iterator[tuple]:
        """The header, then one tuple of cells per record, in the queryset's order."""
        rows = queryset.prefetch_related(None).annotate(**self.cells).values_list(*self.cells).iterator(CHUNK)
        first = next(rows, None)
        if first is None:
            return
        yield tuple(self.header)
        yield first
        yield from rows


__all__ = ["CsvCells"]
