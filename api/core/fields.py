"""Serializer fields shared by every resource: brief related objects and partial dates."""

from __future__ import annotations

import re

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.core.resource_urls import detail_url, resource_for
from cooperation.localization import NameStatus, ReaderLanguage, display, localized_name
from cooperation.partial_dates import PartialDate

MAX_ID = 2**63 - 1  # the range of BigAutoField ids
SLUG = re.compile(r"[-a-zA-Z0-9_]+")  # what SlugField accepts


def brief(obj: models.Model | None, request) -> dict | None:
    """The brief form of a record: id, url, slug (when it has one) and display text (in the active language)."""
    if obj is None:
        return None
    data = {"id": obj.pk, "url": detail_url(obj, request)}
    if resource_for(type(obj)).has_slug:
        data["slug"] = obj.slug
    data["display"] = display(obj)
    return data


class LocalizedNameSerializer(serializers.Serializer):
    """The record's name in the response's language, or the English name it fell back to."""

    text = serializers.CharField(help_text="The name shown.")
    language = serializers.ChoiceField(
        choices=ReaderLanguage.choices,
        help_text="The language the text is really in: the one asked for, or `en` when it fell back.",
    )
    status = serializers.ChoiceField(
        choices=NameStatus.choices,
        allow_null=True,
        help_text=(
            "`official` (the official name in that language), `translation` or `transliteration`; null for "
            "the record's canonical English name, whose standing the registry does not record."
        ),
    )
    is_fallback = serializers.BooleanField(
        help_text="True when the record has no name in the language asked for and the English name is shown."
    )


@extend_schema_field(LocalizedNameSerializer)
class LocalizedNameField(serializers.Field):
    """Read-only: the record's ``LocalizedName`` in the active language (canonical fields never change)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", LocalizedNameSerializer.__doc__)
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value):
        name = localized_name(value)
        return {"text": name.text, "language": name.language, "status": name.status, "is_fallback": name.is_fallback}


class BriefRelatedField(serializers.RelatedField):
    """A foreign key: read as a brief object, written as an id (integer) or a slug (string)."""

    default_error_messages = {
        "does_not_exist": gettext_lazy("No {model} with {kind} {value!r}."),
        "incorrect_type": gettext_lazy("Give the {model}'s id (integer) or slug (string), not {data_type}."),
        "incorrect_type_no_slug": gettext_lazy("Give the {model}'s id (integer), not {data_type}."),
    }

    def to_representation(self, value):
        return brief(value, self.context.get("request"))

    def use_pk_only_optimization(self):
        return False

    def run_validation(self, data=serializers.empty):
        # DRF's RelatedField reads "" as null; here, as in the schema, "" is no slug (does_not_exist).
        return serializers.Field.run_validation(self, data)

    def to_internal_value(self, data):
        model = self.get_queryset().model
        has_slug = resource_for(model).has_slug
        name = _(str(model._meta.verbose_name))
        if isinstance(data, bool) or not isinstance(data, int | str):
            key = "incorrect_type" if has_slug else "incorrect_type_no_slug"
            self.fail(key, model=name, data_type=type(data).__name__)
        if isinstance(data, str) and not has_slug:
            self.fail("incorrect_type_no_slug", model=name, data_type=_("a string"))
        if isinstance(data, int) and not 1 <= data <= MAX_ID:
            self.fail("does_not_exist", model=name, kind="id", value=data)
        if isinstance(data, str) and not SLUG.fullmatch(data):
            # No record has such a slug; and a NUL in a query would be a database error on PostgreSQL.
            self.fail("does_not_exist", model=name, kind="slug", value=data)
        lookup = {"slug": data} if isinstance(data, str) else {"pk": data}
        try:
            return self.get_queryset().get(**lookup)
        except (ObjectDoesNotExist, ValueError, OverflowError):
            self.fail("does_not_exist", model=name, kind="slug" if isinstance(data, str) else "id", value=data)


# Text with a grammar (the schema's pattern or format): surrounding whitespace breaks it, and is not trimmed.
GRAMMAR_FIELDS = (serializers.SlugField, serializers.URLField, serializers.EmailField, serializers.RegexField)


class StringOnlyMixin:
    """Text fields take JSON strings only, judged as sent.

    DRF would store ``0`` as ``"0"``, a value the schema calls invalid. And it trims surrounding
    whitespace before validating, so it accepted what the schema refuses: a string longer than
    ``maxLength`` padded with whitespace (Python's, control characters ``\x1c``-``\x1f``
    included), a slug or URL with a space around it. So the length is checked before trimming,
    and slugs, URLs and the like are not trimmed at all.
    """

    def __init__(self, **kwargs):
        if isinstance(self, GRAMMAR_FIELDS):
            kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


def string_only(field_class: type[serializers.CharField]) -> type[serializers.CharField]:
    return type(field_class.__name__, (StringOnlyMixin, field_class), {"__doc__": field_class.__doc__})


StrictCharField = string_only(serializers.CharField)
StrictURLField = string_only(serializers.URLField)
# ModelSerializer.serializer_field_mapping, with every text field (CharField and its subclasses) string-only.
STRING_ONLY_FIELD_MAPPING = {
    model_field: string_only(field) if issubclass(field, serializers.CharField) else field
    for model_field, field in serializers.ModelSerializer.serializer_field_mapping.items()
}


class PartialDateField(serializers.Field):
    """A partial date: read as {value, precision, start, end}; written as "2018-03-03", "2017-11" or "2022"."""

    default_error_messages = {
        "invalid": "{error}",
        "type": gettext_lazy("Give the date as a string: YYYY, YYYY-MM or YYYY-MM-DD."),
    }

    def __init__(self, stem: str, **kwargs):
        self.stem = stem
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(source="*", **kwargs)

    def get_attribute(self, instance):
        return instance

    def to_representation(self, instance):
        return partial_date_data(instance.get_partial_date(self.stem))

    def validate_empty_values(self, data):
        if data is None and self.allow_null:
            return True, {self.stem: None, f"{self.stem}_precision": "", f"{self.stem}_end": None}
        return super().validate_empty_values(data)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("type")
        try:
            value = PartialDate.parse(data)
        except ValueError as exc:
            self.fail("invalid", error=str(exc))
        return {self.stem: value.start, f"{self.stem}_precision": value.precision, f"{self.stem}_end": value.end}


def partial_date_data(value: PartialDate | None) -> dict | None:
    if value is None:
        return None
    return {
        "value": value.isoformat(),
        "precision": value.precision,
        "start": value.start.isoformat(),
        "end": value.end.isoformat(),
    }
