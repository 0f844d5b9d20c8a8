"""PostgreSQL only: a version of each narrow names table (0014), kept by a trigger like 0016's row counts.

Under the key ``table.version`` (``cooperation_agreement_names.version``) ``cooperation_row_count`` holds
one delta of +1 per statement that inserts, updates or deletes rows of the table, or truncates it: its
sum grows with every committed change and never returns to an earlier value. A snapshot that sees a
version sees the rows every snapshot seeing that version sees, so a count of the table's rows made at one
version holds at that version (``api.core.search_counts``; a transaction that wrote checks nothing, its
own changes uncommitted). Folded about once in 32 statements (0016's ``cooperation_row_count_fold``).

The tables are written out here, not read from the code: a migration must not change with the code.
A no-op on SQLite.
"""

from django.db import migrations

TABLE = "cooperation_row_count"
VERSIONED = ("cooperation_agreement_names",)
FOLD_ONE_IN = 32  # statements per fold, on average
FUNCTION = f"{TABLE}_version"

CREATE = (
    f"""
CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {TABLE} VALUES (TG_TABLE_NAME || '.version', 1);
    IF random() < 1.0 / {FOLD_ONE_IN} THEN PERFORM {TABLE}_fold(TG_TABLE_NAME || '.version'); END IF;
    RETURN NULL;
END
$$;
"""
    + "".join(
        f"""
INSERT INTO {TABLE} VALUES ('{table}.version', 1);
CREATE TRIGGER {FUNCTION} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}();
"""
        for table in VERSIONED
    )
)

DROP = (
    "".join(
        f"""
DROP TRIGGER IF EXISTS {FUNCTION} ON {table};
DELETE FROM {TABLE} WHERE table_name = '{table}.version';
"""
        for table in VERSIONED
    )
    + f"DROP FUNCTION IF EXISTS {FUNCTION}();"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("cooperation", "0017_dated_counts"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
