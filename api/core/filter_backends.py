"""Filter backends: free-text search (``q``) and strict ordering."""

from __future__ import annotations

from django.db.models import Case, FloatField, Value, When
from django.utils.translation import gettext as _
from django_filters import utils
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.filters import BaseFilterBackend, OrderingFilter

from api.core.exceptions import ApiError
from cooperation.search_text import normalize


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend; a view with ``defer_existence`` set gets related records unchecked.

    Their existence checks (``api.filtersets.base.References``) are left on the view as
    ``deferred_references``, for the view to run with its own query.
    """

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        if getattr(view, "defer_existence", False):
            kwargs["defer_existence"] = True
        return kwargs

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and request.query_params.keys().isdisjoint(filterset_class.base_filters):
            # No filter named: the filterset would build an empty form and filter nothing.
            view.deferred_references = []
            return queryset
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            if getattr(view, "defer_existence", False):
                view.defer_existence = False  # the error names every problem, existence included
                return self.filter_queryset(request, queryset, view)
            raise utils.translate_validation(filterset.errors)
        view.deferred_references = getattr(filterset, "references", [])
        return filterset.qs


class SearchBackend(BaseFilterBackend):
    """``?q=``: names, titles, labels and aliases in every language, ranked.

    The query and each record's stored ``search_text`` are normalised alike
    (case-folded, punctuation-insensitive), so ``q=роскосмос`` finds
    "Роскосмос" on SQLite as on PostgreSQL. Rank: 3 when a whole name equals the
    query, 2 when a name starts with it, 1 when it occurs inside a name.
    """

    param = "q"

    def filter_queryset(self, request, queryset, view):
        raw = request.query_params.get(self.param)
        if raw is None:
            return queryset
        query = normalize(raw)
        if not query:
            detail = _("q must contain at least one letter or digit.")
            raise ApiError(400, "invalid_parameter", detail, [{"field": "q", "code": "invalid", "detail": detail}])
        view.search_query = query  # (a ranked page may read tier by tier: ``api.core.ranked_search``)
        return queryset.filter(search_text__contains=query).annotate(
            search_rank=Case(
                When(search_text__contains=f"\n{query}\n", then=Value(3.0)),
                When(search_text__contains=f"\n{query}", then=Value(2.0)),
                default=Value(1.0),
                output_field=FloatField(),
            )
        )

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.param,
                "required": False,
                "in": "query",
                "description": (
                    "Free-text search over names, titles, labels and aliases in every language "
                    "(case- and punctuation-insensitive). Results are ranked: exact name, then name prefix, "
                    "then substring, unless `ordering` is given."
                ),
                "schema": {"type": "string", "minLength": 1},
            }
        ]


class StrictOrderingFilter(OrderingFilter):
    """``?ordering=field,-other``: unknown fields are a 400; ``id`` always breaks ties."""

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param)
        allowed_names = {name for name, _ in self.get_valid_fields(queryset, view, {"request": request})}
        if raw:
            terms = [t.strip() for t in raw.split(",") if t.strip()]
            bad = [t for t in terms if t.lstrip("-") not in allowed_names]
            if bad or not terms:
                detail = _("Cannot order by {terms}. Allowed: {allowed}.").format(
                    terms=", ".join(bad) or repr(raw), allowed=", ".join(sorted(allowed_names))
                )
                errors = [{"field": "ordering", "code": "invalid", "detail": detail}]
                raise ApiError(400, "invalid_parameter", detail, errors)
            ordering = terms
        elif SearchBackend in view.filter_backends and request.query_params.get(SearchBackend.param):
            ordering = ["-search_rank", *self.get_default_ordering(view)]
        else:
            ordering = list(self.get_default_ordering(view) or [])
        if "id" not in {t.lstrip("-") for t in ordering}:
            ordering.append("id")
        return ordering

    def get_schema_operation_parameters(self, view):
        fields = [name for name, _ in self.get_valid_fields(view.get_queryset(), view, {})]
        default = ",".join(self.get_default_ordering(view) or ["id"])
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": (
                    f"Comma-separated sort fields, `-` for descending. Allowed: {', '.join(fields)}. "
                    f"Default: {default} (with `q`: by relevance first). Ties are broken by id."
                ),
                "schema": {"type": "string"},
            }
        ]
