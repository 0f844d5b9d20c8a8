"""Every list's pagination: limit/offset, or keyset pages with ``?cursor=`` (``api.core.cursors``).

Offset paging stays as it was (``count``, offset ``next``/``previous`` links). A request
with ``cursor`` is in cursor mode: its page is the ``limit`` records after (or before)
the cursor's position, found through the ordering's indexes, and its links carry the
cursors of the records at the page's edges. ``count`` is null in cursor mode (and
``count_exact`` false, so every envelope has the same keys): counting every match is
the cost cursors avoid. Both rendering paths (DRF's serializers and
the documents PostgreSQL writes, ``api.sql.documents``) page the same way, in the
same number of queries as an offset page, less the count.
"""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from api.core.cursors import HELP, MAX_LENGTH, PARAM, Cursor, Term, beyond, cursor_at, invalid, ordering_terms
from api.core.keyset_statements import ids_statement
from api.core.pagination import LimitOffsetPagination
from api.renderers.json import RawJSON


class ListPagination(LimitOffsetPagination):
    """``?limit=`` with ``?offset=`` (counted) or ``?cursor=`` (keyset, ``count`` null)."""

    cursor: Cursor | None = None  # the request's position, in cursor mode
    next_cursor: Cursor | None = None
    previous_cursor: Cursor | None = None

    def position(self, request, queryset: QuerySet) -> tuple[list[Term], Cursor] | None:
        """The ordering's terms and the request's cursor; None in offset mode."""
        raw = request.query_params.get(PARAM)
        if raw is None:
            return None
        if request.query_params.get(self.offset_query_param) is not None:
            raise invalid("cursor and offset cannot be combined: a cursor is a position of its own.")
        terms = ordering_terms(queryset)
        return terms, Cursor.parse(raw, terms)

    def paginate_queryset(self, queryset, request, view=None):
        mode = self.position(request, queryset)
        if mode is None:
            return super().paginate_queryset(queryset, request, view)
        terms, self.cursor = mode
        self.request, self.limit, self.count, self.count_exact = request, self.get_limit(request), None, False
        rows = list(beyond(queryset, terms, self.cursor, self.limit + 1))
        keys = [tuple(term.value_of(obj) for term in terms) for obj in rows[: self.limit]]
        self.link(terms, len(rows) > self.limit, keys[0] if keys else None, keys[-1] if keys else None)
        page = rows[: self.limit]
        return page[::-1] if self.cursor.backward else page

    def paginate_documents(self, queryset, request, documents, references=(), search=None) -> RawJSON | None:
        mode = self.position(request, queryset)
        if mode is None:
            return super().paginate_documents(queryset, request, documents, references, search)
        terms, self.cursor = mode
        self.request, self.limit, self.count, self.count_exact = request, self.get_limit(request), None, False
        values = ("pk", *(term.name for term in terms))
        ids = ids_statement(queryset, request, terms, self.cursor, self.limit + 1, values)
        checks = [reference.count_sql() for reference in references]
        rows, results, found, first, last = documents.keyset_page(
            ids, queryset.model, self.limit, len(terms), checks, backward=self.cursor.backward
        )
        if found != [reference.expected for reference in references]:
            return None
        self.link(terms, rows > self.limit, first, last)
        return results

    def link(self, terms: list[Term], more: bool, first: tuple | None, last: tuple | None) -> None:
        """The cursors of the neighbouring pages, from the page's edge keys (in the direction of travel)."""
        cursor = self.cursor
        ahead = cursor_at(terms, last, cursor.backward) if more else None
        if cursor.key is None:
            behind = None  # the first page has nothing before it (the last, nothing after it)
        elif first is not None:
            behind = cursor_at(terms, first, not cursor.backward)
        else:  # nothing beyond the position: the page behind it is the last (or first) page
            behind = Cursor(cursor.ordering, None, not cursor.backward)
        self.next_cursor, self.previous_cursor = (behind, ahead) if cursor.backward else (ahead, behind)

    def get_paginated_response(self, data):
        if self.cursor is None:
            return super().get_paginated_response(data)
        return Response(
            {
                "count": None,
                "count_exact": False,
                "next": self.cursor_link(self.next_cursor),
                "previous": self.cursor_link(self.previous_cursor),
                "results": data,
            }
        )

    def cursor_link(self, cursor: Cursor | None) -> str | None:
        if cursor is None:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.offset_query_param)
        url = replace_query_param(url, self.limit_query_param, self.limit)
        return replace_query_param(url, PARAM, cursor.token)

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        for param in params:
            if param["name"] == self.offset_query_param:
                param["description"] += " Not with `cursor`."
        cursor = {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH, "pattern": "^[A-Za-z0-9_-]+$"}
        return [*params, {"name": PARAM, "required": False, "in": "query", "description": HELP, "schema": cursor}]

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"] = {
            "type": ["integer", "null"],
            "description": response["properties"]["count"]["description"]
            + " Null in cursor mode (`cursor`): never counted.",
        }
        response["properties"]["count_exact"]["description"] += " Always false in cursor mode (`count` is null)."
        response["properties"]["next"]["description"] += " In cursor mode it carries the next page's cursor."
        response["properties"]["previous"]["description"] += " In cursor mode it carries the previous page's cursor."
        return response
