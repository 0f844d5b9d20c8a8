"""PostgreSQL only: one version of the whole registry, raised by every statement that changes it.

Under the key ``registry.version`` ``cooperation_row_count`` holds one delta of +1 per statement that
inserts, updates or deletes rows of any registry table below (the derived ones included), or truncates
it, as 0018 keeps each names table's version. Its sum grows with every committed change and never
returns to an earlier value; snapshots see committed transactions in the order they committed, so two
snapshots seeing one version see the same registry. A record's document built at one version holds at
that version (``api.sql.document_cache``; a transaction that wrote checks nothing).

The version starts at a random value, not at 1: a database dropped and created again (a test database,
a restored hub) does not count through the versions of the one before, so a document kept for that
one is never taken for this one's.

The tables are written out here, not read from the code: a migration must not change with the code.
A no-op on SQLite.
"""

from django.db import migrations

TABLE = "cooperation_row_count"
KEY = "registry.version"
FOLD_ONE_IN = 32  # statements per fold, on average
FUNCTION = "cooperation_registry_version"
VERSIONED = (
    "cooperation_agreement",
    "cooperation_agreement_name_line",
    "cooperation_agreement_names",
    "cooperation_agreementmission",
    "cooperation_agreementparty",
    "cooperation_agreementrelation",
    "cooperation_citation",
    "cooperation_graph_adjacency",
    "cooperation_label",
    "cooperation_milestone",
    "cooperation_mission",
    "cooperation_missionparticipant",
    "cooperation_organization",
    "cooperation_person",
    "cooperation_personrole",
    "cooperation_signatory",
    "cooperation_source",
)

CREATE = (
    f"""
CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {TABLE} VALUES ('{KEY}', 1);
    IF random() < 1.0 / {FOLD_ONE_IN} THEN PERFORM {TABLE}_fold('{KEY}'); END IF;
    RETURN NULL;
END
$$;
INSERT INTO {TABLE} VALUES ('{KEY}', 1 + floor(random() * 2 ^ 52)::bigint);
"""
    + "".join(
        f"""
CREATE TRIGGER {FUNCTION} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}();
"""
        for table in VERSIONED
    )
)

DROP = (
    "".join(f"DROP TRIGGER IF EXISTS {FUNCTION} ON {table};\n" for table in VERSIONED)
    + f"DELETE FROM {TABLE} WHERE table_name = '{KEY}';\nDROP FUNCTION IF EXISTS {FUNCTION}();"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("cooperation", "0018_names_versions"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
