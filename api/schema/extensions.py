"""drf-spectacular extensions: token authentication, brief related records and partial dates."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension
from rest_framework import serializers

from api.core.resource_urls import resource_for
from api.schema.parameters import ID_SCHEMA, PARTIAL_DATE_PATTERN, SLUG_SCHEMA
from cooperation.partial_dates import Precision


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "api.core.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token: `Authorization: Bearer <key>` (or `Token <key>`).",
        }


class PartialDateSerializer(serializers.Serializer):
    """A date known to the day, the month or the year, with the range it covers."""

    value = serializers.CharField(help_text="ISO 8601 reduced precision: 2018-03-03, 2017-11 or 2022.")
    precision = serializers.ChoiceField(choices=Precision.choices)
    start = serializers.DateField(help_text="First day covered.")
    end = serializers.DateField(help_text="Last day covered.")


def _brief_serializer(model):
    has_slug = resource_for(model).has_slug
    attrs = {
        "id": serializers.IntegerField(),
        "url": serializers.URLField(),
        "display": serializers.CharField(),
        "__doc__": f"A {model._meta.verbose_name}, in brief.",
    }
    if has_slug:
        attrs["slug"] = serializers.SlugField()
    return type(f"Brief{model.__name__}Serializer", (serializers.Serializer,), attrs)


_BRIEF = {}


def brief_serializer(model):
    if model not in _BRIEF:
        _BRIEF[model] = _brief_serializer(model)
    return _BRIEF[model]


class BriefRelatedFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "api.core.fields.BriefRelatedField"

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        model = field.queryset.model if field.queryset is not None else _related_model(field)
        if direction == "response":
            return auto_schema.resolve_serializer(brief_serializer(model), direction).ref
        if resource_for(model).has_slug:
            schema = {
                "oneOf": [dict(ID_SCHEMA), dict(SLUG_SCHEMA)],
                "description": f"The {model._meta.verbose_name}'s id (integer) or slug (string).",
            }
        else:
            schema = {**ID_SCHEMA, "description": f"The {model._meta.verbose_name}'s id."}
        return schema


def _related_model(field):
    parent_model = field.parent.Meta.model
    return parent_model._meta.get_field(field.source).related_model


class PartialDateFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "api.core.fields.PartialDateField"

    def map_serializer_field(self, auto_schema, direction):
        if direction == "response":
            return auto_schema.resolve_serializer(PartialDateSerializer, direction).ref
        schema = {
            "type": "string",
            "pattern": PARTIAL_DATE_PATTERN,
            "description": "YYYY, YYYY-MM or YYYY-MM-DD"
            + ("; null clears the date." if self.target.allow_null else "."),
            "example": "2017-11",
        }
        return schema
