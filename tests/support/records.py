"""The registry's rows (compared before and after, to prove that a refused write wrote nothing) and change log."""

from __future__ import annotations

from django.apps import apps
from django.db import models

from cooperation.history.models import ChangeRecord


def rows(model: type[models.Model]) -> list[dict]:
    """Every row of ``model``, in id order."""
    return list(model.objects.order_by("pk").values())


def all_rows() -> dict[str, list[dict]]:
    """Every row of every registry model, by model name."""
    return {model.__name__: rows(model) for model in apps.get_app_config("cooperation").get_models()}


def changes_of(obj: models.Model) -> list[ChangeRecord]:
    """The change log of one record, oldest first."""
    return list(ChangeRecord.objects.filter(model=obj._meta.label_lower, object_id=obj.pk).order_by("id"))
