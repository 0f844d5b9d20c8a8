"""The change log: who created, updated or deleted which registry record, when, and how."""

from __future__ import annotations

import json
from itertools import islice

from django.http import StreamingHttpResponse

from api.core.permissions import ChangeLogPermission
from api.core.resource_urls import resource_for
from api.filtersets.changes import ChangeRecordFilterSet
from api.renderers.csv import csv_lines
from api.serializers.changes import ChangeRecordSerializer
from api.views.base import CSV_CHUNK, ReadOnlyResourceViewSet
from cooperation.history.models import ChangeRecord


class ChangeViewSet(ReadOnlyResourceViewSet):
    """Every change to a registry record, newest first. Read-only; needs a token with a role.

    Filter by ``model`` and ``object_id`` for one record's history, by ``user`` or
    ``action``, and by ``changed_at__gte``/``changed_at__lte`` to sync incrementally.
    """

    queryset = ChangeRecord.objects.all()
    serializer_class = ChangeRecordSerializer
    filterset_class = ChangeRecordFilterSet
    permission_classes = [ChangeLogPermission]
    ordering_fields = ("changed_at", "model", "object_id", "action")
    ordering = ("-changed_at", "-id")
    search = False

    def csv_response(self) -> StreamingHttpResponse:
        """Every matching change, streamed; object URLs looked up a chunk at a time, changes as JSON text."""
        queryset = self.filter_queryset(self.get_queryset())
        serializer = self.get_serializer(many=True)

        def rows():
            records = queryset.iterator(chunk_size=CSV_CHUNK)
            while chunk := list(islice(records, CSV_CHUNK)):
                for row in serializer.to_representation(chunk):
                    if "changes" in row:
                        row["changes"] = json.dumps(row["changes"], ensure_ascii=False, sort_keys=True)
                    yield row

        response = StreamingHttpResponse(csv_lines(rows()), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{resource_for(queryset.model).prefix}.csv"'
        return response
