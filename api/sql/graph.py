"""A scoped graph written by PostgreSQL: the breadth-first expansion and the node-link document in one statement.

``cooperation.selectors.graph`` builds the graph in Python (one query per edge kind and level,
then the nodes' records) and the view writes it out: hundreds of rows become edges, nodes,
labels and URLs in Python. Here the same rules run in SQL, level by level (a depth is at most
``MAX_DEPTH``, so the levels are written out as CTEs rather than recursed):

* level ``L``'s candidates are the other ends of the active edges touching level ``L - 1`` that
  no earlier level holds; each is ranked by the earliest node it is reached from, then the
  kind of the edge, then its node kind, then its slug (``GraphBuilder.neighbours``' order);
* they are numbered after the nodes already placed, up to ``max_nodes``; a candidate left
  out makes the graph ``truncated`` (and the levels after it get no room);
* the edges are every active edge between two placed nodes, ordered by their ends' places,
  then kind, then id; labels are the records' displays (``api.sql.expressions.display``) and
  URLs the API's detail URLs.

Slugs and ids compare with ``COLLATE "C"``: code point order, as Python compares strings.
``tests/api/test_graph_sql.py`` holds the document to the Python path's, value for value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connections, router

from api.core.resource_urls import list_url, resource_for
from api.renderers.json import RawJSON
from api.sql.documents import server_bound_cursor
from api.sql.expressions import display
from cooperation import models as m
from cooperation.localization import active_language
from cooperation.selectors.graph import EDGE_RANK, NODE_MODELS, NODE_TYPES, TYPE_RANK, GraphQuery


@dataclass(frozen=True)
class Kind:
    """An edge kind in SQL: its table, ends, id, type and attributes, and when it is active."""

    name: str
    table: str
    source: tuple[str, str]  # (node type, column)
    target: tuple[str, str]
    id: str  # SQL text of the edge's id, on alias ``t``
    type: str
    attributes: str
    started: tuple[str, ...] = ()  # start dates (SQL on ``t`` and joined agreements) the period's end bounds
    ended: tuple[str, ...] = ()  # end dates (their ``_end`` column) the period's start bounds
    joins: str = ""  # the agreements the period reads
    base: str = "TRUE"


def _partial(column: str) -> str:
    """A partial date's text at its precision, or null (``selectors.graph._partial``)."""
    return (
        f"CASE WHEN {column} IS NULL OR {column}_precision = '' THEN NULL "
        f"WHEN {column}_precision = 'day' THEN TO_CHAR({column}, 'YYYY-MM-DD') "
        f"WHEN {column}_precision = 'month' THEN TO_CHAR({column}, 'YYYY-MM') "
        f"ELSE TO_CHAR({column}, 'YYYY') END"
    )


AGREEMENT = m.Agreement._meta.db_table
ORGANIZATION = m.Organization._meta.db_table
KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "parent",
            ORGANIZATION,
            ("organization", "id"),
            ("organization", "parent_id"),
            id="'parent:organization:' || t.slug",
            type="'parent'",
            attributes="'{}'::json",
            base="t.parent_id IS NOT NULL",
        ),
        Kind(
            "party",
            m.AgreementParty._meta.db_table,
            ("organization", "organization_id"),
            ("agreement", "agreement_id"),
            id="'parties:' || t.id",
            type="'party'",
            attributes=f"json_build_object('role', t.role, 'withdrawn_on', {_partial('t.withdrawn_on')})",
            started=("a.signed_on",),
            ended=("t.withdrawn_on",),
            joins=f"JOIN {AGREEMENT} a ON a.id = t.agreement_id",
        ),
        Kind(
            "signed",
            m.Signatory._meta.db_table,
            ("person", "person_id"),
            ("agreement", "agreement_id"),
            id="'signatories:' || t.id",
            type="'signed'",
            attributes=(
                "json_build_object('on_behalf_of', 'organization:' || "
                f"(SELECT o.slug FROM {ORGANIZATION} o WHERE o.id = t.on_behalf_of_id), 'title', t.title)"
            ),
            started=("a.signed_on",),
            joins=f"JOIN {AGREEMENT} a ON a.id = t.agreement_id",
        ),
        Kind(
            "relation",
            m.AgreementRelation._meta.db_table,
            ("agreement", "from_agreement_id"),
            ("agreement", "to_agreement_id"),
            id="'relations:' || t.id",
            type="t.kind",
            attributes="'{}'::json",
            started=("a.signed_on", "b.signed_on"),
            joins=f"JOIN {AGREEMENT} a ON a.id = t.from_agreement_id JOIN {AGREEMENT} b ON b.id = t.to_agreement_id",
        ),
        Kind(
            "participant",
            m.MissionParticipant._meta.db_table,
            ("organization", "organization_id"),
            ("mission", "mission_id"),
            id="'participants:' || t.id",
            type="'participant'",
            attributes=(
                f"json_build_object('role', t.role, 'joined_on', {_partial('t.joined_on')}, "
                f"'left_on', {_partial('t.left_on')})"
            ),
            started=("t.joined_on",),
            ended=("t.left_on",),
        ),
        Kind(
            "agreement_mission",
            m.AgreementMission._meta.db_table,
            ("agreement", "agreement_id"),
            ("mission", "mission_id"),
            id="'agreement-missions:' || t.id",
            type="t.role",
            attributes="'{}'::json",
            started=("a.signed_on",),
            joins=f"JOIN {AGREEMENT} a ON a.id = t.agreement_id",
        ),
    )
}
assert list(KINDS) == list(EDGE_RANK)  # the same kinds, in the same rank order


class _Statement:
    """SQL text with named parameters; Django-compiled pieces (``%s``) are renamed into it."""

    def __init__(self):
        self.params: dict = {}

    def embed(self, sql: str, params) -> str:
        values = iter(params)

        def rename(found):
            if found.group(0) == "%%":
                return "%%"
            name = f"p{len(self.params)}"
            self.params[name] = next(values)
            return f"%({name})s"

        return re.sub(r"%[%s]", rename, sql)


def _active(kind: Kind, low: bool, high: bool) -> str:
    conditions = [kind.base]
    if high:
        conditions += [f"({column} IS NULL OR {column} <= %(high)s)" for column in kind.started]
    if low:
        conditions += [f"({column}_end IS NULL OR {column}_end >= %(low)s)" for column in kind.ended]
    return " AND ".join(conditions)


def _joins(kind: Kind, high: bool) -> str:
    return kind.joins if high and kind.started and kind.joins else ""


def _slug(alias: str) -> str:
    """The slug of the node ``(alias.type, alias.id)``, looked up by its primary key."""
    cases = " ".join(
        f"WHEN '{name}' THEN (SELECT z.slug FROM {model._meta.db_table} z WHERE z.id = {alias}.id)"
        for name, model in NODE_MODELS.items()
    )
    return f"CASE {alias}.type {cases} END"


def _type_rank(alias: str) -> str:
    return f"CASE {alias}.type " + " ".join(f"WHEN '{name}' THEN {TYPE_RANK[name]}" for name in NODE_TYPES) + " END"


def _incident(kinds: list[Kind], frontier: str, low: bool, high: bool) -> str:
    """The active edges touching the nodes of CTE ``frontier``: kind rank, row id, the far end, and its rank key."""
    reached = []
    for kind in kinds:
        rank = EDGE_RANK[kind.name]
        active, joins = _active(kind, low, high), _joins(kind, high)
        for near, far in ((kind.source, kind.target), (kind.target, kind.source)):
            reached.append(
                f"SELECT {rank} AS rank, t.id AS tid, '{far[0]}'::text AS type, t.{far[1]} AS id, "
                f"f.ord * 8 + {rank} AS key FROM {frontier} f JOIN {kind.table} t ON t.{near[1]} = f.id {joins} "
                f"WHERE f.type = '{near[0]}' AND {active}"
            )
    empty = "SELECT 0 AS rank, NULL::bigint AS tid, NULL::text AS type, NULL::bigint AS id, 0 AS key WHERE FALSE"
    return " UNION ALL ".join(reached) or empty


def compile_graph(kinds: list[Kind], node_types: tuple[str, ...], depth: int, low: bool, high: bool, request):
    """The statement for a scoped graph of ``depth`` over ``kinds``; parameters seed, seed_type, max, low, high."""
    statement = _Statement()
    ctes = [
        "s0 AS (SELECT %(seed_type)s::text AS type, %(seed)s::bigint AS id)",
        f"n0 AS (SELECT s.type, s.id, 0 AS ord, {_slug('s')} AS slug FROM s0 s)",
        "all0 AS (SELECT * FROM n0)",
    ]
    truncations = []
    for level in range(1, depth + 1):
        previous, placed = f"n{level - 1}", f"all{level - 1}"
        ctes.append(f"x{level} AS ({_incident(kinds, previous, low, high)})")
        ctes.append(
            f"c{level} AS (SELECT x.type, x.id, MIN(x.key) AS key, {_type_rank('x')} AS type_rank FROM x{level} x "
            f"WHERE NOT EXISTS (SELECT 1 FROM {placed} p WHERE p.type = x.type AND p.id = x.id) GROUP BY x.type, x.id)"
        )
        ctes.append(
            f"r{level} AS (SELECT c.type, c.id, c.slug, (SELECT COUNT(*) FROM {placed}) - 1 + ROW_NUMBER() OVER "
            f'(ORDER BY c.key, c.type_rank, c.slug COLLATE "C") AS ord '
            f"FROM (SELECT c.*, {_slug('c')} AS slug FROM c{level} c) c)"
        )
        ctes.append(f"n{level} AS (SELECT type, id, ord::int AS ord, slug FROM r{level} WHERE ord < %(max)s)")
        ctes.append(f"all{level} AS (SELECT * FROM {placed} UNION ALL SELECT * FROM n{level})")
        truncations.append(f"EXISTS (SELECT 1 FROM r{level} WHERE ord >= %(max)s)")
    placed = f"all{depth}"
    # The edges among the last level (and from it to earlier ones): every edge between placed nodes is then seen.
    ctes.append(f"x{depth + 1} AS ({_incident(kinds, f'n{depth}', low, high)})")
    ctes.append(
        "placed AS (SELECT jsonb_object_agg(type || ':' || id, jsonb_build_array(ord, type || ':' || slug)) AS m "
        f"FROM {placed})"
    )
    seen = " UNION ALL ".join(f"SELECT rank, tid, type, id FROM x{level}" for level in range(1, depth + 2))
    ctes.append(
        f"kept AS (SELECT DISTINCT x.rank, x.tid FROM ({seen}) x WHERE (SELECT m FROM placed) ? (x.type || ':' || x.id))"
    )

    node_rows = []
    for name in node_types:
        model = NODE_MODELS[name]
        labels = model._default_manager.order_by().annotate(graph_label=display(model, ""))
        labels = labels.values("id", "slug", "graph_label")
        sql = statement.embed(*labels.query.sql_with_params())
        prefix = f"prefix_{name}"
        statement.params[prefix] = list_url(resource_for(model), request)
        node_rows.append(
            f"SELECT n.ord, json_build_object('id', '{name}:' || r.slug, 'type', '{name}'::text, "
            f"'label', r.graph_label, 'url', %({prefix})s::text || r.slug || '/') AS doc "
            f"FROM {placed} n JOIN ({sql}) r ON r.id = n.id WHERE n.type = '{name}'"
        )
    ctes.append(f"nodes AS ({' UNION ALL '.join(node_rows)})")

    edge_rows = []
    for kind in kinds:
        source = f"((SELECT m FROM placed) -> ('{kind.source[0]}:' || t.{kind.source[1]}))"
        target = f"((SELECT m FROM placed) -> ('{kind.target[0]}:' || t.{kind.target[1]}))"
        edge_rows.append(
            f"SELECT {kind.id} AS eid, {EDGE_RANK[kind.name]} AS rank, {source} AS s, {target} AS g, "
            f"json_build_object('id', {kind.id}, 'source', {source} ->> 1, 'target', {target} ->> 1, "
            f"'type', {kind.type}, 'attributes', {kind.attributes}) AS doc "
            f"FROM kept k JOIN {kind.table} t ON t.id = k.tid WHERE k.rank = {EDGE_RANK[kind.name]}"
        )
    ctes.append(
        "edges AS (SELECT e.eid, e.rank, e.doc, (e.s ->> 0)::int AS a, (e.g ->> 0)::int AS b "
        f"FROM ({' UNION ALL '.join(edge_rows) or 'SELECT NULL::text AS eid, 0 AS rank, NULL::jsonb AS s, NULL::jsonb AS g, NULL::json AS doc WHERE FALSE'}) e)"
    )
    truncated = " OR ".join(truncations) or "FALSE"
    sql = (
        f"WITH {', '.join(ctes)} SELECT json_build_object("
        "'directed', TRUE, 'multigraph', TRUE, "
        "'nodes', COALESCE((SELECT json_agg(doc ORDER BY ord) FROM nodes), '[]'::json), "
        "'edges', COALESCE((SELECT json_agg(doc ORDER BY LEAST(a, b), GREATEST(a, b), rank, eid COLLATE \"C\") "
        "FROM edges), '[]'::json), "
        f"'truncated', {truncated}, "
        "'node_count', (SELECT COUNT(*) FROM nodes), 'edge_count', (SELECT COUNT(*) FROM edges))::text"
    )
    return sql, statement.params


_CACHE: dict[tuple, tuple[str, dict]] = {}


def graph_document(query: GraphQuery, request) -> RawJSON | None:
    """The scoped graph ``query`` asks for as a JSON document written by PostgreSQL; None elsewhere."""
    model = NODE_MODELS[query.scope[0]] if query.scope else None
    if model is None or connections[router.db_for_read(model)].vendor != "postgresql":
        return None
    period = query.period
    node_types = query.kinds
    kinds = [KINDS[name] for name in EDGE_RANK if _uses(KINDS[name], node_types)]
    urls = tuple(list_url(resource_for(NODE_MODELS[name]), request) for name in node_types)
    key = (tuple(k.name for k in kinds), node_types, query.steps, period.low is not None, period.high is not None)
    key += (active_language(), urls)
    compiled = _CACHE.get(key)
    if compiled is None:
        compiled = _CACHE[key] = compile_graph(
            kinds, node_types, query.steps, period.low is not None, period.high is not None, request
        )
    sql, params = compiled
    params = {
        **params,
        "seed_type": query.scope[0],
        "seed": query.scope[1],
        "max": query.max_nodes,
        "low": period.low,
        "high": period.high,
    }
    with server_bound_cursor(model) as cursor:
        cursor.execute(sql, params)
        return RawJSON(cursor.fetchone()[0])


def _uses(kind: Kind, node_types: tuple[str, ...]) -> bool:
    return kind.source[0] in node_types and kind.target[0] in node_types
