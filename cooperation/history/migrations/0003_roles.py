"""Let every role read the change history (view permissions only; see cooperation.roles)."""

from django.db import migrations

from cooperation.roles import sync_roles


def update_roles(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("history", "0002_baseline"),
        ("cooperation", "0003_roles"),
    ]

    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]
