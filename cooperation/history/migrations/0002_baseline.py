"""Give records that predate the history a first historical record, so later changes have a diff.

A no-op on an empty database (and so in tests); on a database seeded before the
history existed, each registry record gets one "created" historical record dated
now, without a user and with a change reason saying so. No ChangeRecord is written
for these: they record a state, not a change.
"""

from django.db import migrations
from django.utils import timezone

REASON = "baseline: the record predates the change history"
HISTORY_FIELDS = {"history_id", "history_date", "history_change_reason", "history_type", "history_user"}


def snapshot_existing_records(apps, schema_editor):
    now = timezone.now()
    for history_model in apps.get_app_config("history").get_models():
        name = history_model.__name__.removeprefix("Historical")
        if name == history_model.__name__:
            continue  # not a historical model (the change log)
        model = apps.get_model("cooperation", name)
        attnames = [f.attname for f in history_model._meta.concrete_fields if f.name not in HISTORY_FIELDS]
        rows = [
            history_model(
                history_date=now,
                history_type="+",
                history_change_reason=REASON,
                **{attname: getattr(obj, attname) for attname in attnames},
            )
            for obj in model._default_manager.order_by("pk").iterator()
        ]
        history_model._default_manager.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("history", "0001_initial")]

    operations = [migrations.RunPython(snapshot_existing_records, migrations.RunPython.noop)]
