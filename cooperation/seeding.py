"""Load the curated YAML fixtures idempotently, validating every record.

Fixtures are ordinary Django serialization files (``loaddata`` reads them too);
this loader adds what ``loaddata`` lacks: each record goes through ``full_clean``
(the same rules as the admin and the API), unchanged records are not re-saved,
and the first bad record aborts the whole load with its file and position named.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.conf import settings
from django.core import serializers
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, ValidationError
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError, transaction

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
_TIMESTAMPS = {"created", "last_updated"}
_RECORD_ERRORS = (
    DeserializationError,
    FieldDoesNotExist,
    ObjectDoesNotExist,
    ValidationError,
    DatabaseError,
    ValueError,
    KeyError,
    TypeError,
)


class FixtureError(Exception):
    """A fixture could not be loaded; the message names the file and record."""


@dataclass
class SeedReport:
    """What a load did, per model: created, updated and unchanged counts."""

    counts: dict[str, Counter] = field(default_factory=dict)

    def add(self, label: str, outcome: str) -> None:
        self.counts.setdefault(label, Counter())[outcome] += 1

    def total(self, outcome: str) -> int:
        return sum(c[outcome] for c in self.counts.values())

    def lines(self) -> list[str]:
        return [
            f"{label:<32} created {c[CREATED]:>3}  updated {c[UPDATED]:>3}  unchanged {c[UNCHANGED]:>3}"
            for label, c in sorted(self.counts.items())
        ]


def default_fixture_files() -> list[Path]:
    """Every ``*.yaml`` file in the fixture directories, in name order (the load order)."""
    return sorted(p for d in settings.FIXTURE_DIRS for p in Path(d).glob("*.yaml"))


def describe(record: object) -> str:
    """A short human description of a raw fixture record, for error messages."""
    if not isinstance(record, dict):
        return f"not a mapping: {record!r:.60}"
    fields = record.get("fields") if isinstance(record.get("fields"), dict) else {}
    model = record.get("model", "?")
    if "slug" in fields:
        return f"{model} {fields['slug']}"
    keys = [
        f"{name}={'/'.join(map(str, value)) if isinstance(value, list) else value}"
        for name, value in fields.items()
        if isinstance(value, list | str) and name not in ("quote", "note", "summary", "description")
    ]
    return f"{model} " + ", ".join(keys[:4])


def _differs(existing, incoming) -> bool:
    for f in type(incoming)._meta.concrete_fields:
        if f.primary_key or f.name in _TIMESTAMPS or not f.editable:  # derived columns follow the others
            continue
        if f.value_to_string(existing) != f.value_to_string(incoming):
            return True
    return False


def _apply(record: dict) -> tuple[str, str]:
    (deserialized,) = serializers.deserialize("python", [record])
    instance = deserialized.object
    model = type(instance)
    existing = model._default_manager.filter(pk=instance.pk).first() if instance.pk else None
    instance._state.adding = existing is None
    # Constraints are enforced by the database at save (and reported like any other error);
    # checking each one here first would cost a query per constraint per record.
    instance.full_clean(validate_constraints=False)
    if existing is not None and not _differs(existing, instance):
        return model._meta.label, UNCHANGED
    if existing is not None:
        instance.created = existing.created
    instance.save()
    return model._meta.label, UPDATED if existing is not None else CREATED


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and hasattr(exc, "message_dict"):
        return "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in exc.message_dict.items())
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def load_file(path: Path, report: SeedReport) -> None:
    try:
        records = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise FixtureError(f"{path}: cannot be read as YAML: {exc}") from exc
    if not isinstance(records, list):
        raise FixtureError(f"{path}: a fixture file must be a list of records")
    for index, record in enumerate(records, start=1):
        try:
            if not (isinstance(record, dict) and isinstance(record.get("fields"), dict)):
                raise ValueError("each record must be a mapping with 'model' and a 'fields' mapping")
            label, outcome = _apply(record)
        except _RECORD_ERRORS as exc:
            raise FixtureError(f"{path}, record {index} ({describe(record)}): {_error_text(exc)}") from exc
        report.add(label, outcome)


def seed(paths: Iterable[Path] | None = None) -> SeedReport:
    """Load fixture files in order, all or nothing."""
    report = SeedReport()
    files = list(paths) if paths is not None else default_fixture_files()
    if not files:
        raise FixtureError("no fixture files found")
    with transaction.atomic():
        for path in files:
            load_file(Path(path), report)
    return report
