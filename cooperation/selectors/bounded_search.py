"""PostgreSQL: global search's one statement per type, every way of matching an index scan that stops at a cap.

``global_search`` describes the ways and the ranking ("Bounded work"); this module writes
them as SQL. The statement's text depends only on the type, the number of words of the
query and whether near misses are sought, so it is built once per shape and reused with
the query's values as parameters (compiling it through the ORM cost more than running it).
Each way's expression is the one migration 0007 (or 0005) indexes, character for character:
``tests/api/test_global_search.py`` checks every way is an index scan.
"""

from __future__ import annotations

from functools import cache

from django.db import connections, router

from cooperation.selectors import global_search as search

NAMES_SCORE = (  # a record's names tier, from its own names (``search_text``: one normalised name per line)
    "CASE WHEN _r.search_text LIKE %s THEN {exact} WHEN _r.search_text LIKE %s THEN {prefix} "
    "WHEN _r.search_text LIKE %s THEN {substring} ELSE 0.0 END"
)


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@cache
def _records(name: str) -> tuple[str, tuple]:
    """The type's records with what ranking and snippets read (``search_sort``, ``search_labels``): SQL, params."""
    spec = search.SEARCH_TYPES[name]
    records = spec.model._default_manager.annotate(search_sort=spec.sort)
    if spec.label_field:
        records = records.annotate(search_labels=search.labels_subquery(spec))
    sql, params = records.order_by().query.sql_with_params()
    return sql, tuple(params)


@cache
def _statement(name: str, words: int, near: bool) -> str:
    """The statement for a type and a query shape; its parameters are ``_parameters``'."""
    spec = search.SEARCH_TYPES[name]
    table = connections[router.db_for_read(spec.model)].ops.quote_name(spec.model._meta.db_table)
    pk = spec.model._meta.pk.column
    ways = [
        f"(SELECT {pk}, {search.EXACT}::float8, TRUE, 1 FROM {table} "
        "WHERE string_to_array(search_text, E'\\n') @> ARRAY[%s]::text[] LIMIT %s)",
        f"(SELECT {pk}, {search.SUBSTRING}::float8, TRUE, 2 FROM {table} "
        "WHERE to_tsvector('simple'::regconfig, COALESCE(search_text, ''::text)) "
        "@@ plainto_tsquery('simple'::regconfig, %s) LIMIT %s)",
    ]
    if spec.text_field:
        text = spec.text_field
        plain = f"lower(translate({text}, {_literal(search.APOSTROPHES)}::text, ''::text))"
        ways += [
            f"(SELECT {pk}, {search.TEXT}::float8, {text} ~* %s, 3 FROM {table} "
            f"WHERE {' AND '.join([f'{plain} LIKE %s'] * words)} LIMIT %s)",
            f"(SELECT {pk}, {search.TEXT}::float8, TRUE, 4 FROM {table} "
            f"WHERE to_tsvector('english'::regconfig, COALESCE({text}, ''::text)) "
            "@@ plainto_tsquery('english'::regconfig, %s) LIMIT %s)",
        ]
    if near:  # (names containing the query are the substring way's, which is not full when this runs)
        ways.append(
            "(SELECT pk, similarity * %s, similarity >= %s, 5 FROM "
            f"(SELECT {pk} AS pk, word_similarity(%s, search_text) AS similarity FROM {table} "
            f"WHERE (SELECT COUNT(*) FROM {search.SUBSTRING_WAY}) < %s "
            "AND search_text NOT LIKE %s AND %s <%% search_text LIMIT %s) _near)"
        )
    records = _records(name)[0]
    names_score = NAMES_SCORE.format(exact=search.EXACT, prefix=search.PREFIX, substring=search.SUBSTRING)
    return (
        f"WITH {search.SUBSTRING_WAY} AS MATERIALIZED ("
        f"SELECT {pk} AS pk, {search.SUBSTRING}::float8 AS score, TRUE AS ok, 0 AS way FROM {table} "
        "WHERE search_text LIKE %s LIMIT %s), "
        f"_ways AS MATERIALIZED (SELECT * FROM {search.SUBSTRING_WAY} UNION ALL {' UNION ALL '.join(ways)}), "
        "_hits AS (SELECT pk, MAX(score) AS score FROM _ways WHERE ok GROUP BY pk) "
        f"SELECT _r.*, GREATEST(_hits.score, {names_score}) AS search_score, "
        "(SELECT COUNT(*) FROM _hits) AS search_total, "
        "EXISTS (SELECT FROM _ways GROUP BY way HAVING COUNT(*) >= %s) AS search_capped "
        f"FROM ({records}) _r JOIN _hits ON _r.{pk} = _hits.pk "
        f"ORDER BY search_score DESC, _r.search_sort, _r.{pk} LIMIT %s"
    )


def _parameters(name: str, query: str, words: list[str], near: bool, rows: int) -> list:
    """The statement's parameters, in the order of its text."""
    spec, cap, like = search.SEARCH_TYPES[name], search.MAX_MATCHES, _like(query)
    params = [f"%{like}%", cap, query, cap, query, cap]
    if spec.text_field:
        params += [search.text_pattern(query), *(f"%{_like(word)}%" for word in words), cap, query, cap]
    if near:
        params += [search.NEAR_MISS_WEIGHT, search.NEAR_MISS_THRESHOLD, query, cap, f"%{like}%", query, cap]
    params += [f"%\n{like}\n%", f"%\n{like}%", f"%{like}%", cap, *_records(name)[1], rows]
    return params


def bounded_matches(spec: search.SearchType, query: str, rows: int) -> tuple[list, int, bool]:
    """The type's first ``rows`` matches, best first; the distinct matches found; whether a way reached the cap."""
    words = query.split(" ")
    near = len(query) >= search.NEAR_MISS_MIN_LENGTH
    sql = _statement(spec.name, len(words), near)
    found = list(spec.model._default_manager.raw(sql, _parameters(spec.name, query, words, near, rows)))
    if not found:
        return [], 0, False  # nothing found at all: no way can have been full
    return found, found[0].search_total, found[0].search_capped
