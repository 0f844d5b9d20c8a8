"""Write one ``ChangeRecord`` per historical record, with its field-level diff.

The diff is computed at write time, when the previous historical record is one
indexed lookup away, so that the change log can be listed and filtered without
joining fourteen history tables. Field values are stored as JSON: ids for foreign
keys, ISO 8601 strings for dates and times, and partial dates in their reduced
form (``2017-11``), one entry per partial date rather than per column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from simple_history.signals import post_create_historical_record

from cooperation.history.models import ChangeRecord
from cooperation.models.base import RegistryModel
from cooperation.partial_dates import PartialDate, partial_date_stems

ACTIONS = {"+": ChangeRecord.Action.CREATED, "~": ChangeRecord.Action.UPDATED, "-": ChangeRecord.Action.DELETED}
_REPR_LENGTH = ChangeRecord._meta.get_field("object_repr").max_length
_EMPTY = (None, "", [], {})


def tracked_models() -> list[type[models.Model]]:
    """Every registry model whose changes are recorded."""
    return [
        model
        for model in apps.get_app_config("cooperation").get_models()
        if hasattr(model._meta, "simple_history_manager_attribute")
    ]


def jsonable(value: Any) -> Any:
    """A field value as JSON: ISO strings for dates, ids for records, codes for countries."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, Iterable) and not isinstance(value, bytes):  # lists, sets, several countries
        return [jsonable(item) for item in value]
    return str(value)  # e.g. a django-countries Country: its code


def _partial_date(start: dt.date | None, precision: str) -> str | None:
    if start is None:
        return None
    try:
        return PartialDate(start, precision).isoformat()
    except ValueError:  # an inconsistent row (the database checks forbid it): show what is stored
        return start.isoformat()


def snapshot(record: models.Model) -> dict[str, Any]:
    """The editable values of a historical record, by field name, as JSON.

    A partial date is one entry (``"signed_on": "2017-11"``); its precision and
    derived range columns are folded into it.
    """
    stems = set(partial_date_stems(record.instance_type))
    folded = {f"{stem}_precision" for stem in stems}
    values = {}
    for field in record.tracked_fields:
        if not field.editable or field.primary_key or field.name in folded:
            continue
        if field.name in stems:
            values[field.name] = _partial_date(
                getattr(record, field.attname), getattr(record, f"{field.name}_precision")
            )
        else:
            values[field.name] = jsonable(field.value_from_object(record))
    return values


def previous_record(record: models.Model) -> models.Model | None:
    """The historical record written just before ``record`` for the same object."""
    pk_name = record.instance_type._meta.pk.attname
    return (
        type(record)
        ._default_manager.filter(**{pk_name: getattr(record, pk_name), "history_id__lt": record.history_id})
        .order_by("-history_id")
        .first()
    )


def field_changes(record: models.Model) -> dict[str, dict[str, Any]]:
    """``{"field": {"old": ..., "new": ...}}`` for one historical record.

    A creation lists every field given a value (old: null), a deletion every field
    that had one (new: null). An update is diffed against the previous historical
    record; an update of a record with no earlier history (one that predates it)
    has nothing to diff against and records no fields.
    """
    action = ACTIONS[record.history_type]
    if action == ChangeRecord.Action.CREATED:
        return {name: {"old": None, "new": value} for name, value in snapshot(record).items() if value not in _EMPTY}
    if action == ChangeRecord.Action.DELETED:
        return {name: {"old": value, "new": None} for name, value in snapshot(record).items() if value not in _EMPTY}
    previous = previous_record(record)
    if previous is None:
        return {}
    delta = record.diff_against(previous)
    stems = set(partial_date_stems(record.instance_type))
    changed = {_fold(name, stems) for name in delta.changed_fields}
    before, after = snapshot(previous), snapshot(record)
    return {
        name: {"old": before[name], "new": after[name]}
        for name in sorted(changed)
        if name in after and before.get(name) != after[name]
    }


def _fold(name: str, stems: set[str]) -> str:
    """A partial date's precision column reports as the partial date."""
    stem = name.removesuffix("_precision")
    return stem if stem in stems else name


def describe(instance: models.Model) -> str:
    """The record as text, even when a record it names is already gone (in a cascade)."""
    try:
        text = str(instance)
    except ObjectDoesNotExist:
        text = f"{instance._meta.verbose_name} {instance.pk}"
    return text[:_REPR_LENGTH]


@receiver(pre_delete, dispatch_uid="cooperation.history.describe_before_delete")
def describe_before_delete(sender, instance, **kwargs) -> None:
    """Name a record while everything it names still exists.

    In a cascade Django may delete a citation's subject before the citation itself;
    every ``pre_delete`` is sent before the first row goes.
    """
    if isinstance(instance, RegistryModel):
        instance._change_repr = describe(instance)


@receiver(post_create_historical_record, dispatch_uid="cooperation.history.record_change")
def record_change(sender, instance, history_instance, **kwargs) -> None:
    """Sum a new historical record of a registry model up as a ``ChangeRecord``."""
    if not isinstance(instance, RegistryModel):
        return
    pk_name = instance._meta.pk.attname
    action = ACTIONS[history_instance.history_type]
    remembered = instance.__dict__.pop("_change_repr", None) if action == ChangeRecord.Action.DELETED else None
    ChangeRecord.objects.create(
        model=instance._meta.label_lower,
        object_id=getattr(history_instance, pk_name),
        object_repr=remembered or describe(instance),
        action=action,
        changed_at=history_instance.history_date,
        user_id=history_instance.history_user_id,
        changes=field_changes(history_instance),
        history_id=history_instance.history_id,
    )
