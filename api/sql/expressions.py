"""SQL expressions the compiler builds documents from: JSON objects, arrays, text, dates and displays."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.postgres.aggregates.mixins import OrderableAggMixin
from django.db import models
from django.db.models import Aggregate, Case, Exists, F, Func, OuterRef, Q, TextField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce
from django.db.models.lookups import Exact, IsNull
from django.utils.translation import gettext

from cooperation import localization as l10n
from cooperation import models as m
from cooperation.history.models import ChangeRecord
from cooperation.models.missions import PRECISION_RANK


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

    # One TO_CHAR with the microseconds, which are dropped when zero: ``.000000Z`` can only be the end.
    template = (
        "REPLACE(TO_CHAR((%(expressions)s AT TIME ZONE 'UTC'), 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), '.000000Z', 'Z')"
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
    if model in LINKS or model in (m.PersonRole, m.Label, m.Milestone):
        return link_display(model, prefix, language)
    if model is ChangeRecord:  # ``ChangeRecordSerializer.get_display``; in English, str(change)
        action = choice(at_path(prefix, "action"), ChangeRecord.Action, language == l10n.CANONICAL)
        return filled(l10n.CHANGE, record=F(at_path(prefix, "object_repr")), action=action)
    if language == l10n.CANONICAL:
        return english_display(model, prefix)
    return localized_display(model, prefix, language)


# --- the records that link others: parties, signatories, roles, claims... --------------------------------

LINKS = {
    m.AgreementParty: (l10n.PARTY, {"organization": "organization", "role": "role", "agreement": "agreement"}),
    m.Signatory: (l10n.SIGNATORY, {"person": "person", "organization": "on_behalf_of", "agreement": "agreement"}),
    m.AgreementRelation: (
        l10n.RELATION,
        {"from_agreement": "from_agreement", "kind": "kind", "to_agreement": "to_agreement"},
    ),
    m.AgreementMission: (l10n.AGREEMENT_MISSION, {"agreement": "agreement", "role": "role", "mission": "mission"}),
    m.MissionParticipant: (l10n.PARTICIPANT, {"organization": "organization", "role": "role", "mission": "mission"}),
}
"""Each link model's display template, its placeholders filled by a related record's display or a choice's label.

In English a display is ``str(record)``, whose f-string writes the same text as the English template."""


def choice(path: str, choices, english: bool) -> Case:
    """A choice column's label: ``get_FOO_display()`` in English, ``l10n.choice_label`` in other languages;
    the value itself when it is no choice."""
    whens = [
        When(equals(path, value), then=text(str(label) if english else l10n.choice_label(choices, value)))
        for value, label in choices.choices
    ]
    return Case(*whens, default=F(path), output_field=TextField())


def related_display(model, prefix: str, name: str, english: bool):
    """The display of the record foreign key ``name`` points at (as ``name_of`` names it in English)."""
    field = model._meta.get_field(name)
    path = at_path(prefix, name)
    shown = display(field.related_model, path)
    if not field.null:
        return shown
    missing = text(f"{field.related_model._meta.verbose_name} #None" if english else "")
    return Case(When(**{f"{path}__isnull": True}, then=missing), default=shown, output_field=TextField())


def date_display(prefix: str) -> Case:
    """``Milestone.date_display``: the date, ``date/window_end`` for a window, ``?`` when unset."""
    date, until = at_path(prefix, "date"), at_path(prefix, "window_end")
    window = Concat(partial_date_text(date), text("/"), partial_date_text(until))
    return Case(
        When(is_unset(date), then=text("?")),
        When(is_unset(until), then=partial_date_text(date)),
        default=window,
        output_field=TextField(),
    )


def short_name_text(prefix: str, language: str):
    """``l10n.short_name`` of an organization: its short name, else its name, in the language or in English."""
    english = _or_when_blank(prefix, "short_name", F(at_path(prefix, "name")))
    if language == l10n.CANONICAL:
        return english
    found = Coalesce(names_part(prefix, language, "short"), names_part(prefix, language, "name"))
    return Coalesce(found, english, output_field=TextField())


def link_display(model, prefix: str, language: str):
    """SQL for the display of a link record (``cooperation.localization``'s ``_party``, ``_role``...)."""
    english = language == l10n.CANONICAL
    if model in LINKS:
        template, parts = LINKS[model]
        values = {}
        for placeholder, name in parts.items():
            field = model._meta.get_field(name)
            if field.is_relation:
                values[placeholder] = related_display(model, prefix, name, english)
            else:
                values[placeholder] = choice(at_path(prefix, name), getattr(model, name.capitalize()), english)
        return filled(template, **values)
    if model is m.PersonRole:
        return filled(
            l10n.PERSON_ROLE,
            person=display(m.Person, at_path(prefix, "person")),
            title=F(at_path(prefix, "title")),
            organization=short_name_text(at_path(prefix, "organization"), language),
        )
    if model is m.Label:
        language_path = at_path(prefix, "language")
        return filled(
            l10n.LABEL,
            text=F(at_path(prefix, "text")),
            language=F(language_path) if english else choice(language_path, m.Language, english),
            kind=choice(at_path(prefix, "kind"), m.Label.Kind, english),
        )
    if model is m.Milestone:
        status_path = at_path(prefix, "status")
        return filled(
            l10n.MILESTONE,
            mission=display(m.Mission, at_path(prefix, "mission")),
            kind=choice(at_path(prefix, "kind"), m.Milestone.Kind, english),
            status=F(status_path) if english else choice(status_path, m.Milestone.Status, english),
            date=date_display(prefix),
            source=F(at_path(prefix, "source__slug")),
        )
    raise Unsupported(f"no SQL display for {model.__name__}")


def citation_display(prefix: str):
    """``cooperation.localization.citation_display``: the subject's kind, id and field, and the source's slug."""
    field = at_path(prefix, "field")
    kinds = [
        When(
            **{f"{at_path(prefix, kind)}__isnull": False},
            then=Concat(text(f"{kind} #"), Cast(F(at_path(prefix, f"{kind}_id")), TextField())),
        )
        for kind in m.Citation.arc_fields
    ]
    subject = Concat(
        Case(*kinds, output_field=TextField()),
        Case(When(equals(field, ""), then=text("")), default=Concat(text("."), F(field)), output_field=TextField()),
    )
    return filled(l10n.CITATION, subject=subject, source=F(at_path(prefix, "source__slug")))


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


def template_pieces(template: str) -> list[tuple[bool, str]]:
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
    parts = [values[value] if is_name else text(value) for is_name, value in template_pieces(gettext(template))]
    return parts[0] if len(parts) == 1 else Concat(*parts)


def names_part(prefix: str, language: str, part: str) -> Func:
    """One part (``name``, ``short``, ``status``) of a record's names in ``language``, from its derived
    ``localized_names`` column (``cooperation.localized_names``); NULL when it has none."""
    return Func(
        F(at_path(prefix, "localized_names")),
        template=f"(%(expressions)s -> '{language}'::text ->> '{part}'::text)",
        output_field=TextField(),
    )


def localized_display(model, prefix: str, language: str):
    """SQL for ``cooperation.localization.display`` in a language other than English."""
    if model in (m.Person, m.Mission):
        name = names_part(prefix, language, "name")
        return Coalesce(name, english_display(model, prefix), output_field=TextField())
    if model is m.Organization:
        name, short = names_part(prefix, language, "name"), names_part(prefix, language, "short")
        return Case(
            When(IsNull(name, True), then=english_display(model, prefix)),
            When(IsNull(short, True), then=name),
            When(Exact(short, name), then=name),
            default=filled(l10n.NAME_WITH_SHORT, name=name, short_name=short),
            output_field=TextField(),
        )
    if model is m.Agreement:
        head = Coalesce(names_part(prefix, language, "short"), names_part(prefix, language, "name"))
        date = partial_date_text(at_path(prefix, "signed_on"))
        return Case(
            When(IsNull(head, True), then=english_display(model, prefix)),
            When(is_unset(at_path(prefix, "signed_on")), then=head),
            default=filled(l10n.TITLE_WITH_DATE, title=head, date=date),
            output_field=TextField(),
        )
    if model is m.Source:
        publisher = _or_when_blank(prefix, "publisher", text(gettext(l10n.UNKNOWN_PUBLISHER)))
        title = F(at_path(prefix, "title"))
        undated = filled(l10n.SOURCE, publisher=publisher, title=title)
        date = partial_date_text(at_path(prefix, "published_on"))
        dated = filled(l10n.SOURCE_WITH_DATE, publisher=publisher, title=title, date=date)
        return Case(
            When(is_unset(at_path(prefix, "published_on")), then=undated), default=dated, output_field=TextField()
        )
    raise Unsupported(f"no SQL display for {model.__name__}")


def localized_name(model, prefix: str):
    """SQL for ``api.core.fields.LocalizedNameField``: ``{text, language, status, is_fallback}``."""
    language = l10n.active_language()
    canonical = F(at_path(prefix, l10n.NAME_FIELDS[model]))
    fallback = {"text": canonical, "language": text(l10n.CANONICAL), "status": NULL_TEXT}
    if language == l10n.CANONICAL:
        return JSONBuildObject({**fallback, "is_fallback": FALSE})
    name = names_part(prefix, language, "name")
    found = {"text": name, "language": text(language), "status": names_part(prefix, language, "status")}
    return Case(
        When(IsNull(name, True), then=JSONBuildObject({**fallback, "is_fallback": TRUE})),
        default=JSONBuildObject({**found, "is_fallback": FALSE}),
        output_field=models.JSONField(),
    )


def localized_name_text(model, prefix: str):
    """The text of ``localized_name``: a CSV cell."""
    language = l10n.active_language()
    canonical = F(at_path(prefix, l10n.NAME_FIELDS[model]))
    if language == l10n.CANONICAL:
        return canonical
    return Coalesce(names_part(prefix, language, "name"), canonical, output_field=TextField())


def country_codes(path: str) -> Case:
    """A ``CountryField(multiple=True)`` as its codes: the column is their comma-separated text, in order."""
    codes = Func(Func(F(path), text(","), function="STRING_TO_ARRAY"), function="TO_JSON")
    return Case(When(equals(path, ""), then=EMPTY_LIST), default=codes, output_field=models.JSONField())


# --- milestone claims: where a claim stands among its siblings (``cooperation.models.missions``) --------


class RowAfter(Func):
    """``ROW(left...) > ROW(right...)``: Python's tuple comparison, as ``max(..., key=...)`` ranks.

    ``before=True`` writes ``<`` instead: rows strictly before on every term at once.
    """

    output_field = models.BooleanField()

    def __init__(self, left: list, right: list, before: bool = False):
        self.width, self.operator = len(left), "<" if before else ">"
        super().__init__(*left, *right)

    def as_sql(self, compiler, connection, **extra):
        parts, params = [], []
        for expression in self.source_expressions:
            sql, found = compiler.compile(expression)
            parts.append(sql)
            params += found
        left, right = ", ".join(parts[: self.width]), ", ".join(parts[self.width :])
        return f"(ROW({left}) {self.operator} ROW({right}))", params


def _precision_rank(expression) -> Func:
    """``PRECISION_RANK`` of a date's precision."""
    whens = " ".join(f"WHEN '{precision}' THEN {rank}" for precision, rank in PRECISION_RANK.items())
    return Func(expression, template=f"(CASE %(expressions)s {whens} END)", output_field=models.IntegerField())


def _stated_start(expression) -> Coalesce:
    """The first element of ``Milestone.sort_key``: the statement's first day, or the earliest date if undated."""
    return Coalesce(expression, Value(dt.date.min), output_field=models.DateField())


def _sort_key(reference) -> list:
    return [_stated_start(reference("stated_on")), reference("pk")]


def _siblings(**status):
    """The claims about the same mission and kind as the outer claim (the outer one included)."""
    return m.Milestone.objects.filter(mission_id=OuterRef("mission_id"), kind=OuterRef("kind"), **status)


def _achieved_sibling() -> Exists:
    return Exists(_siblings(status=m.Milestone.Status.ACHIEVED))


def claim_status(prefix: str) -> Case:
    """``claim_statuses``: achieved stays achieved; a planned claim is superseded by an achieved sibling or
    by a planned one that ranks after it, else it is the planned (current) one."""
    if prefix:
        raise Unsupported("a claim's status below the claim itself")
    Status, ClaimStatus = m.Milestone.Status, m.Milestone.ClaimStatus
    later_planned = _siblings(status=Status.PLANNED).filter(RowAfter(_sort_key(F), _sort_key(OuterRef)))
    return Case(
        When(equals("status", Status.ACHIEVED), then=text(ClaimStatus.ACHIEVED.value)),
        When(_achieved_sibling(), then=text(ClaimStatus.SUPERSEDED.value)),
        When(Exists(later_planned), then=text(ClaimStatus.SUPERSEDED.value)),
        default=text(ClaimStatus.PLANNED.value),
        output_field=TextField(),
    )


def is_current_claim(prefix: str) -> Case:
    """``current_claims``: with an achieved sibling, the achieved claim of the most precise date (then the
    latest stated); else the claim stated latest; ties go to the later recorded."""
    if prefix:
        raise Unsupported("whether a claim is current below the claim itself")

    def achieved_key(reference):
        return [_precision_rank(reference("date_precision")), *_sort_key(reference)]

    later_achieved = _siblings(status=m.Milestone.Status.ACHIEVED).filter(
        RowAfter(achieved_key(F), achieved_key(OuterRef))
    )
    later_any = _siblings().filter(RowAfter(_sort_key(F), _sort_key(OuterRef)))
    best_achieved = Q(equals("status", m.Milestone.Status.ACHIEVED)) & ~Q(Exists(later_achieved))
    return Case(
        When(_achieved_sibling(), then=Case(When(best_achieved, then=TRUE), default=FALSE)),
        When(~Q(Exists(later_any)), then=TRUE),
        default=FALSE,
        output_field=models.BooleanField(),
    )


def field_changes(path: str) -> Func:
    """A change record's ``changes`` as ``FieldChangeSerializer`` writes each: ``{"old": ..., "new": ...}``,
    the fields in the order the stored object has them."""
    return Func(
        F(path),
        template=(
            "(SELECT COALESCE(JSON_OBJECT_AGG(_c.key, JSON_BUILD_OBJECT('old', _c.value -> 'old', "
            "'new', _c.value -> 'new') ORDER BY _c.n), '{}'::json) "
            "FROM JSONB_EACH(%(expressions)s) WITH ORDINALITY _c(key, value, n))"
        ),
        output_field=models.JSONField(),
    )
