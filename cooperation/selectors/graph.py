"""The registry as a graph: organizations, agreements, missions and persons, and the relations between them.

A node-link document (the shape d3-force, Cytoscape and networkx's ``node_link_graph`` read)::

    {"directed": true, "multigraph": true,
     "nodes": [{"id": "organization:cnsa", "type": "organization", "label": "...", "url": "..."}],
     "edges": [{"id": "parties:7", "source": "organization:cnsa", "target": "agreement:...",
                "type": "party", "attributes": {"role": "party", "withdrawn_on": null}}],
     "truncated": false, "node_count": 1, "edge_count": 1}

Edges (source → target; the id names the API record behind the edge, e.g. ``parties:7`` is
``/api/v1/parties/7/``):

* organization → agreement, ``party``: {role, withdrawn_on};
* person → agreement, ``signed``: {on_behalf_of (an organization node id), title};
* agreement → agreement, the relation kind (``follows_up``...): from the relating agreement to the related one;
* organization → mission, ``participant``: {role, joined_on, left_on};
* agreement → mission, the agreement's role towards the mission (``cooperation``...);
* organization → organization, ``parent``: from an organization to the body it is part of
  (id ``parent:organization:<slug of the child>``).

A scope (an organization, agreement or mission) is expanded breadth-first over the edges,
in either direction, ``depth`` steps; the result is the subgraph the reached nodes induce
(every edge between two of them). Without a scope, the whole graph: each connected
component breadth-first, starting from the node with most edges.

The period rule (``date_from``/``date_to``, partial dates compared by the range they cover,
as everywhere in the API): an edge is kept when it may be active on some day of the period:

* party: from the agreement's signing until the party's withdrawal; signed, agreement–agreement
  and agreement–mission edges: from the signing of the agreement(s) on, without end;
* participant: from joined_on until left_on;
* parent: undated, always kept;
* an unknown date does not limit the edge (undated relations are kept).

Expanding a scope in a period only follows the edges active in it; the unscoped graph in a
period holds the nodes with at least one active edge (without a period: every node).

The bound: at most ``max_nodes`` nodes, the first reached in breadth-first order (within a
level: by the node they were reached from, then by edge kind, then by slug); when a node
is left out because of it, ``truncated`` is true.

Queries: one per edge kind touching the frontier's node kinds per level (at most six), one
more round for the edges among the last level, one per node kind for labels and URLs, and one to
look the scope up; never one per node. Node labels are the records' displays in the active language
(``cooperation.localization``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

from cooperation import models as m
from cooperation.errors import InvalidQuery, Problem
from cooperation.partial_dates import PartialDate

NODE_MODELS: dict[str, type[models.Model]] = {
    "organization": m.Organization,
    "agreement": m.Agreement,
    "mission": m.Mission,
    "person": m.Person,
}
NODE_TYPES = tuple(NODE_MODELS)
SCOPES = ("organization", "agreement", "mission")  # the scope parameters: node kinds a graph can start from
MAX_DEPTH = 3

# Columns a node's label (its display, in any language) needs, and its slug (for its id and URL).
LABEL_FIELDS = {
    "organization": ("slug", "name", "short_name", "localized_names"),
    "agreement": ("slug", "title", "short_title", "signed_on", "signed_on_precision", "localized_names"),
    "mission": ("slug", "name", "localized_names"),
    "person": ("slug", "name", "localized_names"),
}

NodeKey = tuple[str, int]  # (node type, primary key)


@dataclass(frozen=True)
class Period:
    """``[low, high]``: the first day of date_from and the last day of date_to (either open)."""

    low: dt.date | None = None
    high: dt.date | None = None

    @property
    def given(self) -> bool:
        return self.low is not None or self.high is not None

    def started(self, path: str) -> Q:
        """The dated thing at ``path`` (a partial date's stem) began by the end of the period, or is undated."""
        if self.high is None:
            return Q()
        return Q(**{f"{path}__isnull": True}) | Q(**{f"{path}__lte": self.high})

    def not_ended(self, path: str) -> Q:
        """The end date at ``path`` is unknown, or its last covered day is on or after the period's start."""
        if self.low is None:
            return Q()
        return Q(**{f"{path}_end__isnull": True}) | Q(**{f"{path}_end__gte": self.low})


def _partial(start, precision) -> str | None:
    return PartialDate(start, precision).isoformat() if start is not None and precision else None


@dataclass(frozen=True)
class End:
    """One end of an edge kind: its node type and where its id and slug are in the edge's row."""

    type: str
    id_path: str
    slug_path: str


@dataclass(frozen=True)
class EdgeKind:
    name: str
    model: type[models.Model]
    source: End
    target: End
    edge_type: Callable[[dict], str]
    attributes: Callable[[dict], dict]
    active: Callable[[Period], Q]
    columns: tuple[str, ...] = ()
    base: Q = field(default_factory=Q)
    edge_id: Callable[[dict], str] | None = None
    id_prefix: str = ""  # the edge's id is "<id_prefix>:<row id>": the API's collection of that record

    def row_id(self, row: dict) -> str:
        if self.edge_id is not None:
            return self.edge_id(row)
        return f"{self.id_prefix}:{row['pk']}"


EDGE_KINDS: tuple[EdgeKind, ...] = (
    EdgeKind(
        name="parent",
        model=m.Organization,
        source=End("organization", "pk", "slug"),
        target=End("organization", "parent_id", "parent__slug"),
        edge_type=lambda row: "parent",
        attributes=lambda row: {},
        active=lambda period: Q(),
        base=Q(parent__isnull=False),
        edge_id=lambda row: f"parent:organization:{row['slug']}",
    ),
    EdgeKind(
        name="party",
        id_prefix="parties",
        model=m.AgreementParty,
        source=End("organization", "organization_id", "organization__slug"),
        target=End("agreement", "agreement_id", "agreement__slug"),
        columns=("role", "withdrawn_on", "withdrawn_on_precision"),
        edge_type=lambda row: "party",
        attributes=lambda row: {
            "role": row["role"],
            "withdrawn_on": _partial(row["withdrawn_on"], row["withdrawn_on_precision"]),
        },
        active=lambda period: period.started("agreement__signed_on") & period.not_ended("withdrawn_on"),
    ),
    EdgeKind(
        name="signed",
        id_prefix="signatories",
        model=m.Signatory,
        source=End("person", "person_id", "person__slug"),
        target=End("agreement", "agreement_id", "agreement__slug"),
        columns=("on_behalf_of__slug", "title"),
        edge_type=lambda row: "signed",
        attributes=lambda row: {"on_behalf_of": f"organization:{row['on_behalf_of__slug']}", "title": row["title"]},
        active=lambda period: period.started("agreement__signed_on"),
    ),
    EdgeKind(
        name="relation",
        id_prefix="relations",
        model=m.AgreementRelation,
        source=End("agreement", "from_agreement_id", "from_agreement__slug"),
        target=End("agreement", "to_agreement_id", "to_agreement__slug"),
        columns=("kind",),
        edge_type=lambda row: row["kind"],
        attributes=lambda row: {},
        active=lambda period: period.started("from_agreement__signed_on") & period.started("to_agreement__signed_on"),
    ),
    EdgeKind(
        name="participant",
        id_prefix="participants",
        model=m.MissionParticipant,
        source=End("organization", "organization_id", "organization__slug"),
        target=End("mission", "mission_id", "mission__slug"),
        columns=("role", "joined_on", "joined_on_precision", "left_on", "left_on_precision"),
        edge_type=lambda row: "participant",
        attributes=lambda row: {
            "role": row["role"],
            "joined_on": _partial(row["joined_on"], row["joined_on_precision"]),
            "left_on": _partial(row["left_on"], row["left_on_precision"]),
        },
        active=lambda period: period.started("joined_on") & period.not_ended("left_on"),
    ),
    EdgeKind(
        name="agreement_mission",
        id_prefix="agreement-missions",
        model=m.AgreementMission,
        source=End("agreement", "agreement_id", "agreement__slug"),
        target=End("mission", "mission_id", "mission__slug"),
        columns=("role",),
        edge_type=lambda row: row["role"],
        attributes=lambda row: {},
        active=lambda period: period.started("agreement__signed_on"),
    ),
)
EDGE_RANK = {kind.name: rank for rank, kind in enumerate(EDGE_KINDS)}
TYPE_RANK = {name: rank for rank, name in enumerate(NODE_TYPES)}
# Every value an edge's ``type`` can take, with what it means (documented as an enum).
EDGE_TYPES: tuple[tuple[str, str], ...] = (
    ("parent", "organization → the organization it is part of"),
    ("party", "organization → an agreement it is a party to, or authorizes (attributes.role)"),
    ("signed", "person → an agreement they signed"),
    *((kind, f"agreement → agreement: {label}") for kind, label in m.AgreementRelation.Kind.choices),
    ("participant", "organization → a mission it takes part in"),
    *((role, f"agreement → mission: {label}") for role, label in m.AgreementMission.Role.choices),
)


@dataclass(frozen=True)
class Edge:
    id: str
    kind: str
    type: str
    source: NodeKey
    target: NodeKey
    attributes: dict

    def other(self, node: NodeKey) -> NodeKey:
        return self.target if node == self.source else self.source


# --- the query -------------------------------------------------------------------------------


def _problem(name: str, detail: str) -> Problem:
    return Problem(name, "invalid", detail)


@dataclass(frozen=True)
class GraphQuery:
    """What to draw. ``scope`` is a node ``(type, id)``; ``None`` values take the defaults.

    The rules between parameters are checked here (``InvalidQuery`` names the parameter):
    ``depth`` needs a scope, ``types`` must include the scope's kind, and the period must
    not end before it starts.
    """

    scope: NodeKey | None = None
    depth: int | None = None
    types: tuple[str, ...] | None = None
    date_from: PartialDate | None = None
    date_to: PartialDate | None = None
    max_nodes: int = 500

    def __post_init__(self):
        problems = []
        if self.depth is not None and self.scope is None:
            problems.append(
                _problem("depth", _("depth applies to a scope: give organization, agreement or mission too."))
            )
        elif self.depth is not None and not 1 <= self.depth <= MAX_DEPTH:
            detail = _("depth must be from 1 to {maximum}, not {depth}.").format(maximum=MAX_DEPTH, depth=self.depth)
            problems.append(_problem("depth", detail))
        if self.types is not None:
            if not self.types or set(self.types) - set(NODE_TYPES):
                detail = _("types must name node kinds from {kinds}.").format(kinds=", ".join(NODE_TYPES))
                problems.append(_problem("types", detail))
            elif self.scope is not None and self.scope[0] not in self.types:
                detail = _("types must include {kind}, the kind of the scope.").format(kind=self.scope[0])
                problems.append(_problem("types", detail))
        if self.date_from and self.date_to and self.date_from.start > self.date_to.end:
            detail = _("date_to ({end}) is before date_from ({start}).").format(end=self.date_to, start=self.date_from)
            problems.append(_problem("date_to", detail))
        if problems:
            raise InvalidQuery(problems)

    @property
    def steps(self) -> int:
        return self.depth or 1

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(name for name in NODE_TYPES if self.types is None or name in self.types)

    @property
    def period(self) -> Period:
        return Period(self.date_from.start if self.date_from else None, self.date_to.end if self.date_to else None)


@dataclass(frozen=True)
class Node:
    """A node of the graph: its type, its record (with the columns its label needs) and its id."""

    id: str
    type: str
    record: models.Model


@dataclass(frozen=True)
class Graph:
    """The nodes in breadth-first order, the edges between them, and whether ``max_nodes`` cut any node."""

    nodes: list[Node]
    edges: list[Edge]
    truncated: bool
    ids: dict[NodeKey, str]  # a node key's ``<type>:<slug>`` id, for the ends of the edges


# --- building ---------------------------------------------------------------------------------


class GraphBuilder:
    """Breadth-first expansion with one query per edge kind and level; the nodes' records at the end."""

    def __init__(self, query: GraphQuery):
        self.query = query
        self.kinds = [k for k in EDGE_KINDS if k.source.type in query.kinds and k.target.type in query.kinds]
        self.slugs: dict[NodeKey, str] = {}

    # edges

    def fetch(self, kind: EdgeKind, frontier: dict[str, list[int]] | None, within=None) -> list[Edge]:
        """Edges of ``kind`` active in the period with an end in ``frontier`` (None: all), both ends ``within``."""
        condition = kind.base & kind.active(self.query.period)
        if frontier is not None:
            ends = [end for end in (kind.source, kind.target) if frontier[end.type]]
            if not ends:
                return []
            condition &= reduce(or_, (Q(**{f"{end.id_path}__in": frontier[end.type]}) for end in ends))
        if within is not None:
            for end in (kind.source, kind.target):
                if not within[end.type]:
                    return []
                condition &= Q(**{f"{end.id_path}__in": within[end.type]})
        names = ("pk", kind.source.id_path, kind.source.slug_path, kind.target.id_path, kind.target.slug_path)
        rows = kind.model._default_manager.filter(condition).order_by("pk").values(*dict.fromkeys(names + kind.columns))
        edges = []
        for row in rows:
            source = (kind.source.type, row[kind.source.id_path])
            target = (kind.target.type, row[kind.target.id_path])
            self.slugs[source] = row[kind.source.slug_path]
            self.slugs[target] = row[kind.target.slug_path]
            edges.append(Edge(kind.row_id(row), kind.name, kind.edge_type(row), source, target, kind.attributes(row)))
        return edges

    def incident(self, nodes: Iterable[NodeKey] | None, within: Iterable[NodeKey] | None = None) -> list[Edge]:
        """Every edge touching ``nodes`` (None: every edge), optionally only between nodes ``within``."""
        frontier = _by_type(nodes) if nodes is not None else None
        bounds = _by_type(within) if within is not None else None
        return [edge for kind in self.kinds for edge in self.fetch(kind, frontier, bounds)]

    def neighbours(self, edges: list[Edge]) -> dict[NodeKey, list[tuple[Edge, NodeKey]]]:
        """Each node's edges and the nodes at their other ends, in expansion order."""
        adjacency: dict[NodeKey, list[tuple[Edge, NodeKey]]] = defaultdict(list)
        for edge in edges:
            adjacency[edge.source].append((edge, edge.target))
            if edge.target != edge.source:
                adjacency[edge.target].append((edge, edge.source))
        for pairs in adjacency.values():
            pairs.sort(key=lambda p: (EDGE_RANK[p[0].kind], TYPE_RANK[p[1][0]], self.slugs[p[1]], p[0].id))
        return adjacency

    # traversal

    def scoped(self) -> tuple[dict[NodeKey, int], dict[str, Edge], bool]:
        seed = self.query.scope
        order: dict[NodeKey, int] = {seed: 0}
        edges: dict[str, Edge] = {}
        expanded: set[NodeKey] = set()
        truncated = False
        frontier = [seed]
        for _level in range(self.query.steps):
            if not frontier:
                break
            found = self.incident(frontier)
            edges.update((edge.id, edge) for edge in found)
            adjacency = self.neighbours(found)
            following = []
            for node in frontier:
                for _edge, other in adjacency.get(node, ()):
                    if other in order:
                        continue
                    if len(order) >= self.query.max_nodes:
                        truncated = True
                        break
                    order[other] = len(order)
                    following.append(other)
            expanded.update(frontier)
            frontier = following
            if truncated:
                break
        unexpanded = [node for node in order if node not in expanded]
        if unexpanded:  # the edges among the last level (and to it), so the subgraph is the induced one
            edges.update((edge.id, edge) for edge in self.incident(unexpanded, within=order))
        return order, edges, truncated

    def whole(self) -> tuple[dict[NodeKey, int], dict[str, Edge], bool]:
        found = self.incident(None)
        edges = {edge.id: edge for edge in found}
        adjacency = self.neighbours(found)
        nodes = set(adjacency)
        if not self.query.period.given:  # every node, the ones without edges too
            for name in self.query.kinds:
                for pk, slug in NODE_MODELS[name]._default_manager.order_by().values_list("pk", "slug"):
                    nodes.add((name, pk))
                    self.slugs[(name, pk)] = slug
        seeds = sorted(nodes, key=lambda n: (-len(adjacency.get(n, ())), TYPE_RANK[n[0]], self.slugs[n]))
        order: dict[NodeKey, int] = {}
        limit = self.query.max_nodes
        for seed in seeds:
            if len(order) >= limit:
                break
            if seed in order:
                continue
            order[seed] = len(order)
            frontier = [seed]
            while frontier and len(order) < limit:
                following = []
                for node in frontier:
                    for _edge, other in adjacency.get(node, ()):
                        if other not in order and len(order) < limit:
                            order[other] = len(order)
                            following.append(other)
                frontier = following
        return order, edges, len(nodes) > len(order)

    # output

    def build(self) -> Graph:
        order, edges, truncated = self.scoped() if self.query.scope else self.whole()
        records = self.records(order)
        order = {node: index for node, index in order.items() if node in records}  # (deleted meanwhile)
        kept = [edge for edge in edges.values() if edge.source in order and edge.target in order]
        kept.sort(
            key=lambda e: (
                min(order[e.source], order[e.target]),
                max(order[e.source], order[e.target]),
                EDGE_RANK[e.kind],
                e.id,
            )
        )
        nodes = [Node(self.node_id(node), node[0], records[node]) for node in order]
        return Graph(nodes, kept, truncated, {node: self.node_id(node) for node in order})

    def node_id(self, node: NodeKey) -> str:
        return f"{node[0]}:{self.slugs[node]}"

    def records(self, nodes: Iterable[NodeKey]) -> dict[NodeKey, models.Model]:
        """The nodes' records, with just the columns their labels need: one query per node kind present."""
        records: dict[NodeKey, models.Model] = {}
        for name, pks in _by_type(nodes).items():
            if not pks:
                continue
            found = NODE_MODELS[name]._default_manager.filter(pk__in=pks).order_by().only(*LABEL_FIELDS[name])
            for obj in found:
                records[(name, obj.pk)] = obj
                self.slugs[(name, obj.pk)] = obj.slug
        return records


def _by_type(nodes: Iterable[NodeKey]) -> dict[str, list[int]]:
    grouped: dict[str, list[int]] = {name: [] for name in NODE_TYPES}
    for name, pk in nodes:
        grouped[name].append(pk)
    return {name: sorted(pks) for name, pks in grouped.items()}


def build_graph(query: GraphQuery) -> Graph:
    """The graph ``query`` asks for (see the module docstring)."""
    return GraphBuilder(query).build()
