"""Limit/offset pagination with a strict contract: bad values are a 400, never clamped silently."""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.response import Response

from api.core import counting
from api.core.exceptions import ApiError
from api.core.ranked_search import tiered_page
from api.renderers.json import RawJSON
from cooperation.row_counts import row_count

# offset + limit must fit a bigint: PostgreSQL refuses a larger OFFSET or LIMIT (a 500, not an empty page).
MAX_OFFSET = 2**63 - 1 - settings.API_MAX_PAGE_SIZE
FROM_THE_END = 1000  # offsets from which a whole table's page may be read from its end (one more query)


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
    """``?limit=`` (default 50, at most 1000) and ``?offset=``; responses carry count/count_exact/next/previous/results.

    ``count`` is bounded (``api.core.counting``): exact up to ``API_COUNT_BOUND`` matches
    (``count_exact`` true), an estimate past it.
    """

    default_limit = settings.API_PAGE_SIZE
    max_limit = settings.API_MAX_PAGE_SIZE
    count_exact = True

    def get_limit(self, request):
        return _non_negative_int(request, self.limit_query_param, self.default_limit, self.max_limit, minimum=1)

    def get_offset(self, request):
        return _non_negative_int(request, self.offset_query_param, 0, MAX_OFFSET)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.limit, self.offset = self.get_limit(request), self.get_offset(request)
        searching = getattr(view, "search_query", None) is not None
        self.count, self.count_exact = counting.count(queryset, self.offset, self.limit, searching)
        if self.count == 0 or self.offset > self.count:  # (past the cap the count exceeds the page's end)
            return []
        return list(queryset[self.offset : self.offset + self.limit])

    def paginate_documents(self, queryset, request, documents, references=(), search=None) -> RawJSON | None:
        """The page's records, as ``documents`` renders them, with the bounded total: one statement.

        Filtered lists count the page's own scan: every match up to the cap, in order, of
        which the page is a slice (so a page past the end is counted too). Unfiltered lists
        count apart, in the same statement, with the table's exact row count where it is kept
        (``cooperation.row_counts``), else its row estimate: the ordered scan
        would read and sort up to the cap, where the page alone stops after ``limit`` rows
        of an index; and only when the page itself does not tell the total (``Documents.page``'s
        ``window``). Past the cap a filtered list asks the planner for its estimate: a
        second statement, only then (``api.core.counting``).

        A ranked search (``search``, the normalised ``q``) that is the list's one filter reads
        its page tier by tier and stops there (``api.core.ranked_search``), counted apart.

        The existence of the related records the filters name (``references``) is checked
        in the same statement; None when one of them does not exist.
        """
        self.request = request
        self.limit, self.offset = self.get_limit(request), self.get_offset(request)
        checks = [reference.count_sql() for reference in references]
        table = counting.whole_table(queryset)
        if table is not None and self.offset >= FROM_THE_END:
            page = self.page_from_the_end(queryset, documents, checks)
            if page is not None:
                found, results = page
                return results if found == [reference.expected for reference in references] else None
        most = counting.cap(self.offset, self.limit, search is not None)
        window = None
        tiered = tiered_page(queryset, search, self.offset, self.limit + 1, most) if search else None
        if tiered is not None or queryset.query.distinct or table is not None:
            # One row past the page: a page that is not full tells the total (offset + its rows), and so
            # does a full one past the bound with a record after it (offset + limit + 1, the cap + 1):
            # then nothing is counted, and a deep page reads the ordering's index once, not also the count's.
            ids = queryset.values_list("pk", flat=True)[self.offset : self.offset + self.limit + 1].query
            count = queryset.values("pk").order_by()[: most + 1].query
            ids, count = tiered or (ids, count)
            settles = self.limit + 1 if self.offset + self.limit >= most else self.limit
            rows, window = None, (self.offset, self.limit, settles)
        else:
            ids = queryset.values_list("pk", flat=True)[: most + 1].query
            count, rows = None, (self.offset, self.limit)
        counted = queryset.model._meta.db_table if table is not None else None
        versioned = tiered is not None and self.offset + self.limit < most  # (then the total is the count's)
        if versioned:
            checks.append(count.version())
        total, statistic, results, found, kept = documents.page(
            ids, checks, count=count, rows=rows, table=table, window=window, counted=counted
        )
        if versioned:
            count.keep(found.pop(), total)
        if found != [reference.expected for reference in references]:
            return None
        self.count, self.count_exact = (total, True) if kept else counting.settle(queryset, total, most, statistic)
        return results

    def page_from_the_end(self, queryset, documents, checks) -> tuple[list[int], RawJSON] | None:
        """A deep page of a whole table read backwards from its end, when it lies in the table's second half.

        The table's exact row count (``cooperation.row_counts``) says where the page lies: an offset
        into the first half reads forwards as usual (None), one into the second half reads the
        ordering's index from the other end, so the last page costs what the first does.
        """
        rows = row_count(queryset.model, queryset.db)
        if rows is None or not rows // 2 < self.offset < rows:
            return None
        end = rows - self.offset
        ids = queryset.reverse().values_list("pk", flat=True)[max(0, end - self.limit) : end].query
        counted = queryset.model._meta.db_table
        total, _, results, found, kept = documents.page(ids, checks, counted=counted, reverse=True)
        if not kept:  # (no longer counted: never, short of the migration rolled back meanwhile)
            return None
        self.count, self.count_exact = total, True
        return found, results

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.count,
                "count_exact": self.count_exact,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

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
            "required": ["count", "count_exact", "next", "previous", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "description": "Records matching the query, on all pages: exact when `count_exact` is true, "
                    "else an estimate.",
                },
                "count_exact": {
                    "type": "boolean",
                    "description": COUNT_EXACT_HELP.format(
                        bound=settings.API_COUNT_BOUND, search_bound=settings.API_SEARCH_COUNT_BOUND
                    ),
                },
                "next": {**page_link, "description": "The next page, or null on the last page."},
                "previous": {**page_link, "description": "The previous page, or null on the first page."},
                "results": schema,
            },
        }


COUNT_EXACT_HELP = (
    "Whether `count` is exact. A page counts the matching records up to {bound:,} ({search_bound:,} with `q`: "
    "each text match is checked against the record's text), or up to its own end when that lies further, "
    "so a count costs the same at any size: up to there `count` is exact and `count_exact` true. Past it "
    "`count_exact` is false and `count` is PostgreSQL's estimate, never below the number counted plus one: "
    "the query planner's estimate for a filtered list (it can be far off; narrow the filters for an exact "
    "count), the table's statistics for the unfiltered change log. An unfiltered list of the registry's "
    "records is exact at any size (PostgreSQL keeps each table's row count). `next` is exact either way. "
    "SQLite counts every match."
)
