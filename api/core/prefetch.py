"""Derive select_related/prefetch_related from a serializer, NetBox-style.

Walking the serializer's fields means a nested field added to a serializer can
never introduce an N+1 query: the view's queryset follows the serializer.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Prefetch
from rest_framework import serializers

from api.core.fields import BriefRelatedField
from cooperation.localization import DISPLAY_RELATIONS


def model_field_named(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:  # a method, property or "*" source
        return None


def optimize(queryset: models.QuerySet, serializer: serializers.Serializer) -> models.QuerySet:
    """Return ``queryset`` with the joins, prefetches and column set ``serializer`` will need."""
    select, prefetch = plan(queryset.model, serializer)
    if select:
        queryset = queryset.select_related(*select)
        deferred = [f"{path}__{name}" for path in select for name in unread_columns(queryset.model, path)]
        if deferred:
            queryset = queryset.defer(*deferred)
    if prefetch:
        queryset = queryset.prefetch_related(*prefetch)
    if _has_field(queryset.model, "search_text"):
        queryset = queryset.defer("search_text")  # derived, for filtering only; never serialized
    return queryset


def unread_columns(model, path: str) -> list[str]:
    """Columns of the record a brief related object at ``path`` shows, that it never reads.

    A brief object needs the id, the slug and what ``str()`` reads (the model's
    ``display_fields``); loading the rest (descriptions, search text, timestamps) only
    costs parsing. Models that do not declare ``display_fields`` are loaded whole.
    """
    for name in path.split("__"):
        model = model._meta.get_field(name).related_model
    shown = getattr(model, "display_fields", None)
    if shown is None:
        return []
    keep = {model._meta.pk.name, "slug", "localized_names", *shown}  # (localized displays read localized_names)
    return [f.name for f in model._meta.concrete_fields if f.name not in keep]


def _has_field(model, name: str) -> bool:
    return model_field_named(model, name) is not None


def plan(model, serializer) -> tuple[list[str], list]:
    if isinstance(serializer, serializers.ListSerializer):
        serializer = serializer.child
    select: list[str] = []
    prefetch: list = []
    for field in serializer.fields.values():
        if field.write_only:
            continue
        source = field.source
        if not source or source == "*" or "." in source:
            continue
        model_field = model_field_named(model, source)
        if model_field is None or not model_field.is_relation:
            continue
        if isinstance(field, BriefRelatedField) and (model_field.many_to_one or model_field.one_to_one):
            select.append(source)
        elif isinstance(field, serializers.ListSerializer) and (model_field.one_to_many or model_field.many_to_many):
            related = model_field.related_model
            inner = optimize(related._default_manager.all(), field.child)
            if model_field.one_to_many:
                inner = inner.order_by(*ordering_within_parent(related, model_field.field.name))
            prefetch.append(Prefetch(source, queryset=inner))
        elif isinstance(field, serializers.ManyRelatedField):
            prefetch.append(source)
    if "display" in serializer.fields:  # the records a display names (cooperation.localization)
        select += [name for name in DISPLAY_RELATIONS.get(model, ()) if name not in select]
    # Method fields declare what they read: Meta.select_hints / Meta.prefetch_hints,
    # {"field name": [lookups]}, applied only when that field is present.
    meta = getattr(serializer, "Meta", None)
    for name, lookups in getattr(meta, "select_hints", {}).items():
        if name in serializer.fields:
            select += lookups
    for name, lookups in getattr(meta, "prefetch_hints", {}).items():
        if name in serializer.fields:
            prefetch += lookups
    return select, prefetch


def ordering_within_parent(model, parent_fk: str) -> list[str]:
    """The model's default ordering without the terms that sort by its parent.

    Prefetched children are grouped under their parent anyway; ordering by the
    parent's own ordering (``agreement`` → signed_on, slug) would only add a join.
    """
    terms = [
        t for t in model._meta.ordering if t.lstrip("-") != parent_fk and not t.lstrip("-").startswith(f"{parent_fk}__")
    ]
    return terms or ["pk"]


__all__ = ["optimize"]
