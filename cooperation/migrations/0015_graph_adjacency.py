"""PostgreSQL only: the graph's edges from both ends in one table, so a node's edges are one index range.

``cooperation_graph_adjacency`` holds two rows per party, signatory, agreement relation, mission
participant and agreement–mission link: one from each end (``near_type``, ``near_id``) to the other
(``far_type``, ``far_id``), with the edge kind's rank (``cooperation.selectors.graph.EDGE_RANK``), the
record's id (``tid``), whether the row goes from the edge's source (``forward``) and the columns the
graph's documents carry (``v1``...: ``api.sql.graph.KINDS``). Its btree on ``(near_id, near_type)``
includes every other column: expanding a node reads one index range. Parent edges are not in it
(an organization's own row holds its parent).

Triggers keep it in the same transaction as the records, whoever writes them (``save``, ``update``,
``bulk_create``, a delete or a truncate). The migration fills it from the rows already there.
A no-op on SQLite.
"""

from django.db import migrations

TABLE = "cooperation_graph_adjacency"
COLUMNS = "near_type, near_id, rank, far_type, far_id, tid, forward, v1, v2, v3, v4, v5, v6"
# Each linking table: (table, rank, (source type, column), (target type, column), its v1...v6 columns).
SOURCES = (
    ("cooperation_agreementparty", 1, ("organization", "organization_id"), ("agreement", "agreement_id"),
     ("role", "withdrawn_on", "withdrawn_on_precision", None, None, None)),
    ("cooperation_signatory", 2, ("person", "person_id"), ("agreement", "agreement_id"),
     ("title", None, None, None, None, "on_behalf_of_id")),
    ("cooperation_agreementrelation", 3, ("agreement", "from_agreement_id"), ("agreement", "to_agreement_id"),
     ("kind", None, None, None, None, None)),
    ("cooperation_missionparticipant", 4, ("organization", "organization_id"), ("mission", "mission_id"),
     ("role", "joined_on", "joined_on_precision", "left_on", "left_on_precision", None)),
    ("cooperation_agreementmission", 5, ("agreement", "agreement_id"), ("mission", "mission_id"),
     ("role", None, None, None, None, None)),
)  # fmt: skip
TYPES = ("text", "date", "text", "date", "text", "bigint")


def _carried(row: str, columns) -> str:
    return ", ".join(
        f"{row}.{column}::{type_}" if column else f"NULL::{type_}" for column, type_ in zip(columns, TYPES, strict=True)
    )


def _rows(row: str, rank: int, source, target, columns) -> str:
    """The two rows of the edge ``row`` (a table alias, or NEW)."""
    carried = _carried(row, columns)
    return (
        f"SELECT '{source[0]}', {row}.{source[1]}, {rank}, '{target[0]}', {row}.{target[1]}, {row}.id, TRUE, {carried} "
        f"UNION ALL SELECT '{target[0]}', {row}.{target[1]}, {rank}, '{source[0]}', {row}.{source[1]}, {row}.id, FALSE, "
        f"{carried}"
    )


def _sync(table: str, rank: int, source, target, columns) -> str:
    name = f"{TABLE}_{rank}"
    watched = ["id", source[1], target[1], *(column for column in columns if column)]
    changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in watched)
    rows = _rows("t", rank, source, target, columns).replace(" UNION ALL SELECT ", f" FROM {table} t UNION ALL SELECT ")
    return f"""
INSERT INTO {TABLE} ({COLUMNS}) {rows} FROM {table} t;
CREATE FUNCTION {name}_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM {TABLE} WHERE near_id = OLD.{source[1]} AND near_type = '{source[0]}' AND rank = {rank}
            AND tid = OLD.id;
        DELETE FROM {TABLE} WHERE near_id = OLD.{target[1]} AND near_type = '{target[0]}' AND rank = {rank}
            AND tid = OLD.id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO {TABLE} ({COLUMNS}) {_rows("NEW", rank, source, target, columns)};
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION {name}_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {TABLE} WHERE rank = {rank};
    RETURN NULL;
END
$$;
CREATE TRIGGER {name}_insert AFTER INSERT OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {name}_sync();
CREATE TRIGGER {name}_update AFTER UPDATE ON {table} FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION {name}_sync();
CREATE TRIGGER {name}_truncate AFTER TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {name}_truncate();
"""


CREATE = (
    f"""
CREATE TABLE {TABLE} (
    near_type text NOT NULL, near_id bigint NOT NULL, rank smallint NOT NULL, far_type text NOT NULL,
    far_id bigint NOT NULL, tid bigint NOT NULL, forward boolean NOT NULL,
    v1 text, v2 date, v3 text, v4 date, v5 text, v6 bigint
);
"""
    + "".join(_sync(*source) for source in SOURCES)
    + f"""
CREATE INDEX {TABLE}_near ON {TABLE} (near_id, near_type) INCLUDE (rank, far_type, far_id, tid, forward, v1, v2, v3, v4, v5, v6);
ANALYZE {TABLE};
"""
)

DROP = (
    "".join(
        f"""
DROP TRIGGER IF EXISTS {TABLE}_{rank}_insert ON {table};
DROP TRIGGER IF EXISTS {TABLE}_{rank}_update ON {table};
DROP TRIGGER IF EXISTS {TABLE}_{rank}_truncate ON {table};
DROP FUNCTION IF EXISTS {TABLE}_{rank}_sync();
DROP FUNCTION IF EXISTS {TABLE}_{rank}_truncate();
"""
        for table, rank, *_ in SOURCES
    )
    + f"DROP TABLE IF EXISTS {TABLE};"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("cooperation", "0014_agreement_name_lines"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
