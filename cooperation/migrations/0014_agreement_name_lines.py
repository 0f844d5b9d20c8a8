"""PostgreSQL only: agreements' ``search_text`` in narrow tables, so ``?q=`` ranks and counts without wide rows.

* ``cooperation_agreement_name_line``: one row per line of an agreement's ``search_text``
  (``agreement_id``, ``line``), its btree on ``(line, agreement_id)`` in the "C" collation: the
  agreements one of whose names equals the query, or starts with it, are one index range.
* ``cooperation_agreement_names``: ``search_text`` again (``agreement_id``, ``search_text``), with
  a trigram index: counting the matches up to the bound reads rows of some 180 bytes, not
  the agreement's 1 kB ones, most of them out of the cache at 100,000 agreements.

(``cooperation.search_text.NAME_LINES``.) Triggers keep both in the same transaction as
``search_text``, whoever writes it (``save``, ``update``, ``bulk_create``, a delete or a
truncate). The migration fills them from the rows already there. A no-op on SQLite.
"""

from django.db import migrations

TABLE = "cooperation_agreement_name_line"
NAMES = "cooperation_agreement_names"
SOURCE = "cooperation_agreement"
LINES = "SELECT {row}.id, line FROM unnest(string_to_array({row}.search_text, E'\\n')) line WHERE line <> ''"

CREATE = f"""
CREATE TABLE {TABLE} (agreement_id bigint NOT NULL, line text COLLATE "C" NOT NULL);
INSERT INTO {TABLE} (agreement_id, line) SELECT a.id, line FROM {SOURCE} a,
    unnest(string_to_array(a.search_text, E'\\n')) line WHERE line <> '';
CREATE INDEX {TABLE}_line ON {TABLE} (line, agreement_id);
ANALYZE {TABLE};
CREATE TABLE {NAMES} (agreement_id bigint PRIMARY KEY, search_text text NOT NULL);
INSERT INTO {NAMES} (agreement_id, search_text) SELECT id, search_text FROM {SOURCE};
CREATE INDEX {NAMES}_trgm ON {NAMES} USING gin (search_text gin_trgm_ops);
ANALYZE {NAMES};

CREATE FUNCTION {TABLE}_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM {TABLE}
        WHERE agreement_id = OLD.id AND line = ANY(string_to_array(OLD.search_text, E'\\n'));
        DELETE FROM {NAMES} WHERE agreement_id = OLD.id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO {TABLE} (agreement_id, line) {LINES.format(row="NEW")};
        INSERT INTO {NAMES} (agreement_id, search_text) VALUES (NEW.id, NEW.search_text);
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION {TABLE}_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE {TABLE}, {NAMES};
    RETURN NULL;
END
$$;
CREATE TRIGGER {TABLE}_insert AFTER INSERT OR DELETE ON {SOURCE}
    FOR EACH ROW EXECUTE FUNCTION {TABLE}_sync();
CREATE TRIGGER {TABLE}_update AFTER UPDATE OF id, search_text ON {SOURCE}
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.search_text IS DISTINCT FROM NEW.search_text)
    EXECUTE FUNCTION {TABLE}_sync();
CREATE TRIGGER {TABLE}_truncate AFTER TRUNCATE ON {SOURCE}
    FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_truncate();
"""

DROP = f"""
DROP TRIGGER IF EXISTS {TABLE}_insert ON {SOURCE};
DROP TRIGGER IF EXISTS {TABLE}_update ON {SOURCE};
DROP TRIGGER IF EXISTS {TABLE}_truncate ON {SOURCE};
DROP FUNCTION IF EXISTS {TABLE}_sync();
DROP FUNCTION IF EXISTS {TABLE}_truncate();
DROP TABLE IF EXISTS {TABLE};
DROP TABLE IF EXISTS {NAMES};
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("cooperation", "0013_agreement_list_order"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
