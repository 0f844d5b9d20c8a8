"""The base viewset: queryset, serializer and filterset; behaviour comes from here."""

from __future__ import annotations

import orjson
from django.http import Http404, StreamingHttpResponse
from django.utils.translation import gettext as _
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import MethodNotAllowed, NotAcceptable, NotFound
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.core.etags import ConditionalReadMixin, ConditionalWriteMixin, etag_of, none_match
from api.core.exceptions import ApiError
from api.core.fields import MAX_ID
from api.core.filter_backends import FilterBackend, SearchBackend, StrictOrderingFilter
from api.core.languages import in_language, label_response, negotiate, speaking
from api.core.prefetch import optimize
from api.core.query_params import check_query_parameters
from api.core.resource_urls import resource_for
from api.core.write_attribution import AttributedWritesMixin
from api.renderers.csv import CSVRenderer, csv_cell_lines, csv_lines
from api.sql.csv_cells import CsvCells
from api.sql.documents import Documents

CSV_CHUNK = 500
TIMESTAMPS = ("created", "last_updated")  # every record can be ordered by these


class ContractMixin:
    """Every API view: unknown query parameters are a 400; errors are always JSON; answers in the
    negotiated language (``api.core.languages``), streamed bodies included."""

    def dispatch(self, request, *args, **kwargs):
        language = negotiate(request)
        with speaking(language):
            response = super().dispatch(request, *args, **kwargs)
        if response.streaming:
            response.streaming_content = in_language(language, response.streaming_content)
        return label_response(response, language)

    def initial(self, request, *args, **kwargs):
        if not self.answers(request.method):
            # 405 comes first: the query string of a method the view has no handler for is never read.
            raise MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)
        check_query_parameters(self)

    def answers(self, method: str) -> bool:
        """Whether the view has a handler for ``method`` (OPTIONS only with a metadata class)."""
        if method == "OPTIONS":
            return self.metadata_class is not None
        return method in self.allowed_methods

    def perform_content_negotiation(self, request, force=False):
        """An unknown ``format`` is a 400 naming it (DRF would answer 404).

        An ``Accept`` header naming nothing the view renders (``text/csv`` for one record)
        gets JSON, as RFC 9110 §12.5.1 allows, rather than an undocumented 406.
        """
        wanted = request.query_params.get("format")
        renderers = self.get_renderers()
        formats = {renderer.format for renderer in renderers}
        if wanted is not None and wanted not in formats:
            detail = _("Unknown format {format}; use one of: {formats}.").format(
                format=repr(wanted), formats=", ".join(sorted(formats))
            )
            raise ApiError(400, "invalid_parameter", detail, [{"field": "format", "code": "invalid", "detail": detail}])
        try:
            return super().perform_content_negotiation(request, force)
        except NotAcceptable:
            return renderers[0], renderers[0].media_type

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if response.status_code >= 400:
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return response


class ReadOnlyResourceViewSet(
    ContractMixin, ConditionalReadMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    """List and retrieve one resource: the change log uses this directly, the registry's records ``ResourceViewSet``.

    Subclasses set ``queryset``, ``serializer_class``, ``filterset_class`` and
    ``ordering_fields``; the lookup field, query contract, prefetching, CSV
    export and error handling come from here.
    """

    filter_backends = [FilterBackend, SearchBackend, StrictOrderingFilter]
    ordering: tuple[str, ...] = ()
    search = True
    defer_existence = False  # FilterBackend: leave related records' existence to the view
    deferred_references: list = []

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if getattr(cls, "queryset", None) is not None:
            resource = resource_for(cls.queryset.model)
            cls.lookup_field = resource.lookup_field
            cls.lookup_url_kwarg = resource.lookup_field
            cls.lookup_value_regex = "[-a-zA-Z0-9_]+" if resource.has_slug else "[0-9]+"
            if not cls.search:
                cls.filter_backends = [b for b in cls.filter_backends if b is not SearchBackend]

    def get_object(self):
        """Ids out of the id columns' range are simply not found (never a database error)."""
        if self.lookup_field == "pk":
            value = self.kwargs.get(self.lookup_url_kwarg, "")
            if not value.isdigit() or not 1 <= int(value) <= MAX_ID:
                raise NotFound()
        return super().get_object()

    def get_renderers(self):
        """CSV exports lists; one record, and a write's answer, are JSON (``format=csv`` there is a 400)."""
        renderers = super().get_renderers()
        if self.action != "list":
            renderers = [renderer for renderer in renderers if not isinstance(renderer, CSVRenderer)]
        return renderers

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["detail"] = self.action != "list"
        # drf-spectacular builds serializers on a fake view: document every field, shape nothing.
        context["shape"] = not getattr(self, "swagger_fake_view", False)
        return context

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request is None or self.request.method not in ("GET", "HEAD"):
            return queryset
        return optimize(queryset, self.get_serializer(many=self.action == "list"))

    def list(self, request, *args, **kwargs):
        if isinstance(request.accepted_renderer, CSVRenderer):
            return self.csv_response()
        documents = Documents.for_view(self)
        if documents is None:
            return super().list(request, *args, **kwargs)
        self.defer_existence = True  # checked in the page's statement, not a query each (FilterBackend)
        queryset = self.filter_queryset(self.queryset.all())
        results = self.paginator.paginate_documents(
            queryset, request, documents, self.deferred_references, getattr(self, "search_query", None)
        )
        if results is None:  # a named record does not exist: the checked filters say which (400)
            self.defer_existence = False
            return super().list(request, *args, **kwargs)
        return self.get_paginated_response(results)

    def retrieve(self, request, *args, **kwargs):
        # (No docstring: drf-spectacular would make it the operation's description.)
        # One record, written by PostgreSQL when its serializer compiles (``api.sql.documents``), else by DRF.
        # Both paths answer alike: 404s, the ETag (a digest of the full detail body, parsed from the
        # document so it is the same digest), ``If-None-Match``, shapes and permissions.
        response = self.fast_retrieve(request)
        return response if response is not None else super().retrieve(request, *args, **kwargs)

    def fast_retrieve(self, request) -> Response | None:
        """The record from one statement: its document as asked for and, for a shaped request, in full."""
        if not self.object_permissions_are_open():
            return None
        compiled = Documents.for_detail(self)
        if compiled is None:
            return None
        shaped, full = compiled
        value = self.kwargs.get(self.lookup_url_kwarg, "")
        if self.lookup_field == "pk" and (not value.isdigit() or not 1 <= int(value) <= MAX_ID):
            raise NotFound()
        queryset = self.filter_queryset(self.queryset.all()).filter(**{self.lookup_field: value})
        is_shaped = any(name in request.query_params for name in self.SHAPE_PARAMETERS)
        found = shaped.record(queryset.order_by().values("pk").query, full if is_shaped else None)
        if found is None:  # as DRF's get_object says it
            raise Http404(f"No {self.queryset.model._meta.object_name} matches the given query.")
        pk, document, full_document = found
        self.check_object_permissions(request, self.queryset.model(pk=pk))
        data = orjson.loads(document)
        etag = etag_of(orjson.loads(full_document) if is_shaped else data)
        header = request.headers.get("If-None-Match")
        if header is not None and none_match(header, etag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return Response(data, headers={"ETag": etag})

    def object_permissions_are_open(self) -> bool:
        """Whether no permission class decides per record (so the record need not be built to check it)."""
        return all(
            type(permission).has_object_permission is BasePermission.has_object_permission
            for permission in self.get_permissions()
        )

    def csv_response(self) -> StreamingHttpResponse:
        """Every matching record (no pagination), streamed in chunks."""
        serializer = self.get_serializer(many=True).child
        queryset = self.filter_queryset(self.get_queryset())
        cells = CsvCells.for_serializer(serializer, self.request)
        if cells is not None:
            lines = csv_cell_lines(cells.rows(queryset))
        else:
            rows = (serializer.to_representation(obj) for obj in queryset.iterator(chunk_size=CSV_CHUNK))
            lines = csv_lines(rows)
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{resource_for(serializer.Meta.model).prefix}.csv"'
        return response


class ResourceViewSet(
    AttributedWritesMixin,
    ConditionalWriteMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ReadOnlyResourceViewSet,
):
    """List, retrieve, create, update, partial update and delete one resource.

    Subclasses set ``queryset``, ``serializer_class``, ``filterset_class`` and
    ``ordering_fields``; the lookup field, query contract, prefetching, CSV
    export and error handling come from here.
    """

    # (This docstring is the description of the resources that have none.)
    # AttributedWritesMixin: writes are recorded in the change history as the API user's.
