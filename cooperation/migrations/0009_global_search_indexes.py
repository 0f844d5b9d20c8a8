"""PostgreSQL only: indexes for every way global search matches (``cooperation.selectors.global_search``).

Names already had a trigram index on ``search_text`` (migration 0005: substrings, and
near misses through ``<%``). This adds, for each searchable table:

* ``<table>_name_lines``: the names as an array, for a whole name equal to the query;
* ``<table>_names_fts``: full text over the names (``simple``), for their words in any order;
* ``<table>_text_fts``: English full text over the summary or description;
* ``<table>_text_trgm``: trigrams of the summary or description, lower-cased and without
  apostrophes, for the words of the query (``Chang'e`` is found as ``change``);

each on exactly the expression the search compiles, or the planner cannot use it; then the
tables are analysed, for the statistics of those expressions. A no-op on SQLite (which
searches without indexes).
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


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def statements() -> list[tuple[str, str]]:
    """(index name, CREATE INDEX statement) pairs."""
    out = []
    for table in NAMED:
        out.append(
            (
                f"{table}_name_lines",
                f"CREATE INDEX IF NOT EXISTS {table}_name_lines ON {table} "
                "USING gin (string_to_array(search_text, E'\\n'))",
            )
        )
        out.append(
            (
                f"{table}_names_fts",
                f"CREATE INDEX IF NOT EXISTS {table}_names_fts ON {table} "
                "USING gin (to_tsvector('simple'::regconfig, COALESCE(search_text, ''::text)))",
            )
        )
    for table, column in DESCRIBED.items():
        out.append(
            (
                f"{table}_text_fts",
                f"CREATE INDEX IF NOT EXISTS {table}_text_fts ON {table} "
                f"USING gin (to_tsvector('english'::regconfig, COALESCE({column}, ''::text)))",
            )
        )
        out.append(
            (
                f"{table}_text_trgm",
                f"CREATE INDEX IF NOT EXISTS {table}_text_trgm ON {table} "
                f"USING gin (lower(translate({column}, {_literal(APOSTROPHES)}::text, ''::text)) gin_trgm_ops)",
            )
        )
    return out


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _, statement in statements():
        schema_editor.execute(statement)
    for table in NAMED:
        # Statistics of the new index expressions: with them the planner knows a common word
        # matches a third of the summaries, and reads them in order rather than by bitmap.
        schema_editor.execute(f"ANALYZE {table}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in statements():
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("cooperation", "0008_localized_names"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
