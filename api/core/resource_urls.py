"""Records' URLs in the API, built from the resource declarations (``api.resources``) without a reverse() per row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from urllib.parse import quote

from django.apps import apps
from django.db import models
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast
from django.urls import get_script_prefix, reverse

from api.resources import LOG_RESOURCES, RESOURCES, Resource

ALL_RESOURCES = {**RESOURCES, **LOG_RESOURCES}


def resource_for(model: type[models.Model]) -> Resource:
    return ALL_RESOURCES[model._meta.concrete_model]


def list_url(resource: Resource, request) -> str:
    """The resource's list URL (absolute with a request), reversed once per resource, scheme and host."""
    origin = (request.scheme, request.get_host()) if request is not None else None
    key = (resource.basename, origin, get_script_prefix())
    prefix = _LIST_URLS.get(key)
    if prefix is None:
        path = reverse(f"api:{resource.basename}-list")
        prefix = request.build_absolute_uri(path) if request is not None else path
        if len(_LIST_URLS) >= MAX_LIST_URLS:
            _LIST_URLS.clear()
        _LIST_URLS[key] = prefix
    return prefix


# Hosts are limited by ALLOWED_HOSTS (``get_host`` refuses others), so the cache stays small; cleared when full.
MAX_LIST_URLS = 1024
_LIST_URLS: dict = {}


def detail_url(obj: models.Model, request=None) -> str:
    """Absolute (with a request) URL of a record's detail endpoint, built without a reverse() per row."""
    resource = resource_for(type(obj))
    value = obj.slug if resource.has_slug else obj.pk
    return f"{list_url(resource, request)}{quote(str(value))}/"


def live_record_urls(keys: Iterable[tuple[str, int]], request=None) -> dict[tuple[str, int], str]:
    """API URLs of the registry records named by ``(model label, id)`` that still exist.

    One query whatever the number of records and models (a UNION ALL of one
    select per model); records that are gone, or not served by the API, are left out.
    """
    ids_by_model: dict[type[models.Model], set[int]] = defaultdict(set)
    for label, pk in keys:
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        if model in RESOURCES:
            ids_by_model[model].add(pk)
    selects = [
        model._default_manager.filter(pk__in=ids)
        .order_by()
        .annotate(
            change_model=Value(model._meta.label_lower, output_field=CharField()),
            change_key=F("slug") if RESOURCES[model].has_slug else Cast("pk", output_field=CharField()),
        )
        .values_list("change_model", "pk", "change_key")
        for model, ids in sorted(ids_by_model.items(), key=lambda item: item[0]._meta.label_lower)
    ]
    if not selects:
        return {}
    rows = selects[0].union(*selects[1:], all=True) if len(selects) > 1 else selects[0]
    urls = {}
    for label, pk, key in rows:
        resource = RESOURCES[apps.get_model(label)]
        urls[(label, pk)] = f"{list_url(resource, request)}{quote(str(key))}/"
    return urls
