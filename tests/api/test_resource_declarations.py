"""Guards: a resource is declared once (``api.resources``), and every piece it needs exists."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils.module_loading import import_string

from api.resources import LOG_RESOURCES, RESOURCES, all_viewsets

DECLARED = {**RESOURCES, **LOG_RESOURCES}


def registry_models() -> list[type[models.Model]]:
    return [model for model in apps.get_app_config("cooperation").get_models() if not model._meta.auto_created]


def test_every_registry_model_is_a_resource():
    missing = [model.__name__ for model in registry_models() if model not in RESOURCES]
    assert not missing, f"declare these in api/resources.py: {missing}"


@pytest.mark.parametrize("model", list(DECLARED), ids=lambda model: model.__name__)
def test_each_resource_has_its_pieces(model):
    resource = DECLARED[model]
    viewset = import_string(resource.viewset)
    assert viewset.queryset.model is model, f"{resource.viewset} serves {viewset.queryset.model.__name__}"
    assert viewset.serializer_class.Meta.model is model
    assert viewset.filterset_class._meta.model is model
    assert viewset.lookup_field == resource.lookup_field
    assert reverse(f"api:{resource.basename}-list") == f"/api/v1/{resource.prefix}/"
    if model in RESOURCES:
        assert admin.site.is_registered(model), f"register a ModelAdmin for {model.__name__}"


def test_every_viewset_is_routed_once():
    viewsets = all_viewsets()
    assert len(set(viewsets)) == len(viewsets) == len(DECLARED)


def resolve(path: str):
    """``cooperation.models.Agreement.Kind``: the longest importable module, then attributes."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            value = import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            value = getattr(value, name)
        return value
    raise ImportError(path)


def test_every_choices_class_of_a_resource_has_an_enum_name():
    values = [resolve(path) for path in settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].values()]
    named_choices = {tuple(value.choices) for value in values if hasattr(value, "choices")}
    missing = []
    for model in DECLARED:
        for field in model._meta.concrete_fields:
            if field.choices and tuple(field.choices) not in named_choices and field.name != "countries":
                missing.append(f"{model.__name__}.{field.name}")
    assert not missing, f"add to ENUM_NAME_OVERRIDES: {missing}"
