"""``manage.py export [--output FILE|DIR]``: a consistent backup that ``loaddata`` restores exactly.

What it adds over ``dumpdata``:

* **The right model set.** Every table of every app (the registry, its change
  history, accounts, roles, API tokens, the admin log) except what ``migrate``
  rebuilds from code (content types, permissions) and sessions.
* **Keys that survive a move.** Registry and history rows keep their ids, which are
  public (API URLs, ``id`` fields, the change log's ``object_id``). Users and groups,
  which another database numbers its own way, are written and referred to by natural
  key (username, group name), as are permissions and content types.
* **Exact timestamps.** ``dumpdata``'s JSON keeps milliseconds only, so a restored
  record's ``created``/``last_updated`` would differ from the original's; this keeps
  microseconds.
* **One consistent snapshot**, even while the site takes writes (a repeatable-read,
  read-only transaction on PostgreSQL), written to a temporary file and renamed, so
  a failed export never leaves a truncated backup behind.

Restore into a freshly migrated, empty database with ``manage.py loaddata FILE``.
"""

from __future__ import annotations

import datetime
import gzip
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.json import Serializer as JSONSerializer
from django.db import DEFAULT_DB_ALIAS, connections, transaction

# Rebuilt by ``migrate`` from the code (and referred to by natural key), or ephemeral.
NOT_EXPORTED = ("contenttypes.contenttype", "auth.permission", "sessions.session")


def natural_primary_models() -> tuple[type, ...]:
    """Written without their ids: matched by natural key on restore."""
    return (Group, get_user_model())


def natural_reference_models() -> tuple[type, ...]:
    """Referred to by natural key: their ids are the target database's own."""
    return (ContentType, Permission, *natural_primary_models())


def exported_models() -> list[type]:
    """Every concrete model not in ``NOT_EXPORTED``; groups and users first, as the rest refer to them."""
    first = list(natural_primary_models())
    rest = [
        model
        for model in apps.get_models()
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.label_lower not in NOT_EXPORTED
        and model not in first
    ]
    return first + rest


class ExactJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder, without cutting times to milliseconds."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class BackupSerializer(JSONSerializer):
    """Django's JSON fixture format, with natural keys only for the rows another database numbers itself."""

    def get_dump_object(self, obj):
        data = super().get_dump_object(obj)
        if isinstance(obj, natural_primary_models()):
            del data["pk"]
        return data

    def handle_fk_field(self, obj, field):
        if issubclass(field.related_model, natural_reference_models()):
            super().handle_fk_field(obj, field)  # natural key (use_natural_foreign_keys is on)
        else:
            self._current[field.name] = self._value_from_field(obj, field)


def rows(models: Iterable[type], counts: Counter) -> Iterator:
    for model in models:
        for obj in model._base_manager.order_by("pk").iterator(chunk_size=2000):
            counts[model._meta.label] += 1
            yield obj


@contextmanager
def snapshot(database: str):
    """A transaction that sees one state of the database throughout."""
    connection = connections[database]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=database):
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        # SQLite: a read transaction already sees one snapshot.
        yield


def export(stream, database: str = DEFAULT_DB_ALIAS) -> Counter:
    """Write the backup to a text stream; return the row count per model."""
    counts: Counter = Counter()
    with snapshot(database):
        BackupSerializer().serialize(
            rows(exported_models(), counts),
            stream=stream,
            use_natural_foreign_keys=True,
            cls=ExactJSONEncoder,
            ensure_ascii=False,
        )
    return counts


def default_name() -> str:
    return f"registry-{datetime.datetime.now(datetime.UTC):%Y%m%dT%H%M%SZ}.json.gz"


class Command(BaseCommand):
    help = (
        "Back up the database as one JSON fixture (gzipped when the name ends in .gz) that "
        "`manage.py loaddata` restores into an empty, migrated database: same ids, timestamps and history."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            default="-",
            help="File to write (.json or .json.gz), or a directory for a timestamped .json.gz; - for stdout.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database to export.")

    def handle(self, *args, output, database, verbosity, **options):
        if output == "-":
            self.stdout.ending = None  # the serializer writes in pieces: no newline after each
            counts = export(self.stdout, database)
            self._report(counts, None, verbosity, self.stderr)
            return
        path = Path(output)
        if path.is_dir():
            path = path / default_name()
        partial = path.with_name(f".{path.name}.partial")
        opener = gzip.open if path.suffix == ".gz" else open
        try:
            with opener(partial, "wt", encoding="utf-8") as stream:
                counts = export(stream, database)
            os.replace(partial, path)
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc}") from exc
        finally:
            partial.unlink(missing_ok=True)
        self._report(counts, path, verbosity, self.stdout)

    def _report(self, counts: Counter, path: Path | None, verbosity: int, out) -> None:
        """Counts go to stdout, or to stderr when stdout carries the backup."""
        if verbosity >= 2:
            for label, count in sorted(counts.items()):
                out.write(f"{label:<40} {count:>9}", style_func=str, ending="\n")
        if verbosity >= 1:
            where = f" to {path}" if path else ""
            summary = f"Exported {sum(counts.values())} rows of {len(counts)} models{where}."
            out.write(summary, style_func=self.style.SUCCESS, ending="\n")
