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
  then kind, then id: each is taken from the expansion of its end placed first (an edge
  between two nodes of the last level, from one more expansion of that level, from the end
  of its kind with fewer edges per node); labels are the records' displays
  (``api.sql.expressions.display``) and URLs the API's detail URLs.

A level's candidates are ranked by their key first: only those with fewer candidates than the room
left ranked before them can be placed, so only those are looked up (their slugs break the ties); the
placed nodes' documents are written once, at the end. The far ends of every expansion's edges are placed
by one hash join with the placed nodes. A parent edge from a node is a column of its own record: the
frontier carries it, so it costs no lookup. Documents are concatenated text, values escaped by
``to_json``: compact, as the renderer writes JSON.
The statement looks the scope up by its slug itself (no row when it names nothing). It is compiled
once per shape (scope kind, depth, kinds, period bounds given, language, URL prefixes) and runs
as a prepared statement (``server_bound_cursor``): one query per request.
Slugs and ids compare with ``COLLATE "C"``: code point order, as Python compares strings.
``tests/api/test_graph_sql.py`` holds the document to the Python path's, value for value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import psycopg
from django.db import connections, router
from django.urls import get_script_prefix

from api.core.resource_urls import list_url, resource_for
from api.renderers.json import RawJSON
from api.sql.documents import server_bound_cursor
from api.sql.expressions import display
from cooperation import models as m
from cooperation.localization import active_language
from cooperation.selectors.graph import EDGE_RANK, NODE_MODELS, NODE_TYPES, TYPE_RANK, GraphQuery

# The linking kinds' edges from both ends (migration ``cooperation.0015_graph_adjacency``, PostgreSQL): near_type,
# near_id, rank (``EDGE_RANK``), far_type, far_id, tid, forward and the ``CARRIED`` columns ``Kind.carry`` reads.
ADJACENCY = "cooperation_graph_adjacency"
# What an edge's row carries out of its table, for its document: (name, type) of each column.
CARRIED = (("v1", "text"), ("v2", "date"), ("v3", "text"), ("v4", "date"), ("v5", "text"), ("v6", "bigint"))


@dataclass(frozen=True)
class Kind:
    """An edge kind in SQL: its table and ends, when it is active, and its id, type and attributes.

    The id, type and attributes are written on alias ``k``: the edge's row (``tid``, its ends
    ``sid`` and ``gid``, and the columns ``carry`` takes from its table ``t`` as ``v1``...).
    """

    name: str
    table: str
    source: tuple[str, str]  # (node type, column)
    target: tuple[str, str]
    id: str
    type: str
    attributes: str
    carry: dict[str, str] = field(default_factory=dict)  # v1...: SQL on ``t``
    started: tuple[str, ...] = ()  # start dates (SQL on ``t`` and joined agreements) the period's end bounds
    ended: tuple[str, ...] = ()  # end dates (their ``_end`` column) the period's start bounds
    joins: str = ""  # the agreements the period reads
    base: str = "TRUE"
    narrow: str = "target"  # the end with fewer edges per node (an agreement has a few parties, an organization many)
    own: bool = False  # the edge is a column of its source's own record: the frontier carries it (``parent_id``)


def _json(value: str) -> str:
    """JSON text of a text value (null when it is null). The documents are concatenated, not built by
    ``json_build_object``: five times cheaper, and as compact as the renderer writes them."""
    return f"COALESCE(to_json(({value})::text)::text, 'null')"


def _quoted(text: str) -> str:
    """JSON text of a text value that needs no escaping (digits, a constant of letters)."""
    return f"('\"' || {text} || '\"')"


def _object(**members: str) -> str:
    """A JSON object's text from its members' JSON texts, in order."""
    parts = ",".join(f'"{key}":' + "' || " + value + " || '" for key, value in members.items())
    return f"('{{{parts}}}')".replace(" || ''", "")


def _partial(date: str, precision: str) -> str:
    """A partial date's JSON text at its precision, or null (``selectors.graph._partial``)."""
    return (
        f"CASE WHEN {date} IS NULL OR {precision} = '' THEN 'null' "
        f"WHEN {precision} = 'day' THEN '\"' || TO_CHAR({date}, 'YYYY-MM-DD') || '\"' "
        f"WHEN {precision} = 'month' THEN '\"' || TO_CHAR({date}, 'YYYY-MM') || '\"' "
        f"ELSE '\"' || TO_CHAR({date}, 'YYYY') || '\"' END"
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
            id="'parent:organization:' || k.v1",
            type="'parent'",
            attributes="'{}'",
            carry={"v1": "t.slug"},
            base="t.parent_id IS NOT NULL",
            narrow="source",
            own=True,
        ),
        Kind(
            "party",
            m.AgreementParty._meta.db_table,
            ("organization", "organization_id"),
            ("agreement", "agreement_id"),
            id="'parties:' || k.tid",
            type="'party'",
            attributes=_object(role=_json("k.v1"), withdrawn_on=_partial("k.v2", "k.v3")),
            carry={"v1": "t.role", "v2": "t.withdrawn_on", "v3": "t.withdrawn_on_precision"},
            started=("a.signed_on",),
            ended=("t.withdrawn_on",),
            joins=f"JOIN {AGREEMENT} a ON a.id = t.agreement_id",
        ),
        Kind(
            "signed",
            m.Signatory._meta.db_table,
            ("person", "person_id"),
            ("agreement", "agreement_id"),
            id="'signatories:' || k.tid",
            type="'signed'",
            attributes=_object(
                on_behalf_of=_json(f"'organization:' || (SELECT o.slug FROM {ORGANIZATION} o WHERE o.id = k.v6)"),
                title=_json("k.v1"),
            ),
            carry={"v1": "t.title", "v6": "t.on_behalf_of_id"},
            started=("a.signed_on",),
            joins=f"JOIN {AGREEMENT} a ON a.id = t.agreement_id",
        ),
        Kind(
            "relation",
            m.AgreementRelation._meta.db_table,
            ("agreement", "from_agreement_id"),
            ("agreement", "to_agreement_id"),
            id="'relations:' || k.tid",
            type="k.v1",
            attributes="'{}'",
            carry={"v1": "t.kind"},
            started=("a.signed_on", "b.signed_on"),
            narrow="source",
            joins=f"JOIN {AGREEMENT} a ON a.id = t.from_agreement_id JOIN {AGREEMENT} b ON b.id = t.to_agreement_id",
        ),
        Kind(
            "participant",
            m.MissionParticipant._meta.db_table,
            ("organization", "organization_id"),
            ("mission", "mission_id"),
            id="'participants:' || k.tid",
            type="'participant'",
            attributes=_object(
                role=_json("k.v1"), joined_on=_partial("k.v2", "k.v3"), left_on=_partial("k.v4", "k.v5")
            ),
            carry={
                "v1": "t.role",
                "v2": "t.joined_on",
                "v3": "t.joined_on_precision",
                "v4": "t.left_on",
                "v5": "t.left_on_precision",
            },
            started=("t.joined_on",),
            ended=("t.left_on",),
        ),
        Kind(
            "agreement_mission",
            m.AgreementMission._meta.db_table,
            ("agreement", "agreement_id"),
            ("mission", "mission_id"),
            id="'agreement-missions:' || k.tid",
            type="k.v1",
            attributes="'{}'",
            carry={"v1": "t.role"},
            started=("a.signed_on",),
            narrow="source",
            joins=f"JOIN {AGREEMENT} a ON a.id = t.agreement_id",
        ),
    )
}
assert list(KINDS) == list(EDGE_RANK)  # the same kinds, in the same rank order
# The one ``own`` kind's (node type, column): a ranked level's rows carry that column (NULL for other types).
((OWN_TYPE, OWN_COLUMN),) = {(kind.source[0], kind.target[1]) for kind in KINDS.values() if kind.own}


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


def _type_rank(alias: str) -> str:
    return f"CASE {alias}.type " + " ".join(f"WHEN '{name}' THEN {TYPE_RANK[name]}" for name in NODE_TYPES) + " END"


def _incident(
    kinds: list[Kind], frontier: str, low: bool, high: bool, near_types=NODE_TYPES, among: bool = False
) -> str:
    """The active edges touching the nodes of ``frontier`` (a ranked level's placed rows) of ``near_types``:
    each edge's row, its far end and that end's rank key.

    ``among``: only from each kind's ``narrow`` end, enough for the edges between two of them (which
    ``kept`` picks out of them). An ``own`` kind's forward edge is the frontier's own row: no lookup.
    """
    reached = []
    if not (low or high):  # every edge of the linking kinds is active: one index range of the adjacency per node
        reached.append(_adjacent([kind for kind in kinds if not kind.own], frontier, near_types, among))
        kinds = [kind for kind in kinds if kind.own]
    for kind in kinds:
        rank = EDGE_RANK[kind.name]
        active, joins = _active(kind, low, high), _joins(kind, high)
        carried = ", ".join(f"{kind.carry.get(name, 'NULL')}::{type_} AS {name}" for name, type_ in CARRIED)
        ends = ((kind.source, kind.target), (kind.target, kind.source))
        if among:
            ends = ends[:1] if kind.narrow == "source" else ends[1:]
        for near, far in ends:
            if near[0] not in near_types:
                continue
            own = kind.own and near is kind.source
            f = "t" if own else "f"
            rows = f"{frontier} t" if own else f"{frontier} f JOIN {kind.table} t ON t.{near[1]} = f.id {joins}"
            reached.append(
                f"SELECT {rank} AS rank, t.id AS tid, '{far[0]}'::text AS type, t.{far[1]} AS id, "
                f"{f}.ord * 8 + {rank} AS key, {f}.ord AS nord, {f}.nid AS nnid, {near is kind.source} AS forward, "
                f"{carried} FROM {rows} WHERE {f}.type = '{near[0]}' AND {active}"
            )
    carried = ", ".join(f"NULL::{type_} AS {name}" for name, type_ in CARRIED)
    empty = (
        "SELECT 0 AS rank, NULL::bigint AS tid, NULL::text AS type, NULL::bigint AS id, 0 AS key, "
        f"0 AS nord, NULL::text AS nnid, TRUE AS forward, {carried} WHERE FALSE"
    )
    return " UNION ALL ".join(part for part in reached if part) or empty


def _adjacent(kinds: list[Kind], frontier: str, near_types, among: bool) -> str:
    """``_incident``'s rows of ``kinds`` (none ``own``) from ``ADJACENCY``: the edges from either end, as
    ``(rank, forward)`` pairs (``among``: from their ``narrow`` end only), from the frontier's nodes of the types
    they start at."""
    pairs, nears = [], set()
    for kind in kinds:
        for forward in (True, False):
            near = kind.source if forward else kind.target
            if near[0] in near_types and not (among and (kind.narrow == "source") != forward):
                pairs.append(f"({EDGE_RANK[kind.name]}, {forward})")
                nears.add(near[0])
    if not pairs:
        return ""
    types = ", ".join(f"'{name}'" for name in NODE_TYPES if name in nears)
    carried = ", ".join(f"a.{name}" for name, _type in CARRIED)
    return (
        f"SELECT a.rank::int AS rank, a.tid, a.far_type AS type, a.far_id AS id, f.ord * 8 + a.rank AS key, "
        f"f.ord AS nord, f.nid AS nnid, a.forward, {carried} FROM {frontier} f "
        f"JOIN {ADJACENCY} a ON a.near_id = f.id AND a.near_type = f.type "
        f"WHERE f.type IN ({types}) AND (a.rank, a.forward) IN ({', '.join(pairs)})"
    )


# What the far ends of edges are found by: the node, its place and its id's JSON. (A ranked level's rows also
# carry the slug, label and ``parent_id`` its documents and ``own`` edges read.)
PLACED = "type, id, ord, nid"


def _records(statement: _Statement, node_types: tuple[str, ...], nodes: str) -> str:
    """The nodes of ``nodes`` (type, id, ...) with their slugs, labels, ids (JSON) and own columns (``parent_id``):
    one index lookup each (the documents are written for the placed nodes only, at the end)."""
    rows = []
    for name in node_types:
        model = NODE_MODELS[name]
        labels = model._default_manager.order_by().annotate(graph_label=display(model, ""))
        columns = ("id", "slug", "graph_label", *((OWN_COLUMN,) if name == OWN_TYPE else ()))
        sql = statement.embed(*labels.values(*columns).query.sql_with_params())
        own = f"r.{OWN_COLUMN}" if name == OWN_TYPE else "NULL::bigint"
        node_id = _json(f"'{name}:' || r.slug")
        rows.append(
            f"SELECT c.*, r.slug, r.graph_label AS label, {node_id} AS nid, {own} AS {OWN_COLUMN} "
            f"FROM {nodes} c JOIN ({sql}) r ON r.id = c.id WHERE c.type = '{name}'"
        )
    return " UNION ALL ".join(rows)


def _documents(statement: _Statement, node_types: tuple[str, ...], request) -> str:
    """A placed node's document (on alias ``n``: type, nid, slug, label): its id, type, label and URL."""
    prefixes = []
    for name in node_types:
        statement.params[f"prefix_{name}"] = list_url(resource_for(NODE_MODELS[name]), request)
        prefixes.append(f"WHEN '{name}' THEN %(prefix_{name})s::text")
    url = _json(f"CASE n.type {' '.join(prefixes)} END || n.slug || '/'")
    return _object(id="n.nid", type=_quoted("n.type"), label=_json("n.label"), url=url)


def _placed(level: int) -> str:
    """The nodes level ``level`` placed (the ``r`` CTEs rank candidates past the bound too)."""
    return f"(SELECT * FROM r{level} WHERE ord < %(max)s)" if level else "r0"


def compile_graph(
    kinds: list[Kind], node_types: tuple[str, ...], depth: int, low: bool, high: bool, request, seed=("", "id")
):
    """The statement for a scoped graph of ``depth`` over ``kinds``; parameters seed, max, low, high.

    ``seed``: the scope's node type and the column ``seed`` names it by (``slug``: the statement looks it
    up, and yields no row when it names nothing)."""
    statement = _Statement()
    table = NODE_MODELS[seed[0]]._meta.db_table
    scope = _records(statement, seed[:1], "s0")
    ctes = [
        f"s0 AS (SELECT '{seed[0]}'::text AS type, id FROM {table} WHERE {seed[1]} = %(seed)s)",
        f"r0 AS (SELECT type, id, 0 AS ord, slug, nid, label, {OWN_COLUMN} FROM ({scope}) s)",
        f"all0 AS (SELECT {PLACED} FROM r0)",
    ]
    truncations = []
    for level in range(1, depth + 1):
        previous, placed = _placed(level - 1), f"all{level - 1}"
        near_types = seed[:1] if level == 1 else node_types
        ctes.append(f"x{level} AS ({_incident(kinds, previous, low, high, near_types)})")
        # Each candidate's earliest key, and whether fewer than the room left rank before it (by key alone):
        # only those can be placed, so only those are looked up.
        room = f"%(max)s - (SELECT COUNT(*) FROM {placed})"
        ctes.append(
            f"c{level} AS (SELECT x.type, x.id, MIN(x.key) AS key, RANK() OVER (ORDER BY MIN(x.key)) <= {room} AS fits "
            f"FROM x{level} x WHERE NOT EXISTS (SELECT 1 FROM {placed} p WHERE p.type = x.type AND p.id = x.id) "
            "GROUP BY x.type, x.id)"
        )
        candidates = f"(SELECT type, id, key FROM c{level} WHERE fits)"
        ctes.append(
            f"r{level} AS (SELECT c.type, c.id, (SELECT COUNT(*) FROM {placed}) - 1 + ROW_NUMBER() OVER "
            f'(ORDER BY c.key, {_type_rank("c")}, c.slug COLLATE "C") AS ord, c.slug, c.nid, c.label, c.{OWN_COLUMN} '
            f"FROM ({_records(statement, node_types, candidates)}) c)"
        )
        ctes.append(f"all{level} AS (SELECT {PLACED} FROM {placed} UNION ALL SELECT {PLACED} FROM {_placed(level)} n)")
        truncations.append(f"(SELECT COUNT(*) FROM c{level}) > {room}")
    placed = f"all{depth}"
    # The edges among the last level: with those met expanding the earlier ones, every edge between placed nodes.
    among = _incident(kinds, _placed(depth), low, high, among=True)
    ctes.append(f"x{depth + 1} AS ({among})")
    # Each edge once: from its end placed first (an edge within the last level: from its narrow end). One hash
    # join of every expansion with the placed nodes finds the far ends' places (each join on its own, the last
    # one, inlined, was planned as a nested loop over the placed nodes).
    expanded = " UNION ALL ".join(f"SELECT *, FALSE AS last FROM x{level}" for level in range(1, depth + 1))
    seen = (
        f"SELECT x.*, p.ord AS ford, p.nid AS fnid FROM ({expanded} UNION ALL SELECT *, TRUE FROM x{depth + 1}) x "
        f"JOIN {placed} p ON p.type = x.type AND p.id = x.id WHERE CASE WHEN x.last "
        f"THEN p.ord >= (SELECT MIN(ord) FROM r{depth}) ELSE p.ord > x.nord OR (p.ord = x.nord AND x.forward) END"
    )
    ctes.append(f"kept AS ({seen})")
    ids, documents = [], []
    for kind in kinds:
        rank = EDGE_RANK[kind.name]
        ids.append(f"WHEN {rank} THEN {kind.id}")
        document = _object(
            id=_quoted(kind.id) if kind.id.endswith("k.tid") else _json(kind.id),  # '<collection>:<number>'
            source="CASE WHEN k.forward THEN k.nnid ELSE k.fnid END",
            target="CASE WHEN k.forward THEN k.fnid ELSE k.nnid END",
            type=_quoted(kind.type) if kind.type.startswith("'") else _json(kind.type),
            attributes=kind.attributes,
        )
        documents.append(f"WHEN {rank} THEN {document}")
    edge_rows = (
        f"SELECT CASE k.rank {' '.join(ids)} END AS eid, k.rank, k.nord AS a, k.ford AS b, "
        f"CASE k.rank {' '.join(documents)} END AS doc FROM kept k"
        if kinds
        else "SELECT NULL::text AS eid, 0 AS rank, 0 AS a, 0 AS b, NULL::text AS doc WHERE FALSE"
    )
    order = 'LEAST(a, b), GREATEST(a, b), rank, eid COLLATE "C"'
    ctes.append(f"edges AS (SELECT string_agg(doc, ',' ORDER BY {order}) AS docs, COUNT(*) AS n FROM ({edge_rows}) e)")
    placed_rows = " UNION ALL ".join(
        f"SELECT ord, type, nid, slug, label FROM r{level} WHERE ord < %(max)s" for level in range(depth + 1)
    )
    document = _documents(statement, node_types, request)
    ctes.append(
        f"nodes AS (SELECT string_agg({document}, ',' ORDER BY n.ord) AS docs, COUNT(*) AS n FROM ({placed_rows}) n)"
    )
    truncated = " OR ".join(truncations) or "FALSE"
    document = _object(
        directed="'true'",
        multigraph="'true'",
        nodes="'[' || COALESCE(nodes.docs, '') || ']'",
        edges="'[' || COALESCE(edges.docs, '') || ']'",
        truncated=f"CASE WHEN {truncated} THEN 'true' ELSE 'false' END",
        node_count="nodes.n::text",
        edge_count="edges.n::text",
    )
    sql = f"WITH {', '.join(ctes)} SELECT {document} FROM nodes, edges WHERE EXISTS (SELECT 1 FROM s0)"
    return sql, statement.params


def _numbered(sql: str, params: dict) -> tuple[str, tuple[str, ...], dict]:
    """The statement with ``$1``... in place of ``%(name)s`` (for ``psycopg.RawCursor``), the names in order, params."""
    names: list[str] = []

    def number(found):
        if found.group(0) == "%%":
            return "%"
        if found.group(1) not in names:
            names.append(found.group(1))
        return f"${names.index(found.group(1)) + 1}"

    return re.sub(r"%%|%\((\w+)\)s", number, sql), tuple(names), params


_CACHE: dict[tuple, tuple[str, tuple[str, ...], dict]] = {}


def graph_document(query: GraphQuery, request) -> RawJSON | None:
    """The scoped graph ``query`` asks for as a JSON document written by PostgreSQL; None elsewhere.

    The scope is a node key ``(type, id)`` or ``(type, slug)``; None too when the slug names nothing."""
    model = NODE_MODELS[query.scope[0]] if query.scope else None
    if model is None or connections[router.db_for_read(model)].vendor != "postgresql":
        return None
    period = query.period
    node_types = query.kinds
    kinds = [KINDS[name] for name in EDGE_RANK if _uses(KINDS[name], node_types)]
    origin = (request.scheme, request.get_host(), get_script_prefix())  # what the URL prefixes depend on
    key = (tuple(k.name for k in kinds), node_types, query.steps, period.low is not None, period.high is not None)
    seed = (query.scope[0], "slug" if isinstance(query.scope[1], str) else "id")
    key += (active_language(), origin, seed)
    compiled = _CACHE.get(key)
    if compiled is None:
        low, high = period.low is not None, period.high is not None
        compiled = _CACHE[key] = _numbered(*compile_graph(kinds, node_types, query.steps, low, high, request, seed))
    sql, names, fixed = compiled
    given = {"seed": query.scope[1], "max": query.max_nodes}
    given.update(low=period.low, high=period.high)
    with server_bound_cursor(model, psycopg.RawCursor) as cursor:
        cursor.execute(sql, [given[name] if name in given else fixed[name] for name in names])
        row = cursor.fetchone()
    return None if row is None else RawJSON(row[0])


def _uses(kind: Kind, node_types: tuple[str, ...]) -> bool:
    return kind.source[0] in node_types and kind.target[0] in node_types
