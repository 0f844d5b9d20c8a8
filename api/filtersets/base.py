"""Base FilterSet and filters shared by every resource.

Lookups (declared per field in ``Meta.lookups``), NetBox-style:

* ``name`` exact; ``name__in=a,b`` any of; ``name__n=a,b`` none of;
* ``name__ic=text`` contains, case-insensitive; ``name__gte`` / ``name__lte`` bounds;
* related records by slug (``party=roscosmos``, repeatable) and by id (``party_id=3``),
  each with a negated form (``party__n``, ``party_id__n``);
* partial dates compare by the range they cover (see ``PartialDateFilter``).
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import ManyToOneRel, Q
from django.utils.translation import gettext as _

from api.core.fields import MAX_ID
from cooperation.forms import PartialDateFormField
from cooperation.models import AgreementParty
from cooperation.partial_dates import PartialDate

PARTIAL_DATE_HELP = {
    "exact": (
        "Partial date (YYYY, YYYY-MM or YYYY-MM-DD). Matches records whose date lies wholly within that period: "
        "`2018` matches 2018, 2018-03 and 2018-03-03."
    ),
    "gte": (
        "On or after this partial date, by range overlap: a record matches when the last day its date covers is "
        "on or after the first day of the bound (a year-precision 2017 matches `__gte=2017-06-01`)."
    ),
    "lte": (
        "On or before this partial date, by range overlap: a record matches when the first day its date covers is "
        "on or before the last day of the bound (`__lte=2018` includes all of 2018)."
    ),
}

# The lookups a field can declare (``Meta.lookups``), by kind of field.
TEXT = ["exact", "in", "n", "ic"]
CHOICE = ["exact", "in", "n"]
SLUG = ["exact", "in", "n"]
PARTY = {"role": AgreementParty.Role.PARTY}  # a party link proper, not an authorizing body


def invalid(message: str, code: str = "invalid") -> forms.ValidationError:
    """A form error whose message may quote the client's input.

    django-filter formats every message with its params (``message % params``), so the
    text goes in as a parameter: a ``%`` the client sent must not be read as a format.
    """
    return forms.ValidationError("%(message)s", code=code, params={"message": message})


class PartialDateQueryField(PartialDateFormField):
    """The shared partial-date field, its error quoting the client's input safely (``invalid``)."""

    def invalid(self, value: str, exc: ValueError) -> forms.ValidationError:
        return invalid(str(exc))


class PartialDateFilter(django_filters.Filter):
    """Compare a partial date (three columns named after ``field_name``) with a partial-date bound."""

    field_class = PartialDateQueryField

    def __init__(self, *args, mode: str = "exact", **kwargs):
        self.mode = mode
        kwargs.setdefault("help_text", PARTIAL_DATE_HELP[mode])
        super().__init__(*args, **kwargs)

    def filter(self, qs, value: PartialDate | None):
        if value is None:
            return qs
        stem = self.field_name
        if self.mode == "gte":
            condition = Q(**{f"{stem}_end__gte": value.start})
        elif self.mode == "lte":
            condition = Q(**{f"{stem}__lte": value.end})
        else:
            condition = Q(**{f"{stem}__gte": value.start, f"{stem}_end__lte": value.end})
        return qs.exclude(condition) if self.exclude else qs.filter(condition)


def partial_date_filters(param: str, stem: str | None = None) -> dict[str, PartialDateFilter]:
    """``param``, ``param__gte`` and ``param__lte`` for the partial date ``stem``."""
    stem = stem or param
    return {
        param: PartialDateFilter(field_name=stem, mode="exact"),
        f"{param}__gte": PartialDateFilter(field_name=stem, mode="gte"),
        f"{param}__lte": PartialDateFilter(field_name=stem, mode="lte"),
    }


class References(list):
    """Related records named by key (slug or id) whose existence is not checked yet.

    On the PostgreSQL list path the check rides in the page's own statement instead of a
    query of its own (``matching`` counts the records, ``expected`` is how many there must
    be); when they differ, the view runs the checked filters again, which name the problem.
    """

    def __init__(self, queryset, key: str, values):
        super().__init__(values)
        self.queryset, self.key = queryset, key

    @property
    def expected(self) -> int:
        return len(set(self))

    def count_sql(self) -> tuple[str, list]:
        """SQL counting the named records, and its parameters."""
        model = self.queryset.model
        field = model._meta.pk if self.key == "pk" else model._meta.get_field(self.key)
        if self.queryset.query.where or field.is_relation:  # (written by hand for the plain case only)
            matching = self.queryset.filter(**{f"{self.key}__in": list(self)}).values("pk")
            sql, params = matching.query.sql_with_params()
            return f"SELECT COUNT(*) FROM ({sql}) _matching", list(params)
        quote = connection.ops.quote_name
        sql = f"SELECT COUNT(*) FROM {quote(model._meta.db_table)} WHERE {quote(field.column)} = ANY(%s)"
        return sql, [[field.to_python(value) for value in set(self)]]


class RelatedChoiceField(django_filters.fields.ModelMultipleChoiceField):
    """Related records by id or slug.

    Ids are checked to be ids before they reach the database (an overlong integer is a
    400, not a crash); a record that does not exist is ``does_not_exist``, as in bodies.
    With ``defer_existence``, that last check is left to the caller (``References``).
    """

    def __init__(self, *args, defer_existence: bool = False, **kwargs):
        self.defer_existence = defer_existence
        super().__init__(*args, **kwargs)

    def _check_values(self, value):
        if self.to_field_name is None:
            for item in value:
                text = str(item).strip()
                if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
                    raise invalid(
                        _("{value} is not an id (a whole number).").format(value=repr(item)), code="invalid_pk_value"
                    )
        if self.defer_existence and self._canonical(value):
            for item in value:
                self.validate_no_null_characters(item)
            return References(self.queryset, self.to_field_name or "pk", value)
        try:
            return super()._check_values(value)
        except forms.ValidationError as exc:
            if exc.code != "invalid_choice":
                raise
            name, key = _(str(self.queryset.model._meta.verbose_name)), self.to_field_name or "id"
            detail = _("No {model} with {kind} {value}.").format(model=name, kind=key, value=repr(exc.params["value"]))
            raise invalid(detail, code="does_not_exist") from None

    def _canonical(self, value) -> bool:
        """Whether each value is spelled as the record's own key (``066`` names no record, as checked)."""
        return self.to_field_name is not None or all(str(int(item)) == item for item in value)


class RelatedFilter(django_filters.ModelMultipleChoiceFilter):
    """A related record by slug or id, repeatable (OR); ``constraint`` narrows the relation (e.g. role=party)."""

    field_class = RelatedChoiceField

    def __init__(self, *args, constraint: dict | None = None, **kwargs):
        self.constraint = constraint or {}
        kwargs.setdefault("distinct", True)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        prefix = self.field_name.rsplit("__", 1)[0] if "__" in self.field_name else None
        target = f"{self.field_name}__{value.key}" if isinstance(value, References) else self.field_name
        lookups = {f"{target}__in": list(value)}
        for key, wanted in self.constraint.items():
            lookups[f"{prefix}__{key}" if prefix else key] = wanted
        matching = _rows_through(qs.model, lookups)
        if self.exclude:
            return qs.exclude(pk__in=matching if matching is not None else _matching_pks(qs.model, lookups))
        if matching is not None:
            return qs.filter(pk__in=matching)
        if _crosses_many(qs.model, self.field_name):
            # A semi-join (id IN (subquery)) rather than a join and DISTINCT: the same rows,
            # but the count and the page keep their plain plans (and the ordering's index).
            return qs.filter(pk__in=_matching_pks(qs.model, lookups))
        return qs.filter(**lookups)


def _matching_pks(model, lookups: dict):
    return model._default_manager.filter(**lookups).values("pk")


def _rows_through(model, lookups: dict):
    """For lookups that all start with one reverse foreign key (``party_links__...``), the
    foreign key's values of the related rows that match, as a subquery; else None.

    ``id IN (SELECT agreement_id FROM agreementparty WHERE ...)`` rather than a subquery
    that joins the records' own table back in: less SQL to build, plan and run.
    """
    heads = {key.split("__", 1)[0] for key in lookups}
    if len(heads) != 1 or not all("__" in key for key in lookups):
        return None
    try:
        relation = model._meta.get_field(heads.pop())
    except FieldDoesNotExist:
        return None
    if not isinstance(relation, ManyToOneRel) or not relation.field.target_field.primary_key:
        return None
    rows = relation.related_model._default_manager.filter(
        **{key.split("__", 1)[1]: wanted for key, wanted in lookups.items()}
    )
    if relation.field.null:  # NOT IN (..., NULL) would leave nothing out
        rows = rows.filter(**{f"{relation.field.attname}__isnull": False})
    return rows.values(relation.field.attname)


def _crosses_many(model, path: str) -> bool:
    """Whether the lookup path goes through a relation with many rows per record."""
    for name in path.split("__"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        if field.one_to_many or field.many_to_many:
            return True
        if not field.is_relation:
            return False
        model = field.related_model
    return False


def related_filters(param: str, path: str, model, *, by_slug: bool = True, constraint=None, label: str = "") -> dict:
    """``param`` (slug), ``param_id`` (id), and their ``__n`` negations, for records related through ``path``."""
    label = label or model._meta.verbose_name
    queryset = model._default_manager.all()
    filters = {
        f"{param}_id": RelatedFilter(
            field_name=path, queryset=queryset, constraint=constraint, help_text=f"{label} id (repeatable: any of)"
        ),
        f"{param}_id__n": RelatedFilter(
            field_name=path, queryset=queryset, constraint=constraint, exclude=True, help_text=f"not this {label} id"
        ),
    }
    if by_slug:
        filters[param] = RelatedFilter(
            field_name=path,
            queryset=queryset,
            to_field_name="slug",
            constraint=constraint,
            help_text=f"{label} slug (repeatable: any of)",
        )
        filters[f"{param}__n"] = RelatedFilter(
            field_name=path,
            queryset=queryset,
            to_field_name="slug",
            constraint=constraint,
            exclude=True,
            help_text=f"not this {label} slug (repeatable)",
        )
    return filters


_LOOKUP_EXPR = {"n": "in", "ic": "icontains"}
_FORM_CLASSES: dict = {}
MAX_FORM_CLASSES = 512  # combinations of filters in use; cleared when full


class ChoiceInFilter(django_filters.BaseInFilter, django_filters.ChoiceFilter):
    """``field__in=a,b`` where every value must be a valid choice."""


class IdFormField(forms.IntegerField):
    """A record id: a whole number within the 64-bit range of the id columns."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if isinstance(value, str) and value.strip() and not value.strip().isdigit():
            raise invalid(_("{value} is not an id (a whole number).").format(value=repr(value)))
        return super().to_python(value)


class IdFilter(django_filters.NumberFilter):
    field_class = IdFormField


class IdInFilter(django_filters.BaseInFilter, IdFilter):
    """``id=1,2``: every value must be an id."""


class LookupFilterSet(django_filters.FilterSet):
    """Generates lookups from ``Meta.lookups`` (and takes ``Meta.extra`` filters); adds id filters."""

    id = IdInFilter(field_name="id", help_text="Record ids, comma-separated (any of).")
    id__n = IdInFilter(field_name="id", exclude=True, help_text="Record ids to leave out.")

    class Meta:
        fields: list[str] = []
        lookups: dict[str, list[str]] = {}
        extra: dict = {}

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, defer_existence: bool = False):
        # Build only the filters the request names. A filter without a value filters
        # nothing, and copying every filter and its form field (over a hundred on
        # agreements) cost more per request than the query itself.
        if data is not None:
            self.base_filters = {name: f for name, f in type(self).base_filters.items() if name in data}
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.defer_existence = defer_existence
        if defer_existence:
            for filter_ in self.filters.values():
                if isinstance(filter_, RelatedFilter):
                    filter_.extra["defer_existence"] = True
                    filter_.__dict__.pop("_field", None)  # a form field built before would not know

    def get_form_class(self):
        """One form class per combination of filters, built once (django-filter builds one a request).

        Forms copy their class's fields, so the class, shared across requests, is never changed.
        """
        key = (type(self), tuple(self.filters), self.defer_existence)
        form_class = _FORM_CLASSES.get(key)
        if form_class is None:
            if len(_FORM_CLASSES) >= MAX_FORM_CLASSES:
                _FORM_CLASSES.clear()
            form_class = _FORM_CLASSES[key] = super().get_form_class()
        return form_class

    @property
    def references(self) -> list[References]:
        """The related records the valid filters name without having checked them (``defer_existence``)."""
        return [value for value in self.form.cleaned_data.values() if isinstance(value, References)]

    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        model = cls._meta.model
        for name, lookups in getattr(cls.Meta, "lookups", {}).items():
            model_field = model._meta.get_field(name)
            for lookup in lookups:
                key = name if lookup == "exact" else f"{name}__{lookup}"
                if key in filters:
                    continue
                expr = _LOOKUP_EXPR.get(lookup, lookup)
                if expr == "in" and model_field.choices:
                    new = ChoiceInFilter(field_name=name, lookup_expr="in", choices=model_field.choices)
                else:
                    new = cls.filter_for_field(model_field, name, expr)
                new.exclude = lookup == "n"
                filters[key] = new
        for key, new in getattr(cls.Meta, "extra", {}).items():
            filters.setdefault(key, new)
        return filters


class UTCDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time, converted to UTC (PostgreSQL refuses offsets beyond ±15:59)."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(dt.UTC)
        except OverflowError:
            raise invalid(_("{value} is out of range once converted to UTC.").format(value=repr(value))) from None


class DateTimeFilter(django_filters.IsoDateTimeFilter):
    """``created__gte=2026-01-01T00:00:00Z``: any UTC offset; compared in UTC."""

    field_class = UTCDateTimeField


class ResourceFilterSet(LookupFilterSet):
    """The filters of every registry resource: lookups, ids, and the ``created``/``last_updated`` timestamps."""

    created__gte = DateTimeFilter(field_name="created", lookup_expr="gte")
    created__lte = DateTimeFilter(field_name="created", lookup_expr="lte")
    last_updated__gte = DateTimeFilter(
        field_name="last_updated", lookup_expr="gte", help_text="Changed at or after (ISO 8601), for incremental sync."
    )
    last_updated__lte = DateTimeFilter(field_name="last_updated", lookup_expr="lte")

    class Meta(LookupFilterSet.Meta):
        pass
