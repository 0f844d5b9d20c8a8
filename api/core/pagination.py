"""Limit/offset pagination with a strict contract: bad values are a 400, never clamped silently."""

from django.conf import settings
from django.db.models import Count, Window
from django.utils.translation import gettext as _
from rest_framework import pagination

from api.core.exceptions import ApiError
from api.renderers.json import RawJSON

# offset + limit must fit a bigint: PostgreSQL refuses a larger OFFSET or LIMIT (a 500, not an empty page).
MAX_OFFSET = 2**63 - 1 - settings.API_MAX_PAGE_SIZE


def _non_negative_int(request, name: str, default: int, maximum: int | None = None, minimum: int = 0) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    problem = None
    if not raw.isascii() or not raw.isdigit():
        problem = _("{name} must be a whole number, got {value}.").format(name=name, value=repr(raw))
    elif maximum is not None and (len(raw.lstrip("0")) > len(str(maximum)) or int(raw) > maximum):
        # (lengths first: int() refuses strings of more than 4300 digits)
        problem = _("{name} must be at most {maximum}.").format(name=name, maximum=maximum)
    elif int(raw) < minimum:
        problem = _("{name} must be at least {minimum}.").format(name=name, minimum=minimum)
    if problem:
        raise ApiError(400, "invalid_parameter", problem, [{"field": name, "code": "invalid", "detail": problem}])
    return int(raw)


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """``?limit=`` (default 50, at most 1000) and ``?offset=``; responses carry count/next/previous/results."""

    default_limit = settings.API_PAGE_SIZE
    max_limit = settings.API_MAX_PAGE_SIZE

    def get_limit(self, request):
        return _non_negative_int(request, self.limit_query_param, self.default_limit, self.max_limit, minimum=1)

    def get_offset(self, request):
        return _non_negative_int(request, self.offset_query_param, 0, MAX_OFFSET)

    def paginate_documents(self, queryset, request, documents, references=()) -> RawJSON | None:
        """The page's records, as ``documents`` renders them, with the total: one statement.

        Filtered lists take the total from the page's own scan (``COUNT(*) OVER ()``); a page
        past the end has no row to carry it, so only then is it counted apart. Unfiltered
        lists count apart, in the same statement: the window would read and sort the whole
        table, where the page alone stops after ``limit`` rows of an index.

        The existence of the related records the filters name (``references``) is checked
        in the same statement; None when one of them does not exist.
        """
        self.request = request
        self.limit, self.offset = self.get_limit(request), self.get_offset(request)
        page = slice(self.offset, self.offset + self.limit)
        if queryset.query.distinct or not queryset.query.where:
            ids = queryset.values_list("pk", flat=True)[page]
            count = queryset.values("pk").order_by().query
        else:
            ids = queryset.annotate(_total=Window(Count("pk"))).values_list("pk", "_total")[page]
            count = None
        checks = [reference.count_sql() for reference in references]
        total, results, found = documents.page(ids.query, count, checks)
        if found != [reference.expected for reference in references]:
            return None
        self.count = total if total is not None else self.get_count(queryset)
        return results

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        for param in params:
            if param["name"] == self.limit_query_param:
                param["description"] = (
                    f"Number of results per page: default {self.default_limit}, at most {self.max_limit}. "
                    "A value out of range is a 400."
                )
                param["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_limit}
            elif param["name"] == self.offset_query_param:
                param["description"] = "Index of the first result (0-based)."
                param["schema"] = {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}
        return params

    def get_paginated_response_schema(self, schema):
        page_link = {"type": ["string", "null"], "format": "uri"}
        return {
            "type": "object",
            "required": ["count", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer", "description": "Records matching the query, on all pages."},
                "next": {**page_link, "description": "The next page, or null on the last page."},
                "previous": {**page_link, "description": "The previous page, or null on the first page."},
                "results": schema,
            },
        }
