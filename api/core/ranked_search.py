"""The first page of a ``?q=`` list, ranked, read tier by tier (PostgreSQL, where name lines are kept).

``SearchBackend`` ranks a match 3 when one of its names is the query, 2 when one starts with
it, else 1, then orders by the list's order. Sorting every match by that reads every
match (some 23,000 agreements for a common word at 100,000). Here each tier is read on its
own, in the list's order, and stops after the page: the exact and prefix tiers through the
narrow table of name lines (``cooperation.search_text.NAME_LINES``: one btree range), the
substring tier, the rest, in the list's order. The exact and prefix tiers read the lines
alone (index-only: a prefix shared by 10,000 agreements never reads their rows), and the
count, up to its cap in no order, reads the narrow copy of ``search_text``: both are kept
by triggers in the same transaction as ``search_text`` (migration 0014). The count a process made is
kept for the names' version it saw (``api.core.search_counts``, migration 0018): a search asked again
counts nothing until the names change.

Only for a search that is the list's one filter, in the ranked order: with other filters,
the one ordered scan of the matches (``LimitOffsetPagination.paginate_documents``) is kept.

The query is written into the statements as a quoted literal, not a parameter: the page's
statement is prepared after a few runs, and a generic plan, not knowing how common the
query is, sorts every substring match (and rechecks every word that starts with it);
with the literal, each query's plan is its own.
"""

from __future__ import annotations

from functools import lru_cache

from django.db import connections
from django.db.models import QuerySet

from api.core import search_counts
from cooperation.search_text import NAME_LINES

RANK = "-search_rank"
COMPOSED_KEPT = 512  # searches (query, page, list order) whose SQL is kept composed
BEYOND = "\U0010ffff"  # after any character of a normalised line (a noncharacter, never kept by ``normalize``)


class Statement:
    """SQL without parameters, as ``Documents.page`` takes its ``ids`` and ``count`` queries."""

    def __init__(self, model, sql: str):
        self.model, self.sql = model, sql

    def sql_with_params(self) -> tuple[str, tuple]:
        return self.sql, ()


class KeptCount(Statement):
    """The count's statement, whose total ``Documents.page`` takes as ``total()``: the one this process kept
    where the names' version is the one it counted at (``api.core.search_counts``)."""

    def __init__(self, model, sql: str, alias: str, names: str):
        super().__init__(model, sql)
        self.alias, self.key = alias, search_counts.version_key(names)

    def total(self) -> tuple[str, tuple]:
        version, total = search_counts.kept(self.alias, self.sql)
        return search_counts.total_sql(self.sql), (self.key, version, total)

    def version(self) -> tuple[str, tuple]:
        """A statement of the version the total is counted at (an existence check's shape: SQL, parameters)."""
        return search_counts.version_sql(), (self.key,)

    def keep(self, version: int | None, total: int) -> None:
        search_counts.keep(self.alias, self.sql, version, total)


def tiered_page(
    queryset: QuerySet, query: str, offset: int, rows: int, most: int
) -> tuple[Statement, Statement] | None:
    """The ``rows`` ranked matches of ``query`` from ``offset``, read tier by tier, and the matches up to ``most`` + 1
    in no order (to count); None where that does not apply."""
    connection = connections[queryset.db]
    tables = NAME_LINES.get(queryset.model._meta.db_table)
    ordering = tuple(queryset.query.order_by)
    if connection.vendor != "postgresql" or tables is None or not ordering or ordering[0] != RANK:
        return None
    if not searched_alone(queryset) or any(term.lstrip("-") == RANK[1:] for term in ordering[1:]):
        return None
    if connection.ops.prep_for_like_query(query) != query:  # (never, normalised: it goes into patterns as it is)
        return None
    ids, count = _composed(queryset.db, queryset.model, ordering, tables, query, offset, rows, most)
    return Statement(queryset.model, ids), KeptCount(queryset.model, count, queryset.db, tables[1])


@lru_cache(maxsize=COMPOSED_KEPT)
def _composed(alias: str, model, ordering: tuple, tables: tuple, query: str, offset: int, rows: int, most: int):
    """The page's and the count's SQL with the query written in, kept: composing them (psycopg quoting each
    tier's values) was most of a ranked search's own Python time, and the same page asked again is a lookup."""
    connection = connections[alias]
    key = (alias, model, ordering)
    if key not in _TEMPLATES:
        if len(_TEMPLATES) >= MAX_TEMPLATES:
            _TEMPLATES.clear()
        _TEMPLATES[key] = templates(model, tables, ordering[1:], connection)
    tiers, count = _TEMPLATES[key]
    compose = connection.ops.compose_sql
    parts = []
    for rank, (sql, params) in enumerate(tiers):
        params = [param.replace(SENTINEL, query) if isinstance(param, str) else param for param in params]
        sql = compose(f"{sql} LIMIT %s", [*params, offset + rows]).replace("%", "%%")
        parts.append(
            f"SELECT {rank} AS _tier, _n, _t.pk FROM (SELECT pk, ROW_NUMBER() OVER () AS _n FROM ({sql}) _r(pk)) _t"
        )
    ids = (
        f"SELECT _u.pk FROM ({' UNION ALL '.join(parts)}) _u ORDER BY _u._tier, _u._n LIMIT {rows:d} OFFSET {offset:d}"
    )
    return ids, compose(count, [f"%{query}%", most + 1]).replace("%", "%%")


def searched_alone(queryset: QuerySet) -> bool:
    """Whether the list's one filter is ``SearchBackend``'s (``search_text`` contains the query)."""
    where = queryset.query.where
    if len(where.children) != 1 or where.negated or queryset.query.distinct:
        return False
    lookup = where.children[0]
    return getattr(lookup, "lookup_name", None) == "contains" and getattr(lookup.lhs, "target", None) == (
        queryset.model._meta.get_field("search_text")
    )


def templates(model, tables: tuple[str, str, str], ordering: tuple[str, ...], connection):
    """Each tier's SQL (its parameters hold ``SENTINEL`` where the query goes) and the count's, built once per
    list order: building them with the ORM costs more than running them."""
    lines, names, record = tables
    quote = connection.ops.quote_name
    pk = f"{quote(model._meta.db_table)}.{quote(model._meta.pk.column)}"
    among = f"{pk} IN (SELECT {quote(record)} FROM {quote(lines)} WHERE {{}})"
    records = model._base_manager.order_by(*ordering)  # the exact and prefix tiers: from the lines alone
    exact, prefix = among.format("line = %s"), among.format("line >= %s AND line < %s")
    tiers = [
        records.extra(where=[exact], params=[SENTINEL]),
        records.extra(where=[prefix, f"NOT ({exact})"], params=[SENTINEL, SENTINEL + BEYOND, SENTINEL]),
        model._base_manager.filter(search_text__contains=SENTINEL)
        .exclude(search_text__contains=f"\n{SENTINEL}")
        .order_by(*ordering),
    ]
    tiers = [tier.values_list("pk", flat=True).query.sql_with_params() for tier in tiers]
    return tiers, f"SELECT {quote(record)} FROM {quote(names)} WHERE search_text LIKE %s LIMIT %s"


SENTINEL = "rankedsearchquery"  # stands for the query in the cached SQL (letters only: escaped as it is)
MAX_TEMPLATES = 64  # models x orderings; cleared when full
_TEMPLATES: dict = {}
