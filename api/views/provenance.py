"""Citations and labels: their viewsets."""

from api.filtersets.provenance import CitationFilterSet, LabelFilterSet
from api.serializers.provenance import CitationSerializer, LabelSerializer
from api.views.base import TIMESTAMPS, ResourceViewSet
from cooperation import models as m


class CitationViewSet(ResourceViewSet):
    queryset = m.Citation.objects.all()
    serializer_class = CitationSerializer
    filterset_class = CitationFilterSet
    ordering_fields = ("field", "locator", *TIMESTAMPS)
    ordering = ("id",)
    search = False


class LabelViewSet(ResourceViewSet):
    queryset = m.Label.objects.all()
    serializer_class = LabelSerializer
    filterset_class = LabelFilterSet
    ordering_fields = ("language", "kind", "text", *TIMESTAMPS)
    ordering = ("text",)
    search = False
