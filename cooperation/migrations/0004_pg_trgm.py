"""PostgreSQL only: the pg_trgm extension, for near-miss matching in the global search (cooperation.selectors.global_search).

No model changes. A no-op on SQLite (which has no extensions; the search falls back to substring matching there).
Not reversed: other code may come to rely on the extension, and dropping it needs more privileges than using it.
"""

from django.db import migrations


def create_pg_trgm(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")


class Migration(migrations.Migration):

    dependencies = [
        ("cooperation", "0003_roles"),
    ]

    operations = [
        migrations.RunPython(create_pg_trgm, migrations.RunPython.noop, elidable=False),
    ]
