"""PostgreSQL only: each registry table's exact number of rows, kept by triggers in the same transaction.

``cooperation_row_count`` holds signed deltas, ``(table_name, n)``: a table's rows are the sum of
its deltas (``cooperation.row_counts``). Statement-level triggers with transition tables append
one delta per statement that inserts or deletes rows (a bulk insert is one row, not one per
record), so concurrent writers never wait on one another's counter. About one statement in 32
also folds the table's committed deltas into one row; two folders never wait on each other
either (an advisory lock, tried and skipped if held). A truncate resets the table's count to 0.

A counted table always has at least one delta, so a sum that is NULL means "not counted".
The migration counts the rows already there. A no-op on SQLite.
"""

from django.db import migrations

TABLE = "cooperation_row_count"
COUNTED = (
    "cooperation_organization", "cooperation_person", "cooperation_personrole", "cooperation_agreement",
    "cooperation_agreementparty", "cooperation_signatory", "cooperation_agreementrelation",
    "cooperation_agreementmission", "cooperation_mission", "cooperation_missionparticipant",
    "cooperation_milestone", "cooperation_source", "cooperation_citation", "cooperation_label",
)  # fmt: skip
FOLD_ONE_IN = 32  # statements per fold, on average

CREATE = (
    f"""
CREATE TABLE {TABLE} (table_name text NOT NULL, n bigint NOT NULL);
CREATE INDEX {TABLE}_table ON {TABLE} (table_name) INCLUDE (n);
CREATE FUNCTION {TABLE}_fold(counted text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF pg_try_advisory_xact_lock(hashtext('{TABLE}'), hashtext(counted)) THEN
        WITH folded AS (DELETE FROM {TABLE} WHERE table_name = counted RETURNING n)
        INSERT INTO {TABLE} SELECT counted, sum(n) FROM folded HAVING count(*) > 0;
    END IF;
END
$$;
CREATE FUNCTION {TABLE}_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {TABLE} SELECT TG_TABLE_NAME, count(*) FROM added HAVING count(*) > 0;
    IF random() < 1.0 / {FOLD_ONE_IN} THEN PERFORM {TABLE}_fold(TG_TABLE_NAME); END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION {TABLE}_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {TABLE} SELECT TG_TABLE_NAME, -count(*) FROM removed HAVING count(*) > 0;
    IF random() < 1.0 / {FOLD_ONE_IN} THEN PERFORM {TABLE}_fold(TG_TABLE_NAME); END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION {TABLE}_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {TABLE} WHERE table_name = TG_TABLE_NAME;
    INSERT INTO {TABLE} VALUES (TG_TABLE_NAME, 0);
    RETURN NULL;
END
$$;
"""
    + "".join(
        f"""
LOCK TABLE {table} IN SHARE MODE;
INSERT INTO {TABLE} SELECT '{table}', count(*) FROM {table};
CREATE TRIGGER {TABLE}_added AFTER INSERT ON {table} REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_added();
CREATE TRIGGER {TABLE}_removed AFTER DELETE ON {table} REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_removed();
CREATE TRIGGER {TABLE}_truncated AFTER TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_truncated();
"""
        for table in COUNTED
    )
)

DROP = (
    "".join(
        f"""
DROP TRIGGER IF EXISTS {TABLE}_added ON {table};
DROP TRIGGER IF EXISTS {TABLE}_removed ON {table};
DROP TRIGGER IF EXISTS {TABLE}_truncated ON {table};
"""
        for table in COUNTED
    )
    + f"""
DROP FUNCTION IF EXISTS {TABLE}_added();
DROP FUNCTION IF EXISTS {TABLE}_removed();
DROP FUNCTION IF EXISTS {TABLE}_truncated();
DROP FUNCTION IF EXISTS {TABLE}_fold(text);
DROP TABLE IF EXISTS {TABLE};
"""
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("cooperation", "0015_graph_adjacency"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
