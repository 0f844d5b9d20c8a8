"""PostgreSQL only: the number of rows each timeline date is set on, kept by triggers like 0016's row counts.

Under the key ``table.column`` (``cooperation_agreement.signed_on``) ``cooperation_row_count`` holds signed
deltas of the rows whose column is NOT NULL: one event of the unfiltered timeline per row. One function per
table appends, per statement that inserts, deletes or updates its rows, one delta per column that changed
(count(column) of the new rows less that of the old ones; none when nothing changed), folds them about once
in 32 statements (0016's ``cooperation_row_count_fold``) and resets them to 0 on a truncate.

The columns are written out here, not read from the models: a migration must not change with the code.
The migration counts the rows already there. A no-op on SQLite.
"""

from django.db import migrations

TABLE = "cooperation_row_count"
DATED = {
    "cooperation_agreement": ("authorized_on", "signed_on", "entered_into_force_on", "valid_until"),
    "cooperation_agreementparty": ("withdrawn_on",),
    "cooperation_personrole": ("started_on", "ended_on"),
}
FOLD_ONE_IN = 32  # statements per fold, on average


def _keys(table: str) -> list[str]:
    return [f"'{table}.{column}'" for column in DATED[table]]


def _deltas(table: str, counts: str, where: str = " WHERE n <> 0") -> str:
    """Append each column's delta (``counts``: a query of one row, the deltas in the order of the columns)."""
    values = ", ".join(f"({key}, c.d{index})" for index, key in enumerate(_keys(table)))
    names = ", ".join(f"d{index}" for index in range(len(DATED[table])))
    return f"INSERT INTO {TABLE} SELECT k, n FROM ({counts}) c({names}), LATERAL (VALUES {values}) v(k, n){where};"


def _function(table: str) -> str:
    columns = DATED[table]
    added = ", ".join(f"count({column})" for column in columns)
    removed = ", ".join(f"-count({column})" for column in columns)
    changed = ", ".join(f"a.d{index} - r.d{index}" for index in range(len(columns)))
    names = ", ".join(f"d{index}" for index in range(len(columns)))
    folds = " ".join(f"PERFORM {TABLE}_fold({key});" for key in _keys(table))
    resets = ", ".join(f"({key}, 0)" for key in _keys(table))
    return f"""
CREATE FUNCTION {TABLE}_dated_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_deltas(table, f"SELECT {added} FROM added")}
    ELSIF TG_OP = 'DELETE' THEN
        {_deltas(table, f"SELECT {removed} FROM removed")}
    ELSIF TG_OP = 'UPDATE' THEN
        {_deltas(table, f"SELECT {changed} FROM (SELECT {added} FROM added) a({names}), (SELECT {added} FROM removed) r({names})")}
    ELSE
        DELETE FROM {TABLE} WHERE table_name IN ({", ".join(_keys(table))});
        INSERT INTO {TABLE} VALUES {resets};
        RETURN NULL;
    END IF;
    IF random() < 1.0 / {FOLD_ONE_IN} THEN {folds} END IF;
    RETURN NULL;
END
$$;
LOCK TABLE {table} IN SHARE MODE;
{_deltas(table, f"SELECT {added} FROM {table}", where="")}
CREATE TRIGGER {TABLE}_dated_added AFTER INSERT ON {table} REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_dated_{table}();
CREATE TRIGGER {TABLE}_dated_removed AFTER DELETE ON {table} REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_dated_{table}();
CREATE TRIGGER {TABLE}_dated_changed AFTER UPDATE ON {table} REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_dated_{table}();
CREATE TRIGGER {TABLE}_dated_truncated AFTER TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_dated_{table}();
"""


CREATE = "".join(_function(table) for table in DATED)

DROP = "".join(
    f"""
DROP TRIGGER IF EXISTS {TABLE}_dated_added ON {table};
DROP TRIGGER IF EXISTS {TABLE}_dated_removed ON {table};
DROP TRIGGER IF EXISTS {TABLE}_dated_changed ON {table};
DROP TRIGGER IF EXISTS {TABLE}_dated_truncated ON {table};
DROP FUNCTION IF EXISTS {TABLE}_dated_{table}();
DELETE FROM {TABLE} WHERE table_name IN ({", ".join(_keys(table))});
"""
    for table in DATED
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("cooperation", "0016_row_counts"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
