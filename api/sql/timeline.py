"""Timeline pages written by PostgreSQL: the page's rows and their events' JSON in one statement.

``TimelineEventSerializer`` (and ``EventWriter``, its fast Python twin) build each event from model
instances loaded for the page: about ten statements and most of a request's CPU. On PostgreSQL
``TimelineDocuments`` instead compiles, once per shape (``fields``/``omit``), site and language, one
``json_build_object`` per event kind (the displays, names and templates of ``api.sql.expressions``,
the titles' templates translated at compile time) and runs it over the page's rows
(``EventRows.page_sql``) as a CTE: the rows, their events and the number of rows come back together,
from one snapshot. Python wraps the envelope. The CSV export and SQLite keep the Python path;
``tests/api/test_timeline_writer.py`` holds both paths to the serializer's output.

PostgreSQL sets up every branch of a statement on each execution, rows or not: the eight kinds' branches
cost about as much as the page's fifty events. So when the query can match several kinds, a first, short
statement reads which kinds the page holds, and the page is written by the branches of those only
(``TimelinePages``); that statement still reads its rows, count and events from one snapshot, and one
whose page has a kind it has no branch for (the registry changed in between) gives way to all of them.
Each page statement also returns the kinds its rows hold, and they are kept (by the statement and its
parameters, in the process): the same page asked again is written by those kinds' branches at once, with
no first statement (about a tenth of an organization's page). Kept kinds are only a guess, checked by the
statement itself as above.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re

import psycopg
from django.db import connections
from django.db.models import F, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast

from api.core.resource_urls import list_url, resource_for
from api.renderers.json import RawJSON
from api.sql.compiled_cache import CompiledCache
from api.sql.documents import server_bound_cursor
from api.sql.expressions import Concat, Unsupported
from api.sql.timeline_events import Outer, SameAs, Writer
from cooperation import localization as l10n
from cooperation.compiled_queries import numbered, text_literal
from cooperation.models import Agreement, AgreementParty, Milestone, PersonRole
from cooperation.selectors.timeline_kinds import AGREEMENT_DATES, KIND_RANK, ROLE_DATES, EventKind
from cooperation.selectors.timeline_rows import COLUMNS, LARGEST_LIMIT, bounded_count_statement

ALL_KINDS = frozenset(EventKind.values)
KINDS_BY_RANK = tuple(EventKind.values)  # ``values`` builds its list again on each read
ROWS = "_rows"  # the CTE of the page's rows: the union's columns and the position ``_n``


def _branch(model, rank: int, pairs: dict, fields: tuple[str, ...]) -> tuple[str, tuple]:
    """One kind's events: the position of each page row of ``rank`` and its event's document.

    The fields' values are columns of a subquery and the document is built from them: a value two
    fields share (an agreement is both the ``subject`` and the ``record`` of its events) is computed once.
    """
    table = f'"{model._meta.db_table}"'
    tail = pairs.pop("_id_tail")
    pairs["id"] = Concat(pairs["id"], Cast(F("pk"), TextField()), tail)
    columns: dict[str, tuple[str, object]] = {}  # a name -> its column and its expression

    def column(name: str, expression) -> str:
        if name not in columns:
            columns[name] = (f"_c{len(columns)}", expression)
        return f"_b.{columns[name][0]}"

    written = {}
    for name in fields:
        value = pairs[name]
        shared = value.name if isinstance(value, SameAs) else name
        value = pairs[shared]
        if isinstance(value, Outer):
            written[name] = value.write({key: column(key, found) for key, found in value.columns.items()})
        else:
            written[name] = column(shared, value)
    # The page's rows of ``rank`` joined to their records: each row's position comes with it (a scalar
    # subquery per record, scanning the page's rows for its position, cost about a twentieth of the statement).
    queryset = (
        model._default_manager.order_by()
        .extra(tables=[ROWS], where=[f'{ROWS}.ev_rank = {rank} AND {ROWS}.ev_pk = {table}."id"'])
        .annotate(_n=RawSQL(f"{ROWS}._n", []), **dict(columns.values()))
        .values_list("_n", *(name for name, _ in columns.values()))
    )
    sql, params = queryset.query.sql_with_params()
    document = ", ".join(f"'{name}', {written[name]}" for name in fields)
    names = ", ".join(["_n", *(name for name, _ in columns.values())])
    # OFFSET 0: the subquery stays one (flattened, each reference to a column would compute it again).
    return f"SELECT _b._n, JSON_BUILD_OBJECT({document}) FROM ({sql} OFFSET 0) _b({names})", tuple(params)


def _branches(request, fields: tuple[str, ...], kinds: frozenset[str]) -> tuple[str, tuple]:
    """The branch of each of ``kinds``, as one UNION ALL of ``(_n, _document)``.

    Only the kinds the query can match: PostgreSQL initializes every branch of the plan on each execution,
    rows or not, and a branch costs about as much to set up as a few events to write.
    """
    writer = Writer(request)
    found = []
    for kind, stem in AGREEMENT_DATES.items():
        if kind in kinds:
            found.append(_branch(Agreement, KIND_RANK[kind], writer.agreement(kind, stem), fields))
    if EventKind.WITHDRAWN in kinds:
        found.append(_branch(AgreementParty, KIND_RANK[EventKind.WITHDRAWN], writer.withdrawal(), fields))
    for kind, stem in ROLE_DATES.items():
        if kind in kinds:
            found.append(_branch(PersonRole, KIND_RANK[kind], writer.role(kind, stem), fields))
    if EventKind.MILESTONE in kinds:
        found.append(_branch(Milestone, KIND_RANK[EventKind.MILESTONE], writer.milestone(), fields))
    return " UNION ALL ".join(f"({sql})" for sql, _ in found), tuple(p for _, params in found for p in params)


class TimelineDocuments:
    """Writes timeline pages of some kinds for one shape, site and language (compiled once, kept)."""

    def __init__(self, sql: str, params: tuple, kinds: frozenset[str]):
        self.sql = _inlined(sql, params)  # constants only: a hundred parameters cost more to send than to plan
        self.kinds = kinds  # those it has branches for
        self._statements: dict[tuple[str, str], str] = {}  # by the page's and the count's SQL: the whole, numbered

    @classmethod
    def for_request(cls, request, fields, using: str, kinds=ALL_KINDS) -> TimelinePages | None:
        """The writer of this request's events (``fields``: the serializer's, after ``fields``/``omit``;
        ``kinds``: those the query can match, ``event_kinds``); None off PostgreSQL."""
        if connections[using].vendor != "postgresql":
            return None
        fields, kinds = tuple(fields), frozenset(kinds)
        site = (list_url(resource_for(Agreement), request), l10n.active_language(), using)

        def compiled(some: frozenset[str]) -> TimelineDocuments | None:
            return _COMPILED.get((fields, some, *site), lambda: cls(*_branches(request, fields, some), some))

        return None if compiled(kinds) is None else TimelinePages(compiled, kinds)

    def counted_page(
        self, rows, offset: int, limit: int, count_bound: int, statement
    ) -> tuple[int, bool, RawJSON] | None:
        """``Timeline.counted_page`` (``rows``: its ``EventRows``; ``statement``: ``_page_statement``), the events
        written as JSON: the total (counted up to ``count_bound`` or the page's end), whether it is exact, and the
        page, from one statement; None when the page holds a kind this writer has no branch for."""
        at_most = max(count_bound, offset + limit)
        counted = bounded_count_statement(rows.query, rows.using, "postgresql")
        if statement is None or counted is None:
            return 0, True, RawJSON("[]")
        page_sql, page_params = statement
        count_sql, count_params = counted
        direction = " DESC" if rows.query.descending else ""
        order = "ORDER BY " + ", ".join(f"ev.{column}{direction}" for column in COLUMNS)
        sql = self._statements.get((page_sql, count_sql))
        if sql is None:
            sql = numbered(
                f"WITH {ROWS} AS MATERIALIZED (SELECT ev.*, ROW_NUMBER() OVER ({order}) AS _n FROM ({page_sql}) ev) "
                f"SELECT (SELECT COUNT(*) FROM {ROWS}), ({count_sql}), "
                f"(SELECT JSON_AGG(_d._document ORDER BY _d._n)::text FROM ({self.sql}) _d(_n, _document)), "
                f"(SELECT ARRAY_AGG(DISTINCT ev_rank) FROM {ROWS})"
            )
            if len(self._statements) >= MAX_COMPILED:
                self._statements.clear()
            self._statements[(page_sql, count_sql)] = sql
        params = (*page_params, *count_params, min(at_most + 1, LARGEST_LIMIT))
        with server_bound_cursor(Agreement, psycopg.RawCursor) as cursor:
            cursor.execute(sql, params)
            found, total, documents, ranks = cursor.fetchone()
        held = frozenset(KINDS_BY_RANK[rank] for rank in ranks or ())
        _remember(statement, held)
        if not held <= self.kinds:
            return None
        if offset == 0 and found < limit:
            return found, True, RawJSON(documents or "[]")  # the whole feed is on the page
        return total, total <= at_most, RawJSON(documents or "[]")


class TimelinePages:
    """A request's page writer: ``TimelineDocuments`` of the kinds its page holds (``compiled(kinds)``), when
    the query can match more (see the module's docstring)."""

    def __init__(self, compiled, kinds: frozenset[str]):
        self.compiled, self.kinds = compiled, kinds

    def counted_page(self, rows, offset: int, limit: int, count_bound: int) -> tuple[int, bool, RawJSON]:
        """``TimelineDocuments.counted_page``, by the branches of the page's kinds where it has fewer."""
        # The first page's bounds as numbers, for a plan made for them (see ``page_sql``); a later page's as
        # parameters, so that each offset is not a statement of its own to plan.
        statement = rows.page_sql(offset, offset + limit, literal_bounds=offset == 0)
        if len(self.kinds) > 1 and statement is not None:
            held = _remembered(statement)
            if held is None:
                held = _page_kinds(*statement)
            if held and held < self.kinds:
                fewer = self.compiled(held)
                page = fewer.counted_page(rows, offset, limit, count_bound, statement) if fewer else None
                if page is not None:
                    return page
        return self.compiled(self.kinds).counted_page(rows, offset, limit, count_bound, statement)


def _remembered(statement: tuple[str, tuple]) -> frozenset[str] | None:
    """The kinds this page statement's rows held when it last ran (None: not known)."""
    try:
        return _HELD.get(statement)
    except TypeError:  # a parameter that is not hashable
        return None


def _remember(statement: tuple[str, tuple], held: frozenset[str]) -> None:
    if len(_HELD) >= MAX_COMPILED:
        _HELD.clear()
    with contextlib.suppress(TypeError):  # a parameter that is not hashable
        _HELD[statement] = held


def _page_kinds(sql: str, params: tuple) -> frozenset[str]:
    """The kinds of the events of a page (``EventRows.page_sql``); none for an empty page."""
    with server_bound_cursor(Agreement, psycopg.RawCursor) as cursor:
        cursor.execute(numbered(f"SELECT ARRAY_AGG(DISTINCT ev.ev_rank) FROM ({sql}) ev"), params)
        (ranks,) = cursor.fetchone()
    return frozenset(KINDS_BY_RANK[rank] for rank in ranks or ())


def _inlined(sql: str, params: tuple) -> str:
    """``sql`` with its parameters (constants the compiler chose: numbers, dates, choice values) written in as
    literals; ``%%`` stays (the statement is numbered later)."""
    values = iter(params)

    def literal(found) -> str:
        if found.group() == "%%":
            return "%%"
        value = next(values)
        if isinstance(value, bool) or value is None:
            raise Unsupported(f"parameter {value!r}")
        if isinstance(value, int):
            return str(int(value))
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return f"'{value.isoformat()}'::date"
        if isinstance(value, str) and "\\" not in value and "\x00" not in value:
            return text_literal(value)
        raise Unsupported(f"parameter {value!r}")

    inlined = _PLACEHOLDERS.sub(literal, sql)
    if next(values, _END) is not _END:
        raise Unsupported("more parameters than placeholders")
    return inlined


_END = object()
_PLACEHOLDERS = re.compile(r"%%|%s")
MAX_COMPILED = 256
_COMPILED = CompiledCache(MAX_COMPILED)
_HELD: dict[tuple[str, tuple], frozenset[str]] = {}  # a page's statement -> the kinds its rows held last time

__all__ = ["TimelineDocuments", "TimelinePages"]
