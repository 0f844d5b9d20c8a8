"""``/api/v1/graph/``: the registry as a node-link graph (see ``cooperation.selectors.graph`` for how it is built)."""

from __future__ import annotations

import re
from dataclasses import replace

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api.core.kept_answers import kept_answer
from api.core.query_forms import ChoicesListField, QueryForm, WholeNumberField
from api.core.resource_urls import detail_url
from api.filtersets.base import PartialDateQueryField, invalid
from api.renderers.json import ORJSONRenderer
from api.schema.parameters import PARTIAL_DATE_PATTERN
from api.sql.graph import graph_document
from api.views.base import ContractMixin
from cooperation.errors import InvalidQuery
from cooperation.localization import display
from cooperation.models import Organization
from cooperation.selectors.graph import EDGE_TYPES, MAX_DEPTH, NODE_MODELS, NODE_TYPES, Graph, GraphQuery, build_graph

PARTIAL_DATE_HELP = "A partial date (YYYY, YYYY-MM or YYYY-MM-DD), or null when unknown."


class GraphNodeSerializer(serializers.Serializer):
    """A node: an organization, agreement, mission or person."""

    id = serializers.CharField(help_text="`<type>:<slug>`, e.g. `organization:roscosmos`; unique in the document.")
    type = serializers.ChoiceField(choices=[(name, f"{name} node") for name in NODE_TYPES])
    label = serializers.CharField(help_text="Display text, as in the record's `display`, in the response's language.")
    url = serializers.URLField(help_text="The record in the API.")


class GraphEdgeAttributesSerializer(serializers.Serializer):
    """What an edge says beyond its ends; which keys appear depends on the edge's type."""

    role = serializers.CharField(
        required=False, help_text="party: `party` or `authorizing_body`; participant: the participant's role."
    )
    withdrawn_on = serializers.CharField(
        required=False, allow_null=True, help_text=f"party: when the party withdrew. {PARTIAL_DATE_HELP}"
    )
    on_behalf_of = serializers.CharField(
        required=False, help_text="signed: the organization signed for, as a node id (it may not be in `nodes`)."
    )
    title = serializers.CharField(required=False, help_text="signed: the signatory's title when signing.")
    joined_on = serializers.CharField(
        required=False, allow_null=True, help_text=f"participant: when it joined. {PARTIAL_DATE_HELP}"
    )
    left_on = serializers.CharField(
        required=False, allow_null=True, help_text=f"participant: when it left. {PARTIAL_DATE_HELP}"
    )


class GraphEdgeSerializer(serializers.Serializer):
    """A relation between two nodes, directed from ``source`` to ``target``."""

    id = serializers.CharField(
        help_text=(
            "Unique in the document: `<resource>:<id>` names the API record behind the edge "
            "(`parties:7` is /api/v1/parties/7/); parent edges are `parent:organization:<slug of the child>`."
        )
    )
    source = serializers.CharField(help_text="The id of the node the edge starts at.")
    target = serializers.CharField(help_text="The id of the node the edge ends at.")
    type = serializers.ChoiceField(
        choices=EDGE_TYPES,
        help_text="What the edge says, from source to target.",
    )
    attributes = GraphEdgeAttributesSerializer()


class GraphSerializer(serializers.Serializer):
    """A node-link document, as d3-force, Cytoscape or networkx's ``node_link_graph(data, edges="edges")`` read it."""

    def to_representation(self, graph: Graph) -> dict:
        """Written out directly (hundreds of nodes): the fields below document the same shape."""
        request = self.context.get("request")
        return {
            "directed": True,
            "multigraph": True,
            "nodes": [
                {
                    "id": node.id,
                    "type": node.type,
                    "label": display(node.record),
                    "url": detail_url(node.record, request),
                }
                for node in graph.nodes
            ],
            "edges": [
                {
                    "id": edge.id,
                    "source": graph.ids[edge.source],
                    "target": graph.ids[edge.target],
                    "type": edge.type,
                    "attributes": edge.attributes,
                }
                for edge in graph.edges
            ],
            "truncated": graph.truncated,
            "node_count": len(graph.nodes),
            "edge_count": len(graph.edges),
        }

    directed = serializers.BooleanField(help_text="Always true: edges go from `source` to `target`.")
    multigraph = serializers.BooleanField(help_text="Always true: two nodes may be joined by several edges.")
    nodes = GraphNodeSerializer(many=True, help_text="In breadth-first order from the scope.")
    edges = GraphEdgeSerializer(many=True, help_text="Every edge between two of the nodes (active in the period).")
    truncated = serializers.BooleanField(help_text="True when nodes were left out because of `max_nodes`.")
    node_count = serializers.IntegerField()
    edge_count = serializers.IntegerField()


def _scope_parameter(name: str) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        {"type": "string", "minLength": 1},
        description=f"Start from this {name} (its slug). At most one of organization, agreement and mission.",
    )


GRAPH_PARAMETERS = [
    _scope_parameter("organization"),
    _scope_parameter("agreement"),
    _scope_parameter("mission"),
    OpenApiParameter(
        "depth",
        {"type": "integer", "minimum": 1, "maximum": MAX_DEPTH, "default": 1},
        description="How many edges away from the scope to go (breadth-first, either direction). Needs a scope.",
    ),
    OpenApiParameter(
        "date_from",
        {"type": "string", "pattern": PARTIAL_DATE_PATTERN},
        description="Start of the period (YYYY, YYYY-MM or YYYY-MM-DD): only edges that may be active in it.",
    ),
    OpenApiParameter(
        "date_to",
        {"type": "string", "pattern": PARTIAL_DATE_PATTERN},
        description="End of the period (YYYY, YYYY-MM or YYYY-MM-DD), inclusive of the whole period it names.",
    ),
    OpenApiParameter(
        "types",
        {"type": "array", "items": {"type": "string", "enum": list(NODE_TYPES)}},
        style="form",
        explode=False,
        description=(
            f"Comma-separated node kinds to include (default all: {', '.join(NODE_TYPES)}); edges only between "
            "included nodes, and the expansion only goes through them. Must include the scope's kind."
        ),
    ),
    OpenApiParameter(
        "max_nodes",
        {"type": "integer", "minimum": 1, "maximum": settings.API_GRAPH_MAX_NODES},
        description=(
            f"At most this many nodes (default and maximum {settings.API_GRAPH_MAX_NODES}); "
            "the first reached are kept and `truncated` is true."
        ),
    ),
]


SCOPES = ("organization", "agreement", "mission")  # the node kinds a graph can start from
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,100}")


class ScopeField(forms.CharField):
    """A slug of ``model``, as the node key ``(type, id)``; a slug that names nothing is ``does_not_exist``.

    The form may leave a well-formed slug unresolved, as ``(type, slug)``: see ``GraphQueryForm``."""

    def __init__(self, name: str, **kwargs):
        self.node_type = name
        super().__init__(required=False, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        if not SLUG.fullmatch(value):  # (it cannot be one, and a NUL would upset PostgreSQL)
            raise self.missing(value)
        return (self.node_type, value)

    def resolve(self, scope: tuple[str, str]) -> tuple[str, int]:
        found = NODE_MODELS[self.node_type].objects.filter(slug=scope[1]).values_list("pk", flat=True).first()
        if found is None:
            raise self.missing(scope[1])
        return (self.node_type, found)

    def missing(self, value: str) -> forms.ValidationError:
        model = _(str(NODE_MODELS[self.node_type]._meta.verbose_name))
        detail = _("No {model} with {kind} {value}.").format(model=model, kind="slug", value=repr(value))
        return invalid(detail, code="does_not_exist")


def both(names: list[str]) -> str:
    """``a and b (and c)``, in the active language."""
    joined = names[0]
    for name in names[1:]:
        joined = _("{first} and {second}").format(first=joined, second=name)
    return joined


class GraphQueryForm(QueryForm):
    """The graph's parameters; the rules between them are ``GraphQuery``'s."""

    combined_detail = gettext_lazy("Invalid graph parameters; see errors.")
    single_valued = (*SCOPES, "depth", "max_nodes", "date_from", "date_to")

    organization = ScopeField("organization")
    agreement = ScopeField("agreement")
    mission = ScopeField("mission")
    depth = WholeNumberField(name="depth", low=1, high=MAX_DEPTH, required=False)
    types = ChoicesListField(choices=NODE_TYPES, label_plural=gettext_lazy("node kinds"), required=False)
    date_from = PartialDateQueryField(required=False)
    date_to = PartialDateQueryField(required=False)
    max_nodes = WholeNumberField(name="max_nodes", low=1, high=settings.API_GRAPH_MAX_NODES, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["max_nodes"].high = settings.API_GRAPH_MAX_NODES  # read per request: tests change it

    def clean(self):
        given = [name for name in SCOPES if name in self.data]
        repeated = any(len(self.data.getlist(name)) > 1 for name in self.single_valued)
        if self.errors or repeated or len(given) > 1:  # (the errors so far: each field's own)
            self.resolve()  # a 400 either way: it names a slug that names nothing too
        data = super().clean()
        if len(given) > 1:
            for name in given:
                self.add_error(name, invalid(_("Give one scope at most, not {scopes}.").format(scopes=both(given))))
        data["scope"] = next((data[name] for name in SCOPES if data.get(name)), None)
        return data

    def resolve(self) -> tuple[str, int] | None:
        """Look the scope's slug up (``does_not_exist`` when it names nothing): the graph's statement
        looks it up itself, so a valid request leaves it ``(type, slug)`` until another path needs its id."""
        for name in SCOPES:
            scope = self.cleaned_data.get(name)
            if scope is not None and isinstance(scope[1], str):
                try:
                    self.cleaned_data[name] = self.fields[name].resolve(scope)
                except forms.ValidationError as error:
                    self.add_error(name, error)
        if "scope" in self.cleaned_data:
            self.cleaned_data["scope"] = next((self.cleaned_data[n] for n in SCOPES if self.cleaned_data.get(n)), None)
        return self.cleaned_data.get("scope")

    def resolved(self) -> tuple[str, int] | None:
        """The scope as a node key, or the 400 its slug makes (with the form's other problems, if any)."""
        scope = self.resolve()
        if self.errors:
            raise self.error()
        return scope


class GraphView(ContractMixin, APIView):
    """The registry as a graph: organizations, agreements, missions and persons, and how they are related.

    **Scope.** `organization`, `agreement` or `mission` (a slug) and `depth` (1 to 3, default 1):
    the nodes at most `depth` edges away, following edges in either direction, and every edge
    between them. Without a scope: the whole graph, each connected component from its best
    connected node.

    **Period.** `date_from`/`date_to` keep the edges that may be active on some day of the
    period (partial dates compare by the whole range they cover). A party edge runs from the
    agreement's signing to the party's withdrawal; signed, agreement–agreement and
    agreement–mission edges from the signing of the agreement(s), without end; a participant
    edge from `joined_on` to `left_on`; parent edges are undated. An unknown date never
    excludes an edge. The expansion only follows active edges; the unscoped graph in a period
    holds only the nodes with an active edge.

    **Bound.** At most `max_nodes` nodes: the first reached, in breadth-first order (within a
    level, by the node they were reached from, then edge kind, then slug); `truncated` tells
    when some were left out.
    """

    supports_shape = False  # fields/omit/expand do not apply

    permission_classes = [AllowAny]
    renderer_classes = [ORJSONRenderer]
    extra_query_parameters = tuple(parameter.name for parameter in GRAPH_PARAMETERS)
    comma_separated_parameters = ("types",)

    @extend_schema(
        operation_id="graph_retrieve",
        summary="Graph of the registry",
        parameters=GRAPH_PARAMETERS,
        responses=GraphSerializer,
    )
    def get(self, request):
        return kept_answer(request, Organization, lambda: self.answer(request))

    def answer(self, request):
        """The graph this request asks for, built from the registry."""
        form = GraphQueryForm(request.query_params)
        if not form.is_valid():
            raise form.error()
        try:
            query = self.query(form.cleaned_data)
        except InvalidQuery:
            form.resolved()  # a slug that names nothing is the form's 400, before the rules between parameters
            raise
        document = graph_document(query, request)  # PostgreSQL writes a scoped graph itself, finding the scope
        if document is not None:
            return Response(document)
        if query.scope is not None:  # the scope's slug named nothing, or the Python path needs its id
            query = replace(query, scope=form.resolved())
        return Response(GraphSerializer(build_graph(query), context={"request": request}).data)

    @staticmethod
    def query(data: dict) -> GraphQuery:
        return GraphQuery(
            scope=data["scope"],
            depth=data["depth"],
            types=data["types"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            max_nodes=data["max_nodes"] or settings.API_GRAPH_MAX_NODES,
        )
