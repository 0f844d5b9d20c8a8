"""``GET /api/v1/search/?q=``: one ranked search across organizations, persons, agreements, missions and sources."""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape
from urllib.parse import quote

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from api.core.exceptions import ApiError
from api.core.kept_answers import kept_answer
from api.core.pagination import LimitOffsetPagination
from api.core.query_forms import ChoicesListField, QueryForm
from api.core.resource_urls import list_url, resource_for
from api.filtersets.base import invalid
from api.renderers.json import ORJSONRenderer
from api.serializers.base import csv_param, unknown_fields_detail
from api.views.base import ContractMixin
from cooperation.localization import active_language, display
from cooperation.models import Organization
from cooperation.selectors import global_search as selector
from cooperation.selectors.global_search import MAX_QUERY_LENGTH, TYPE_NAMES, GlobalSearchQuery, Hit, Snippet, search

SNIPPET_HELP = (
    "Where the query matched, as HTML: the best matching name or label (in its own language), else a window "
    "of the summary or description, else (PostgreSQL near misses) the most similar name. The matched text is "
    "wrapped in <mark>…</mark>; everything else is HTML-escaped; … marks text cut from a long summary."
)
SCORE_HELP = (
    "Relevance: 3 a name or label equals the query, 2 one starts with it, 1 it occurs inside one, "
    "0.5 only the summary or description matches; below 0.5 (PostgreSQL only) a near miss, "
    "0.4 × its trigram similarity to a name."
)


COUNT_EXACT_HELP = (
    "Whether `count` is exact. On PostgreSQL each way of matching (a whole name; a substring of a name; "
    "the names' words; the summary's or description's words, as written and as English word forms; a near "
    f"miss) reads at most {selector.MAX_MATCHES} records of each type, so a common word costs the same at any "
    "size. When one of them reaches that cap, `count_exact` is false and `count` is the number of distinct "
    "records found, a lower bound; the results are those records, ranked as always, so a record that way "
    "did not read may be missing from them (once a type's substring way is full, that type's names' words, "
    "summaries and near misses are not sought). Narrow the query (more words, `type__in`) for an exact answer. "
    "SQLite reads and counts every match."
)
_URL_SAFE = re.compile(r"[A-Za-z0-9_.~/-]*").fullmatch  # what ``quote`` leaves as it is
SNIPPET_CONTEXT = 60  # characters of context shown either side of a match
ELLIPSIS = "…"


def snippet_html(snippet: Snippet, context: int = SNIPPET_CONTEXT) -> str:
    """The text around its first span, HTML-escaped, spans in ``<mark>``; cuts at word boundaries, shown by ….

    (``html.escape``: what ``django.utils.html.escape`` returns, without its lazy-string and safe-string wrapping.)"""
    text, spans = snippet.text, snippet.spans
    if not spans:
        end = min(len(text), 2 * context)
        return escape(text[:end]) + (ELLIPSIS if end < len(text) else "")
    first_start, first_end = spans[0]
    start, end = max(0, first_start - context), min(len(text), first_end + context)
    if start > 0 and not text[start - 1].isspace():
        space = text.find(" ", start, first_start)
        start = space + 1 if space != -1 else start
    spans = [(s, e) for s, e in spans if s >= start and e <= end]
    if end < len(text) and not text[end].isspace():
        space = text.rfind(" ", spans[-1][1], end)
        end = space if space != -1 else end
    out = [ELLIPSIS] if start > 0 else []
    position = start
    for span_start, span_end in spans:
        out += [escape(text[position:span_start]), "<mark>", escape(text[span_start:span_end]), "</mark>"]
        position = span_end
    out.append(escape(text[position:end]))
    if end < len(text):
        out.append(ELLIPSIS)
    return "".join(out).strip()


@lru_cache(maxsize=selector.NAMES_KEPT)
def _kept_html(text: str, spans: tuple[tuple[int, int], ...]) -> str:
    """``snippet_html`` of a snippet, kept per process by its content (search hits repeat across requests)."""
    return snippet_html(Snippet(text, list(spans)))


class SnippetField(serializers.CharField):
    """A ``Snippet`` as HTML (``snippet_html``)."""

    def to_representation(self, value: Snippet) -> str:
        return snippet_html(value)


class DisplayField(serializers.CharField):
    """A record's display in the active language."""

    def to_representation(self, value) -> str:
        return display(value)


class QueryTextField(forms.CharField):
    """``q``: required, at most ``MAX_QUERY_LENGTH`` characters (the domain checks it has a letter or digit)."""

    def clean(self, value):
        if value is None or not value.strip():
            raise invalid(_("q is required: the text to search for."))
        if len(value) > MAX_QUERY_LENGTH:
            raise invalid(_("q must be at most {length} characters.").format(length=MAX_QUERY_LENGTH))
        return value


class SearchQueryForm(QueryForm):
    q = QueryTextField(required=False, strip=False)
    type__in = ChoicesListField(choices=TYPE_NAMES, label_plural=gettext_lazy("type(s)"), required=False)


class SearchResultSerializer(serializers.Serializer):
    """A matching record in brief, with its type, relevance and a highlighted snippet.

    `fields=a,b` / `omit=c` shape results as on every list; nothing is expandable.
    """

    type = serializers.ChoiceField(choices=TYPE_NAMES, help_text="The kind of record.")
    id = serializers.IntegerField(source="obj.pk")
    url = serializers.SerializerMethodField(help_text="The record's URL in the API.")
    slug = serializers.SlugField(source="obj.slug")
    display = DisplayField(source="obj", help_text="A human-readable one-line description, in the response's language.")
    score = serializers.FloatField(help_text=SCORE_HELP)
    snippet = SnippetField(help_text=SNIPPET_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._list_urls: dict = {}
        self._language: str | None = None
        self._shown = list(self._declared_fields)  # the fields' names, without deep-copying the fields
        request = self.context.get("request")
        if request is not None:
            self._apply_shape(request)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, hit: Hit) -> str:
        # detail_url's URL; its list part (the host checked, the script prefix) built once per type and response
        model = type(hit.obj)
        found = self._list_urls.get(model)
        if found is None:
            resource = resource_for(model)
            found = self._list_urls[model] = (list_url(resource, self.context.get("request")), resource.has_slug)
        prefix, has_slug = found
        key = str(hit.obj.slug if has_slug else hit.obj.pk)
        return f"{prefix}{key if _URL_SAFE(key) else quote(key)}/"

    def language(self) -> str:
        """The active language, read once per response."""
        if self._language is None:
            self._language = active_language()
        return self._language

    def to_representation(self, hit: Hit) -> dict:
        """What DRF's fields give (``VALUES``), without their per-field machinery: 50 hits a page."""
        return {name: VALUES[name](self, hit) for name in self._shown}

    def _apply_shape(self, request) -> None:
        names = set(self._shown)
        expand = csv_param(request, "expand")
        if expand:
            self._reject("expand", _("Nothing to expand in search results: {fields}.").format(fields=", ".join(expand)))
        only, omit = set(csv_param(request, "fields")), set(csv_param(request, "omit"))
        for param, wanted in (("fields", only), ("omit", omit)):
            if wanted - names:
                self._reject(param, unknown_fields_detail(param, wanted - names, ", ".join(sorted(names))))
        dropped = (names - only if only else set()) | (omit & names)
        for name in dropped:
            self.fields.pop(name)
        self._shown = [name for name in self._shown if name not in dropped]

    @staticmethod
    def _reject(param: str, detail: str) -> None:
        raise ApiError(400, "invalid_parameter", detail, [{"field": param, "code": "invalid", "detail": detail}])


# Each field's value as its serializer field represents it (none of them is ever None).
VALUES = {
    "type": lambda serializer, hit: hit.type,
    "id": lambda serializer, hit: int(hit.obj.pk),
    "url": SearchResultSerializer.get_url,
    "slug": lambda serializer, hit: str(hit.obj.slug),
    "display": lambda serializer, hit: display(hit.obj, serializer.language()) if hit.display is None else hit.display,
    "score": lambda serializer, hit: float(hit.score),
    "snippet": lambda serializer, hit: _kept_html(hit.snippet.text, tuple(hit.snippet.spans)),
}


class PaginatedSearchResultListSerializer(serializers.Serializer):
    count = serializers.IntegerField(
        help_text="Records matching the query, on all pages: exact when `count_exact` is true, else a lower bound."
    )
    count_exact = serializers.BooleanField(help_text=COUNT_EXACT_HELP)
    next = serializers.URLField(allow_null=True, help_text="The next page, or null on the last page.")
    previous = serializers.URLField(allow_null=True, help_text="The previous page, or null on the first page.")
    results = SearchResultSerializer(many=True)


def _pagination_parameters() -> list[OpenApiParameter]:
    """``limit`` and ``offset`` documented exactly as on every list."""
    return [
        OpenApiParameter(p["name"], p["schema"], description=p["description"])
        for p in LimitOffsetPagination().get_schema_operation_parameters(None)
    ]


class SearchView(ContractMixin, APIView):
    """Search organizations, persons, agreements, missions and sources at once, ranked.

    Matches names, titles, labels and aliases in every language (case- and
    punctuation-insensitive: `q=Рогозин`, `q=嫦娥`, `q=Luna-Resurs`), and summaries and
    descriptions. Ranking: a whole name or label equal to the query first, then names
    starting with it, then names containing it, then summary/description-only matches;
    equal scores by type (organization, person, agreement, mission, source), then name.

    On PostgreSQL, full-text search also matches the query's words in any order (names)
    and English word forms (summaries and descriptions), and trigram similarity finds
    near misses and transliteration typos (`q=Rogozn`), ranked last. On SQLite the
    search is the plain normalised substring match described above.
    """

    permission_classes = [AllowAny]
    renderer_classes = [ORJSONRenderer]  # (JSON only: the same bytes as DRF's JSONRenderer)
    pagination_class = LimitOffsetPagination
    extra_query_parameters = ("q", "type__in", "limit", "offset")

    @extend_schema(
        operation_id="search_list",
        summary="Search every kind of record",
        parameters=[
            OpenApiParameter(
                "q",
                {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_LENGTH},
                required=True,
                description=(
                    "The text to search for, in any language; case- and punctuation-insensitive. "
                    "Missing, empty, or without a letter or digit: a 400."
                ),
            ),
            OpenApiParameter(
                "type__in",
                {"type": "array", "items": {"type": "string", "enum": list(TYPE_NAMES)}},
                explode=False,
                description="Only these types (comma-separated). An unknown type is a 400. Default: all.",
            ),
            *_pagination_parameters(),
        ],
        responses=PaginatedSearchResultListSerializer,
    )
    def get(self, request):
        return kept_answer(request, Organization, lambda: self.answer(request))

    def answer(self, request):
        """The page of hits this request asks for, searched in the registry."""
        data = SearchQueryForm.parse(request)
        paginator = self.pagination_class()
        limit, offset = paginator.get_limit(request), paginator.get_offset(request)
        serializer = SearchResultSerializer(context={"request": request, "view": self})  # (one, for every hit)
        page = search(GlobalSearchQuery(data["q"], data["type__in"] or TYPE_NAMES, offset, limit))
        paginator.request, paginator.limit, paginator.offset = request, limit, offset
        paginator.count, paginator.count_exact = page.count, page.count_exact
        return paginator.get_paginated_response([serializer.to_representation(hit) for hit in page.hits])
