"""PostgreSQL only: trigram GIN indexes on ``search_text``, so ``?q=`` is an index scan at any size.

``q`` is a substring match (``search_text LIKE '%query%'``); without an index that is a
sequential scan, whose cost grows with the table. ``gin_trgm_ops`` (pg_trgm, migration
0004) serves LIKE for queries of three or more characters. A no-op on SQLite.
"""

from django.db import migrations

TABLES = (
    "cooperation_agreement",
    "cooperation_mission",
    "cooperation_organization",
    "cooperation_person",
    "cooperation_source",
)


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_search_trgm ON {table} USING gin (search_text gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("cooperation", "0004_pg_trgm"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
