"""PostgreSQL: global search as one statement, every way of matching an index scan that stops at a cap.

``global_search`` describes the ways and the ranking ("Bounded work"); this module writes
them as SQL: one statement for every searched type, whose text depends only on the types,
the number of words of the query and whether near misses are sought, so it is built once per
shape and reused with the query's values as parameters.

* Each way computes, for the rows it reads, the record's score and its sort key, so ranking
  needs no join. The substring way scores its names' tier; the others, their own score: a
  record's best is the same, since those others run only while the substring way holds every
  record whose names contain the query (the whole-name way scores 3.0, the best tier);
  the page alone reads its records, with only the columns a hit shows (id, slug, names, the
  summary or description, what its display reads) and its labels, as one JSON array per hit.
* Hits are kept per process by content (``_shown``): that JSON text, the query and the
  language are the key of the record, snippet and display made from them, so a page shown
  before (or a record other pages showed) costs no Python but the lookup, and a record that
  changed is a new key: never a stale answer.
* The ways over words and over summaries read the stored columns of migration 0012
  (``search_name_words``, ``search_body_words``, ``search_body_plain``), indexed there: a
  common word's sequential scan then stops at the cap without computing ``to_tsvector`` or
  ``translate`` on every row it reads; a rare word's is an index scan.
* The near miss's query reaches the planner as an ``InitPlan`` parameter (``(SELECT ...)``):
  its selectivity estimate evaluates ``word_similarity`` over the column's statistics, which
  cost more than the way, and with the default estimate the planner reads the trigram index
  rather than computing ``word_similarity`` on every row.

* Skipped ways: once a type's substring way is full (``MAX_MATCHES`` names contain the query),
  that type's other ways but the whole name (an index lookup, so a whole name is found
  whatever the cap) are not run: its names' words, its summaries, its near misses. They would
  read up to as many rows again (some 40% of a common word's work at 100k agreements), and the
  records they add rank with or after the ones already found. Until then every way runs, so
  a result with an exact count is the same with or without this.
* Planning the statement costs more than running it for all but common words (some 3 ms
  against 0.5 ms for a rare word at 100k agreements), and a generic plan (one for every
  query) reads a common word through bitmaps of all its matches. So a search seen before on
  the connection (the same query, types and page) runs a plan PostgreSQL keeps for it
  (``PREPARE`` with the values written in: the plan the planner would make for them), and
  only the planning is saved: every request still reads the rows. ``PLANS_PER_CONNECTION``
  bounds the plans kept (each holds some 1.3 MB of the server's memory, in the connection's backend).
* Small tables (``GENERIC_ROWS``): there the worst a generic plan does (a bitmap of every row of a
  table, for a word without trigrams such as ``深空``) costs less than planning, so every search of a
  statement runs one generic plan prepared for it on the connection (``$n`` parameters; the
  constants written in): a search seen for the first time is not planned either. The tables' sizes
  (``pg_class.reltuples``) are read with a connection's first search, in its round trip.

* Learned shapes (tables above ``GENERIC_ROWS``): each run reports the ways that reached the cap, and
  the process remembers, per search (types and query), the types whose substring way was full
  (``_learn``). A search seen before in the process whose ways were all bounded (no way but the
  substring and whole-name ones full) then runs one generic plan per shape, prepared on the
  connection: the full types' substring ways test ``strpos`` instead of ``LIKE`` (the same rows, in the
  same order, but no index answers it, so the plan reads the table and stops at the cap), every other
  way reads its index (fewer matches than the cap, or skipped). A common word is thus not planned
  again (some 2.5 ms of a 10 ms search at 100k agreements), nor a rare one. Every run is learned from
  again, so a search whose matches changed runs at most once on a shape that no longer fits it, with
  the same rows (only slower): the shape chooses a plan, never the results.

``tests/api/test_global_search.py`` checks every way can be an index scan.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import nullcontext
from datetime import date
from functools import cache, lru_cache

from cachetools import LRUCache
from django.db import ProgrammingError, connections, transaction
from django.utils import translation
from psycopg import errors
from psycopg import sql as psycopg_sql

from cooperation.localization import display, language_of_locale
from cooperation.selectors import global_search as search

NAMES_TIER = (  # the names tier of a record whose names contain the query (``search_text``: one name per line)
    f"CASE WHEN search_text LIKE %(exact)s THEN {search.EXACT}::float8 "
    f"WHEN search_text LIKE %(prefix)s THEN {search.PREFIX}::float8 ELSE {search.SUBSTRING}::float8 END"
)
PAGE = "_page"
PREPARE_AFTER = 2  # a search is prepared on a connection the second time it runs there
PLANS_PER_CONNECTION = 4  # the least recently used one is deallocated past that
SEEN_PER_CONNECTION = 256  # searches remembered (not prepared) while they are counted
GENERIC_ROWS = 2500  # searched tables with at most this many rows in all run a generic plan (see above)
SHAPES_KEPT = 4096  # searches whose shape a process remembers (``_learn``)
WAYS = 8  # the statement reports a way that reached the cap as ``type index * WAYS + way`` (ways 0 to 5)
FIRST_UNBOUNDED_WAY = 2  # from this way on (names' words, summaries, near misses), a generic plan reads every match
CONSTANTS = ("cap", "weight", "threshold")  # parameters the same for every search: a generic plan's text holds them
INTEGERS = ("limit", "offset")  # a generic plan's parameters of type int8; the others are text


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _inline(sql: str, params) -> str:
    """Compiled SQL with its (string) parameters written as literals, ``%`` escaped for pyformat."""
    if any(not isinstance(param, str) for param in params):
        raise TypeError(f"only string parameters can be inlined: {params!r}")
    return sql.replace("%", "%%").replace("%%s", "%s") % tuple(_literal(param) for param in params)


def _sort(spec: search.SearchType, alias: str) -> str:
    """SQL of the type's "then by name" key (``spec.sort``), on its table."""
    connection = connections[alias]
    query = spec.model._default_manager.all().query
    compiler = query.get_compiler(connection=connection)
    sql, params = spec.sort.resolve_expression(query).as_sql(compiler, connection)
    return _inline(sql, params)


def shown_fields(spec: search.SearchType) -> list:
    """The model's fields a hit reads: id, slug, names, summary or description, what its display reads."""
    model = spec.model
    keep = {model._meta.pk.name, "slug", "localized_names", *spec.name_fields, *getattr(model, "display_fields", ())}
    if spec.text_field:
        keep.add(spec.text_field)
    return [field for field in model._meta.concrete_fields if field.name in keep]


def _ways(index: int, spec: search.SearchType, alias: str, words: int, near: bool, scanned: bool) -> str:
    """The CTEs of one type's ways: ``_substring_<index>`` and ``_ways_<index>`` (t, pk, score, sort, ok, way).

    ``scanned``: the substring way tests ``strpos`` (the same rows as ``LIKE '%query%'``, which no index
    answers), so even a generic plan reads the table in order and stops at the cap (see "Learned shapes")."""
    quote = connections[alias].ops.quote_name
    table, pk, sort = quote(spec.model._meta.db_table), quote(spec.model._meta.pk.column), _sort(spec, alias)
    cap = "%(cap)s"

    substring = f"{search.SUBSTRING_WAY}_{index}"
    open_ = f"(SELECT COUNT(*) FROM {substring}) < {cap}"  # the substring way is not full: see "Skipped ways"
    ways = [
        f"(SELECT {pk}, {search.EXACT}::float8, {sort}, TRUE, 1 FROM {table} "
        f"WHERE string_to_array(search_text, E'\\n') @> ARRAY[%(query)s]::text[] LIMIT {cap})",
        f"(SELECT {pk}, {search.SUBSTRING}::float8, {sort}, TRUE, 2 FROM {table} "
        f"WHERE {open_} AND search_name_words @@ plainto_tsquery('simple'::regconfig, %(query)s) LIMIT {cap})",
    ]
    if spec.text_field:
        text = quote(spec.text_field)
        matches = " AND ".join(f"search_body_plain LIKE %(word_{i})s" for i in range(words))
        ways += [
            f"(SELECT {pk}, {search.TEXT}::float8, {sort}, {text} ~* %(pattern)s, 3 FROM {table} "
            f"WHERE {open_} AND {matches} LIMIT {cap})",
            f"(SELECT {pk}, {search.TEXT}::float8, {sort}, TRUE, 4 FROM {table} "
            f"WHERE {open_} AND search_body_words @@ plainto_tsquery('english'::regconfig, %(query)s) LIMIT {cap})",
        ]
    if near:  # (names containing the query are the substring way's, which is not full when this runs)
        ways.append(
            "(SELECT pk, similarity * %(weight)s, sort, similarity >= %(threshold)s, 5 FROM "
            f"(SELECT {pk} AS pk, word_similarity(%(query)s, search_text) AS similarity, {sort} AS sort "
            f"FROM {table} WHERE {open_} "
            f"AND search_text NOT LIKE %(like)s AND (SELECT %(query)s::text) <%% search_text LIMIT {cap}) _near)"
        )
    contains = "strpos(search_text, %(query)s) > 0" if scanned else "search_text LIKE %(like)s"
    return (
        f"{substring} AS MATERIALIZED (SELECT {pk} AS pk, {NAMES_TIER} AS score, "
        f"{sort} AS sort, TRUE AS ok, 0 AS way FROM {table} WHERE {contains} LIMIT {cap}), "
        f"_ways_{index} AS MATERIALIZED (SELECT {index} AS t, * FROM (SELECT * FROM {substring} "
        f"UNION ALL {' UNION ALL '.join(ways)}) _all)"
    )


def _details(index: int, spec: search.SearchType, alias: str) -> str:
    """A ``CASE`` branch giving a page row's record when it is of this type: its shown fields and labels,
    as the text of one JSON array (a sub-select per type plans in less time than a join per type, and
    the text is the hit's key in ``_shown``)."""
    quote = connections[alias].ops.quote_name
    table, pk = quote(spec.model._meta.db_table), quote(spec.model._meta.pk.column)
    columns = [quote(field.column) for field in shown_fields(spec)]
    if spec.label_field:  # its labels, one per line, each as ``language<TAB>text`` (``labels_subquery``)
        fk = quote(search.m.Label._meta.get_field(spec.label_field).column)
        columns.append(
            f"(SELECT STRING_AGG(language || E'\\t' || text, E'\\n') FROM {quote(search.m.Label._meta.db_table)} "
            f"WHERE {fk} = {table}.{pk})"
        )
    found = f"SELECT json_build_array({', '.join(columns)})::text FROM {table} WHERE {table}.{pk} = {PAGE}.pk"
    return f"WHEN {index} THEN ({found})"


@cache
def statement(types: tuple[str, ...], alias: str, words: int, near: bool, scanned: tuple[str, ...] = ()) -> str:
    """The statement for the types and a query shape; its parameters are ``parameters``'. The ``scanned``
    types' substring ways read their tables in order (``_ways``).

    Its rows: one per hit of the page, in order (type index, pk, score, the count of distinct
    records found, whether a way reached the cap, the ways that reached it as ``type index * 8 + way``,
    then the record's shown fields and labels as the text of a JSON array); one row of NULLs but for
    the count and the caps when the page is empty.
    """
    indexes = [search.TYPE_NAMES.index(name) for name in types]
    specs = [search.SEARCH_TYPES[name] for name in types]
    ctes = [_ways(i, spec, alias, words, near, spec.name in scanned) for i, spec in zip(indexes, specs, strict=True)]
    every_way = " UNION ALL ".join(f"SELECT * FROM _ways_{i}" for i in indexes)
    details = [_details(i, spec, alias) for i, spec in zip(indexes, specs, strict=True)]
    return (
        f"WITH {', '.join(ctes)}, _every AS ({every_way}), "
        "_hits AS MATERIALIZED (SELECT t, pk, MAX(score) AS score, sort FROM _every WHERE ok GROUP BY t, pk, sort), "
        f"{PAGE} AS MATERIALIZED (SELECT t, pk, score, sort FROM _hits "
        "ORDER BY score DESC, t, sort, pk LIMIT %(limit)s OFFSET %(offset)s), "
        "_full AS MATERIALIZED (SELECT t, way FROM _every GROUP BY t, way HAVING COUNT(*) >= %(cap)s) "
        f"SELECT {PAGE}.t, {PAGE}.pk, {PAGE}.score, (SELECT COUNT(*) FROM _hits), "
        "EXISTS (SELECT FROM _full WHERE t IN (SELECT t FROM _hits)), "
        f"ARRAY(SELECT t * {WAYS} + way FROM _full), "
        f"CASE {PAGE}.t {' '.join(details)} END "
        f"FROM (SELECT) _one LEFT JOIN {PAGE} ON TRUE "
        f"ORDER BY {PAGE}.score DESC, {PAGE}.t, {PAGE}.sort, {PAGE}.pk"
    )


def parameters(query: str, words: list[str], offset: int, limit: int) -> dict:
    """The statement's parameters."""
    like = _like(query)
    return {
        "query": query,
        "like": f"%{like}%",
        "exact": f"%\n{like}\n%",
        "prefix": f"%\n{like}%",
        "pattern": search.text_pattern(query),
        **{f"word_{i}": f"%{_like(word)}%" for i, word in enumerate(words)},
        "weight": search.NEAR_MISS_WEIGHT,
        "threshold": search.NEAR_MISS_THRESHOLD,
        "cap": search.MAX_MATCHES,
        "limit": limit,
        "offset": offset,
    }


def _shape(request: search.GlobalSearchQuery) -> tuple[tuple[str, ...], list[str], bool]:
    """The searched types (each once, in ranking order), the query's words, whether near misses are sought."""
    words = request.normalized.split(" ")
    near = len(request.normalized) >= search.NEAR_MISS_MIN_LENGTH
    return tuple(name for name in search.TYPE_NAMES if name in request.types), words, near


def _statement_for(request: search.GlobalSearchQuery, alias: str) -> tuple[tuple[str, ...], str, dict]:
    """The searched types (each once, in ranking order), the statement and its parameters."""
    types, words, near = _shape(request)
    sql = statement(types, alias, len(words), near)
    return types, sql, parameters(request.normalized, words, request.offset, request.limit)


def statement_and_parameters(request: search.GlobalSearchQuery, alias: str) -> tuple[str, dict]:
    """The statement for the request (with ``%(name)s`` placeholders) and its parameters."""
    _, sql, params = _statement_for(request, alias)
    return sql, params


def composed(request: search.GlobalSearchQuery, alias: str) -> str:
    """The statement with its values written in, as it runs (for ``EXPLAIN``)."""
    _, sql, params = _statement_for(request, alias)
    connection = connections[alias]
    connection.ensure_connection()
    return compose(connection, sql, params)


_PLACEHOLDER = re.compile(r"%(?:%|\((\w+)\)s)")


@cache
def _pieces(sql: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The statement's text around its ``%(name)s`` parameters (``%%`` read as ``%``), and their names."""
    texts, names, piece, at = [], [], [], 0
    for found in _PLACEHOLDER.finditer(sql):
        piece.append(sql[at : found.start()])
        at = found.end()
        if found.group(1) is None:
            piece.append("%")
        else:
            texts.append("".join(piece))
            names.append(found.group(1))
            piece = []
    texts.append("".join(piece) + sql[at:])
    return tuple(texts), tuple(names)


def compose(connection, sql: str, params: dict) -> str:
    """The statement with its values written in as psycopg writes them (``compose_sql``), without
    psycopg parsing the statement's 13 kB on every request (it keeps only statements up to 4 kB parsed)."""
    texts, names = _pieces(sql)
    raw = connection.connection
    literals = {name: psycopg_sql.Literal(value).as_string(raw) for name, value in params.items()}
    out = [texts[0]]
    for name, text in zip(names, texts[1:], strict=True):
        out += [literals[name], text]
    return "".join(out)


def bounded_page(request: search.GlobalSearchQuery, alias: str) -> tuple[list[tuple], int, bool]:
    """The page's hits as (type, record, score, snippet, display), in order; the distinct matches found; whether
    a way was full. The snippet is ``search.snippet``'s and the display ``display``'s in the active language."""
    connection = connections[alias]
    rows = _run(connection, request)
    total, capped = rows[0][3], rows[0][4]
    found = []
    language = translation.get_language()
    for row in rows:
        if row[0] is None:
            continue  # the empty page's one row
        name = search.TYPE_NAMES[row[0]]
        shown = _shown(name, alias, row[6], request.normalized, language)
        found.append((name, shown[0], row[2], shown[1], shown[2]))
    return found, total, bool(capped)


@lru_cache(maxsize=search.NAMES_KEPT)
def _shown(name: str, alias: str, columns: str, query: str, language: str | None) -> tuple:
    """The hit's record (built from its ``columns``: the JSON array of ``_details``), snippet and display,
    in ``language``.

    Kept per process by content: the key holds every column the three read (``shown_fields`` and the
    labels), so a record that changed is a new key, never a stale answer; a search run again (or a
    record other searches show) skips loading the record, its snippet and its display. (``language``:
    Django's, whose catalogue the display's templates come from; ``reader`` is derived from it.)
    The record is shared by the requests that show it: callers read it, never change it."""
    record = _record(name, alias, json.loads(columns))
    spec = search.SEARCH_TYPES[name]
    reader = language_of_locale(language)
    return record, search.snippet(spec, record, query, reader), display(record, reader)


def forget_shown() -> None:
    """Empty the hits kept by content (tests)."""
    _shown.cache_clear()


@cache
def generic(sql: str, constants: tuple) -> tuple[str, tuple[str, ...]]:
    """The statement as one plan for every search: ``$n`` in place of its parameters but ``CONSTANTS``
    (their ``constants`` written in, as ``compose`` writes them), and the parameters' names, in order."""
    names: list[str] = []
    written = dict(zip(CONSTANTS, constants, strict=True))

    def placeholder(found: re.Match) -> str:
        name = found.group(1)
        if name is None:
            return "%"
        if name in CONSTANTS:
            return psycopg_sql.Literal(written[name]).as_string(None)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    text = _PLACEHOLDER.sub(placeholder, sql)
    return text, tuple(names)


def _sizes_sql(alias: str) -> str:
    """The searched tables' rows as the planner's statistics count them (0 while unknown), in type order."""
    quote = connections[alias].ops.quote_name
    tables = [quote(spec.model._meta.db_table) for spec in search.SEARCH_TYPES.values()]
    counts = ", ".join(
        f"(SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = '{t}'::regclass)" for t in tables
    )
    return f"SELECT ARRAY[{counts}]"


class _Plans:
    """The searches prepared on one connection (least recently used first), and those only counted so far."""

    def __init__(self):
        self.prepared: OrderedDict[tuple, str] = OrderedDict()
        self.seen: OrderedDict[tuple, int] = OrderedDict()
        self.names = itertools.count(1)
        self.failed = False  # a PREPARE batch failed: whether its statement exists is unknown, so prepare no more
        self.rows: dict[str, int] | None = None  # each type's table's rows (``_sizes_sql``), once read

    def generic_fits(self, types: tuple[str, ...]) -> bool:
        """Whether the searched tables are small enough for a generic plan (``GENERIC_ROWS``)."""
        return self.rows is not None and sum(self.rows[name] for name in types) <= GENERIC_ROWS

    @classmethod
    def of(cls, connection) -> _Plans:
        raw = connection.connection  # the driver's connection: prepared statements live and die with it
        plans = getattr(raw, "global_search_plans", None)
        if plans is None:
            plans = raw.global_search_plans = cls()
        return plans

    def seen_enough(self, key: tuple) -> bool:
        count = self.seen.pop(key, 0) + 1
        if count >= PREPARE_AFTER:
            return True
        self.seen[key] = count
        while len(self.seen) > SEEN_PER_CONNECTION:
            self.seen.popitem(last=False)
        return False


def _run(connection, request: search.GlobalSearchQuery) -> list[tuple]:
    """The statement's rows: through the connection's generic plan of the statement if its tables are small,
    else through a generic plan of the search's learned shape if it has one (``_learned``), else through its
    prepared plan of this search if it has one (or makes one)."""
    types, sql, params = _statement_for(request, connection.alias)
    learned_key = (connection.alias, types, request.normalized)
    with connection.cursor() as cursor:
        plans = _Plans.of(connection)
        if plans.rows is None:  # the connection's first search: the tables' sizes too, in its round trip
            cursor.execute(f"{compose(connection, sql, params)}; {_sizes_sql(connection.alias)}")
            rows = cursor.fetchall()
            cursor.nextset()
            plans.rows = dict(zip(search.TYPE_NAMES, cursor.fetchone()[0], strict=True))
            plans.seen_enough((sql, tuple(params.items())))  # (seen once, as a search planned for itself)
            return _learn(learned_key, rows)
        if plans.generic_fits(types) and not plans.failed:
            return _generic_run(connection, cursor, plans, sql, params)
        scanned = learned(learned_key)
        if scanned is not None and not plans.failed:
            _, words, near = _shape(request)
            shaped = statement(types, connection.alias, len(words), near, scanned)
            return _learn(learned_key, _generic_run(connection, cursor, plans, shaped, params))
        key = (sql, tuple(params.items()))
        if key not in plans.prepared and (plans.failed or not plans.seen_enough(key)):
            cursor.execute(compose(connection, sql, params))  # (no parameters: psycopg sends it as it is)
            return _learn(learned_key, cursor.fetchall())
        rows = _prepared(
            connection,
            cursor,
            plans,
            key,
            lambda name: f"EXECUTE {name}",
            lambda: f" AS {compose(connection, sql, params)}",
        )
        return _learn(learned_key, rows)


def _generic_run(connection, cursor, plans: _Plans, sql: str, params: dict) -> list[tuple]:
    """The statement's rows through one generic plan of it, prepared on the connection (``generic``)."""
    constants = tuple(params[name] for name in CONSTANTS)
    text, names = generic(sql, constants)
    raw = connection.connection
    values = ", ".join(psycopg_sql.Literal(params[name]).as_string(raw) for name in names)
    key = ("generic", sql, constants)

    def run(name: str) -> str:  # (plan_cache_mode as it was, for the rest of the transaction)
        return (
            "SET LOCAL plan_cache_mode = force_generic_plan; "
            f"EXECUTE {name}({values}); SET LOCAL plan_cache_mode TO DEFAULT"
        )

    kinds = ", ".join("int8" if name in INTEGERS else "text" for name in names)
    return _prepared(connection, cursor, plans, key, run, lambda: f"({kinds}) AS {text}")


# --- learned shapes --------------------------------------------------------------------------

_shapes: LRUCache = LRUCache(maxsize=SHAPES_KEPT)
_shapes_lock = threading.Lock()


def learned(key: tuple) -> tuple[str, ...] | None:
    """The types whose substring way the search last filled, if a generic plan of its shape is safe (see
    "Learned shapes"); None if unknown or unsafe. ``key``: the database alias, the types, the normalised query."""
    with _shapes_lock:
        return _shapes.get(key)


def _learn(key: tuple, rows: list[tuple]) -> list[tuple]:
    """Remember what the statement's ``rows`` say of the search's shape (the ways that reached the cap); the rows."""
    full = {divmod(code, WAYS) for code in rows[0][5]}
    types = key[1]
    with _shapes_lock:
        if any(way >= FIRST_UNBOUNDED_WAY for _, way in full):
            _shapes.pop(key, None)
        else:
            _shapes[key] = tuple(name for name in types if (search.TYPE_NAMES.index(name), 0) in full)
    return rows


def forget_shapes() -> None:
    """Forget every learned shape (tests)."""
    with _shapes_lock:
        _shapes.clear()


def _prepared(
    connection, cursor, plans: _Plans, key: tuple, run: Callable[[str], str], definition: Callable[[], str]
) -> list:
    """The rows of ``run(name)`` (statements running the prepared statement ``name``), the statement kept as
    ``key`` on the connection, prepared first (``PREPARE name<definition()>``, in the same round trip) if it is
    not there. If psycopg deallocated it, it is prepared again; if a batch that prepares fails, the connection
    prepares no more."""

    def atomic():  # (in a transaction, a failed batch is rolled back to a savepoint: the transaction goes on)
        return transaction.atomic(using=connection.alias) if connection.in_atomic_block else nullcontext()

    name = plans.prepared.get(key)
    if name is not None:
        plans.prepared.move_to_end(key)
        try:
            with atomic():
                cursor.execute(run(name))
            return _rows(cursor)
        except ProgrammingError as exc:
            if not isinstance(exc.__cause__, errors.InvalidSqlStatementName):
                raise
            # Gone from the session: psycopg sends DEALLOCATE ALL for its own prepared statements after a
            # ROLLBACK, DROP or ALTER on the connection, which takes every plan kept here with them.
            plans.prepared.clear()
    commands = []
    while len(plans.prepared) >= PLANS_PER_CONNECTION:
        commands.append(f"DEALLOCATE {plans.prepared.popitem(last=False)[1]}")
    name = f"global_search_{next(plans.names)}"
    commands += [f"PREPARE {name}{definition()}", run(name)]
    try:
        with atomic():
            cursor.execute("; ".join(commands))  # one round trip, one statement in the query log
    except ProgrammingError as exc:
        if not isinstance(exc.__cause__, errors.InvalidSqlStatementName):
            plans.failed = True  # (at most one plan is left behind on the connection, until it closes)
            raise
        plans.prepared.clear()  # the oldest plan went with psycopg's DEALLOCATE ALL: the others too
        return _prepared(connection, cursor, plans, key, run, definition)
    except Exception:
        plans.failed = True
        raise
    rows = _rows(cursor)
    plans.prepared[key] = name
    return rows


def _rows(cursor) -> list[tuple]:
    """The rows of a batch's one statement that returns rows."""
    while cursor.description is None and cursor.nextset():
        pass
    return cursor.fetchall()


def _record(name: str, alias: str, columns: list):
    """The hit's record from its columns (``shown_fields``, then its labels, as JSON values): only the
    fields a hit reads are loaded."""
    spec = search.SEARCH_TYPES[name]
    attnames, loaders = _loading(name)
    values = columns[: len(attnames)]
    for i, load in loaders:
        if values[i] is not None:
            values[i] = load(values[i])
    record = spec.model.from_db(alias, attnames, values)
    if spec.label_field:
        record.search_labels = columns[len(attnames)]
    return record


# What a shown field's JSON value (``json_build_array``) is loaded with; ``None``: it is the value.
JSON_LOADERS = {
    "BigAutoField": None,
    "CharField": None,
    "SlugField": None,
    "TextField": None,
    "JSONField": None,  # (its jsonb is nested as JSON: decoded with the array, as the field's decoder would)
    "DateField": date.fromisoformat,
}


@cache
def _loading(name: str) -> tuple[list[str], list[tuple[int, Callable]]]:
    """The type's shown fields' attnames, and the loaders of those whose JSON value is not the field's."""
    fields = shown_fields(search.SEARCH_TYPES[name])
    loaders = []
    for i, field in enumerate(fields):
        kind = field.get_internal_type()
        if kind not in JSON_LOADERS or getattr(field, "decoder", None) is not None:
            raise TypeError(f"{field}: no JSON loader for a {kind} (bounded_search.JSON_LOADERS)")
        if JSON_LOADERS[kind] is not None:
            loaders.append((i, JSON_LOADERS[kind]))
    return [field.attname for field in fields], loaders
