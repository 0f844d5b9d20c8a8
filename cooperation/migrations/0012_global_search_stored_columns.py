"""PostgreSQL only: global search's derived text stored, so a way of matching never recomputes it per row.

Migration 0009 indexed three expressions of each searchable table; a way that reads rows
(a common word: a sequential scan that stops at ``MAX_MATCHES``, or an index's bitmap that
is rechecked) computed them again on every row it read: ``to_tsvector`` costs some 13 µs
on a summary. Each expression is now a stored generated column, which PostgreSQL keeps in
step on every write, and the same-named index is on the column:

* ``search_name_words``: ``to_tsvector('simple', search_text)`` (``<table>_names_fts``);
* ``search_body_words``: ``to_tsvector('english', <summary or description>)`` (``<table>_text_fts``);
* ``search_body_plain``: the summary or description lower-cased, without apostrophes
  (``<table>_text_trgm``, trigrams).

The models do not declare them: only global search's SQL (``cooperation.selectors.bounded_search``)
reads them, and nothing writes them. A no-op on SQLite (which searches without indexes).
"""

from django.db import migrations

NAMED = (
    "cooperation_agreement",
    "cooperation_mission",
    "cooperation_organization",
    "cooperation_person",
    "cooperation_source",
)
DESCRIBED = {
    "cooperation_agreement": "summary",
    "cooperation_mission": "description",
    "cooperation_organization": "description",
    "cooperation_person": "description",
}
APOSTROPHES = "'\u2019\u02bc`\u00b4"  # as cooperation.selectors.global_search.APOSTROPHES (and cooperation.search_text)
QUOTED_APOSTROPHES = "'" + APOSTROPHES.replace("'", "''") + "'"


def columns(table: str) -> list[tuple[str, str, str, str]]:
    """(column, its type and expression, the index on it, the index's method and operator class)."""
    out = [
        (
            "search_name_words",
            "tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, COALESCE(search_text, ''::text))) STORED",
            f"{table}_names_fts",
            "gin (search_name_words)",
        )
    ]
    text = DESCRIBED.get(table)
    if text:
        out += [
            (
                "search_body_words",
                f"tsvector GENERATED ALWAYS AS (to_tsvector('english'::regconfig, COALESCE({text}, ''::text))) STORED",
                f"{table}_text_fts",
                "gin (search_body_words)",
            ),
            (
                "search_body_plain",
                f"text GENERATED ALWAYS AS (lower(translate({text}, {QUOTED_APOSTROPHES}::text, ''::text))) STORED",
                f"{table}_text_trgm",
                "gin (search_body_plain gin_trgm_ops)",
            ),
        ]
    return out


def add_columns(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in NAMED:
        found = columns(table)
        schema_editor.execute(
            f"ALTER TABLE {table} " + ", ".join(f"ADD COLUMN {column} {definition}" for column, definition, _, _ in found)
        )
        for _, _, index, method in found:
            schema_editor.execute(f"DROP INDEX IF EXISTS {index}")
            schema_editor.execute(f"CREATE INDEX {index} ON {table} USING {method}")
        schema_editor.execute(f"ANALYZE {table}")


def drop_columns(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    import importlib

    previous = importlib.import_module("cooperation.migrations.0009_global_search_indexes")
    for table in NAMED:
        found = columns(table)
        schema_editor.execute(
            f"ALTER TABLE {table} " + ", ".join(f"DROP COLUMN IF EXISTS {column}" for column, _, _, _ in found)
        )
    for _, statement in previous.statements():  # the expression indexes again (their columns' went with them)
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("cooperation", "0011_timeline_date_indexes"),
    ]

    operations = [
        migrations.RunPython(add_columns, drop_columns, elidable=False),
    ]
