"""Compiles a read serializer into one PostgreSQL ``json_build_object`` expression per record.

Displays and localized names are written in the active language (the caller compiles once per language).

Anything it does not know (a method field, a country list, a nested list below the first
level) raises ``Unsupported``, and the request takes the ordinary DRF path.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.db import models
from django.db.models import Case, F, Func, OuterRef, Subquery, TextField, When
from django.db.models.functions import Cast
from rest_framework import serializers

from api.core.fields import BriefRelatedField, LocalizedNameField, PartialDateField
from api.core.prefetch import model_field_named, ordering_within_parent
from api.core.resource_urls import list_url, resource_for
from api.resources import RESOURCES
from api.serializers.changes import FieldChangeSerializer
from api.serializers.common import CountryCodesField
from api.serializers.missions import ClaimSerializer
from api.sql.expressions import (
    EMPTY_LIST,
    NULL_JSON,
    NULL_TEXT,
    Concat,
    JSONAgg,
    JSONBuildObject,
    Timestamp,
    Unsupported,
    at_path,
    citation_display,
    claim_status,
    country_codes,
    display,
    equals,
    field_changes,
    is_current_claim,
    localized_name,
    partial_date,
    text,
)
from cooperation import models as m
from cooperation.history.models import ChangeRecord
from cooperation.models.provenance import ArcModel


class Compiler:
    """Compiles serializers for one request (the URLs in the documents are absolute, like DRF's)."""

    def __init__(self, request):
        self.request = request

    def url(self, model, prefix: str):
        resource = resource_for(model)
        key = F(at_path(prefix, "slug")) if resource.has_slug else Cast(F(at_path(prefix, "id")), TextField())
        return Concat(text(list_url(resource, self.request)), key, text("/"))

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
            {
                name: self.field(field, model, prefix, top)
                for name, field in serializer.fields.items()
                if not field.write_only
            }
        )

    def method_field(self, field, model, prefix: str):
        """The method fields the compilers know: ``url``, ``display`` and an arc's ``subject``."""
        if field.field_name == "url":
            return self.url(model, prefix)
        if field.field_name == "display":
            return citation_display(prefix) if model is m.Citation else display(model, prefix)
        if field.field_name == "subject" and issubclass(model, ArcModel):
            return self.subject(model, prefix)
        if model is m.Milestone and field.field_name == "claim_status":
            return claim_status(prefix)
        if model is m.Milestone and field.field_name == "is_current":
            return is_current_claim(prefix)
        if model is m.Mission and field.field_name in ("milestones", "current_milestones") and not prefix:
            return self.claims(field)
        if model is ChangeRecord and field.field_name == "object_url" and not prefix:
            return self.live_url()
        raise Unsupported(f"method field {field.field_name}")

    def claims(self, field):
        """``MissionSerializer.get_milestones`` (every claim) or ``get_current_milestones`` (the current ones),
        each as ``ClaimSerializer`` writes it, in the prefetch's order."""
        claim = ClaimSerializer(context=field.parent.context)
        only = is_current_claim("") if field.field_name == "current_milestones" else None
        rows = self.aggregated_children(
            SimpleNamespace(source="milestones", field_name=field.field_name),
            m.Mission,
            lambda child, order_by: JSONAgg(self.document(claim, child, top=False), order_by=order_by),
            where=only,
        )
        return Func(Subquery(rows, output_field=models.JSONField()), EMPTY_LIST, function="COALESCE")

    def live_url(self):
        """``ChangeRecordSerializer.get_object_url``: the changed record's URL while it exists, else null."""
        whens = []
        for model in RESOURCES:
            url = model._default_manager.filter(pk=OuterRef("object_id")).annotate(_url=self.url(model, ""))
            subquery = Subquery(url.order_by().values("_url")[:1], output_field=TextField())
            whens.append(When(equals("model", model._meta.label_lower), then=subquery))
        return Case(*whens, default=NULL_TEXT, output_field=TextField())

    def subject(self, model, prefix: str):
        """``ArcSerializer.get_subject``: the type, id and URL of the one record the arc points at."""
        whens = []
        for kind in model.arc_fields:
            related = model._meta.get_field(kind).related_model
            document = JSONBuildObject(
                {
                    "type": text(kind),
                    "id": F(at_path(prefix, f"{kind}_id")),
                    "url": self.url(related, at_path(prefix, kind)),
                }
            )
            whens.append(When(**{f"{at_path(prefix, kind)}__isnull": False}, then=document))
        return Case(*whens, default=NULL_JSON, output_field=models.JSONField())

    @staticmethod
    def followed(field, model, prefix: str):
        """A column read through foreign keys (``source="user.username"``): null when a key is unset,
        as DRF writes a field that ``allow_null`` when it cannot follow the path."""
        *links, name = field.source.split(".")
        target = model
        for link in links:
            relation = model_field_named(target, link)
            if relation is None or not (relation.many_to_one or relation.one_to_one):
                raise Unsupported(f"field {field.field_name}")
            target = relation.related_model
        column = model_field_named(target, name)
        if column is None or column.is_relation or not field.allow_null:
            raise Unsupported(f"field {field.field_name}")
        return F(at_path(prefix, "__".join(field.source.split("."))))

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
        if isinstance(field, LocalizedNameField):
            return localized_name(model, prefix)
        if isinstance(field, PartialDateField):
            return partial_date(at_path(prefix, field.stem))
        if isinstance(field, serializers.ListSerializer):
            if not top:
                raise Unsupported(f"nested list {name} below the first level")
            return self.children(field, model)
        if isinstance(field, BriefRelatedField):
            model_field = self.foreign_key(field, model)
            return self.brief(model_field.related_model, at_path(prefix, field.source), model_field.null)
        if "." in field.source and isinstance(field, SCALARS):
            return self.followed(field, model, prefix)
        if isinstance(field, serializers.DictField) and isinstance(field.child, FieldChangeSerializer):
            return field_changes(at_path(prefix, field.source))
        if isinstance(field, CountryCodesField):
            return country_codes(at_path(prefix, field.source))
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

    def aggregated_children(self, field, model, aggregate, where=None):
        """A correlated subquery: ``aggregate(child_model, order_by)`` over one record's nested rows.

        The rows are those of the reverse foreign key behind ``field``, in their prefetch order
        (only those for which the boolean expression ``where`` holds, when given).
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
        rows = child_model._default_manager.filter(**{parent_fk: OuterRef("pk")})
        if where is not None:
            rows = rows.filter(where)
        return (
            rows.order_by().values(parent_fk).annotate(aggregated=aggregate(child_model, order_by)).values("aggregated")
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
