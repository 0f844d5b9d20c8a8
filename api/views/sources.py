"""Sources: their viewsets."""

from api.filtersets.sources import SourceFilterSet
from api.serializers.sources import SourceSerializer
from api.views.base import TIMESTAMPS, ResourceViewSet
from cooperation import models as m


class SourceViewSet(ResourceViewSet):
    queryset = m.Source.objects.all()
    serializer_class = SourceSerializer
    filterset_class = SourceFilterSet
    ordering_fields = ("slug", "title", "publisher", "published_on", "kind", "tier", *TIMESTAMPS)
    ordering = ("slug",)
