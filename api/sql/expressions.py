"""SQL expressions the compiler builds documents from: JSON objects, arrays, text, dates and displays."""

from __future__ import annotations

import re

from django.contrib.postgres.aggregates.mixins import OrderableAggMixin
from django.db import connection, models
from django.db.models import Aggregate, Case, Expression, F, Func, Q, TextField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact
from django.utils.translation import gettext

from cooperation import localization as l10n
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
NULL_TEXT = RawSQL("NULL::text", [], output_field=TextField())
TRUE = RawSQL("TRUE", [], output_field=models.BooleanField())
FALSE = RawSQL("FALSE", [], output_field=models.BooleanField())


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


def sql_literal(value: str) -> str:
    """A text constant for hand-written SQL (``%`` doubled: the statement has parameters)."""
    if "\\" in value or "\x00" in value:
        raise Unsupported("a constant a literal cannot carry")
    return "'" + value.replace("'", "''").replace("%", "%%") + "'::text"


class Correlated(Expression):
    """Hand-written SQL around compiled expressions: ``{0}``, ``{1}``... in ``template`` stand for them.

    Used for the scalar subqueries over a record's labels, which refer to the record's id.
    """

    def __init__(self, template: str, *expressions, output_field):
        super().__init__(output_field=output_field)
        self.template, self.expressions = template, list(expressions)

    def get_source_expressions(self):
        return self.expressions

    def set_source_expressions(self, exprs):
        self.expressions = list(exprs)

    def as_sql(self, compiler, connection):
        compiled = [compiler.compile(expression) for expression in self.expressions]
        params: list = []

        def place(found: re.Match) -> str:
            sql, own = compiled[int(found.group(1))]
            params.extend(own)
            return f"({sql})"

        return re.sub(r"\{(\d+)\}", place, self.template), params


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
    """``{value, precision, start, end}`` or null, as ``api.core.fields.partial_date_data``."""
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
    """SQL for the display of a record in the active language: ``cooperation.localization.display``."""
    language = l10n.active_language()
    if language == l10n.CANONICAL:
        return english_display(model, prefix)
    return localized_display(model, prefix, language)


def english_display(model, prefix: str):
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


# --- the active language ------------------------------------------------------------------------


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _pieces(template: str) -> list[tuple[bool, str]]:
    """A template (``"{name} ({short_name})"``) as (is a placeholder, text) pieces."""
    pieces, position = [], 0
    for found in _PLACEHOLDER.finditer(template):
        if found.start() > position:
            pieces.append((False, template[position : found.start()]))
        pieces.append((True, found.group(1)))
        position = found.end()
    if position < len(template):
        pieces.append((False, template[position:]))
    return pieces


def filled(template: str, **values):
    """``cooperation.localization.fill`` as an expression: the translated template, its parts concatenated."""
    parts = [values[value] if is_name else text(value) for is_name, value in _pieces(gettext(template))]
    return parts[0] if len(parts) == 1 else Concat(*parts)


def filled_sql(template: str, **values: str) -> str:
    """The same, as hand-written SQL (``values`` are SQL)."""
    pieces = [values[value] if is_name else sql_literal(value) for is_name, value in _pieces(gettext(template))]
    return " || ".join(pieces)


LABEL_FOREIGN_KEYS = {m.Label._meta.get_field(name).related_model: name for name in m.Label.arc_fields}


def labels_sql(model, language: str, kinds: tuple[str, ...], select: str) -> str:
    """A record's first label of ``kinds`` in ``language``, as ``cooperation.localization.pick`` takes it.

    ``{0}`` is the record's id; ``_l`` the label row.
    """
    quote = connection.ops.quote_name
    foreign_key = quote(m.Label._meta.get_field(LABEL_FOREIGN_KEYS[model]).column)
    ranks = " ".join(f"WHEN {sql_literal(kind)} THEN {rank}" for rank, kind in enumerate(kinds))
    return (
        f"SELECT {select} FROM {quote(m.Label._meta.db_table)} _l WHERE _l.{foreign_key} = {{0}} "
        f"AND _l.{quote('language')} = {sql_literal(language)} "
        f"AND _l.{quote('kind')} IN ({', '.join(sql_literal(kind) for kind in kinds)}) "
        f"ORDER BY CASE _l.{quote('kind')} {ranks} END, _l.{quote('id')} LIMIT 1"
    )


def _label_text(model, prefix: str, language: str, kinds: tuple[str, ...]) -> Correlated:
    return Correlated(
        f"({labels_sql(model, language, kinds, '_l.text')})", F(at_path(prefix, "id")), output_field=TextField()
    )


def localized_display(model, prefix: str, language: str):
    """SQL for ``cooperation.localization.display`` in a language other than English."""
    record = F(at_path(prefix, "id"))
    if model in (m.Person, m.Mission):
        return Coalesce(
            _label_text(model, prefix, language, l10n.NAME_KINDS), F(at_path(prefix, "name")), output_field=TextField()
        )
    if model is m.Organization:
        name = labels_sql(model, language, l10n.NAME_KINDS, "_l.text")
        short = labels_sql(model, language, l10n.SHORT_KINDS, "_l.text")
        both = filled_sql(l10n.NAME_WITH_SHORT, name="_n.text", short_name="_s.text")
        sql = (
            f"(SELECT CASE WHEN _s.text IS NULL OR _s.text = _n.text THEN _n.text ELSE {both} END "
            f"FROM ({name}) _n LEFT JOIN ({short}) _s ON TRUE)"
        )
        return Coalesce(
            Correlated(sql, record, output_field=TextField()), english_display(model, prefix), output_field=TextField()
        )
    if model is m.Agreement:
        head = labels_sql(model, language, (*l10n.SHORT_KINDS, *l10n.NAME_KINDS), "_l.text")
        date = Case(
            When(is_unset(at_path(prefix, "signed_on")), then=NULL_TEXT),
            default=partial_date_text(at_path(prefix, "signed_on")),
            output_field=TextField(),
        )
        dated = filled_sql(l10n.TITLE_WITH_DATE, title="_h.text", date="{1}")
        sql = f"(SELECT CASE WHEN {{1}} IS NULL THEN _h.text ELSE {dated} END FROM ({head}) _h)"
        correlated = Correlated(sql, record, date, output_field=TextField())
        return Coalesce(correlated, english_display(model, prefix), output_field=TextField())
    if model is m.Source:
        publisher = _or_when_blank(prefix, "publisher", text(gettext(l10n.UNKNOWN_PUBLISHER)))
        title = F(at_path(prefix, "title"))
        undated = filled(l10n.SOURCE, publisher=publisher, title=title)
        dated = filled(
            l10n.SOURCE_WITH_DATE,
            publisher=publisher,
            title=title,
            date=partial_date_text(at_path(prefix, "published_on")),
        )
        return Case(
            When(is_unset(at_path(prefix, "published_on")), then=undated), default=dated, output_field=TextField()
        )
    raise Unsupported(f"no SQL display for {model.__name__}")


def localized_name(model, prefix: str):
    """SQL for ``api.core.fields.LocalizedNameField``: ``{text, language, status, is_fallback}``."""
    language = l10n.active_language()
    canonical = F(at_path(prefix, l10n.NAME_FIELDS[model]))
    if language == l10n.CANONICAL:
        return JSONBuildObject(
            {"text": canonical, "language": text(language), "status": NULL_TEXT, "is_fallback": FALSE}
        )
    quote = connection.ops.quote_name
    statuses = " ".join(
        f"WHEN {sql_literal(kind)} THEN {sql_literal(status.value)}" for kind, status in l10n.STATUS_BY_KIND.items()
    )
    otherwise = sql_literal(l10n.NameStatus.TRANSLATION.value)
    document = (
        f"JSON_BUILD_OBJECT('text'::text, _l.text, 'language'::text, _l.{quote('language')}, "
        f"'status'::text, CASE _l.{quote('kind')} {statuses} ELSE {otherwise} END, 'is_fallback'::text, FALSE)"
    )
    found = Correlated(
        f"({labels_sql(model, language, l10n.NAME_KINDS, document)})",
        F(at_path(prefix, "id")),
        output_field=models.JSONField(),
    )
    fallback = JSONBuildObject(
        {"text": canonical, "language": text(l10n.CANONICAL), "status": NULL_TEXT, "is_fallback": TRUE}
    )
    return Func(found, fallback, function="COALESCE", output_field=models.JSONField())


def localized_name_text(model, prefix: str):
    """The text of ``localized_name``: a CSV cell."""
    language = l10n.active_language()
    canonical = F(at_path(prefix, l10n.NAME_FIELDS[model]))
    if language == l10n.CANONICAL:
        return canonical
    return Coalesce(_label_text(model, prefix, language, l10n.NAME_KINDS), canonical, output_field=TextField())
