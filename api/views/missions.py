"""Missions, their participants and milestone claims: their viewsets."""

from api.filtersets.missions import MilestoneFilterSet, MissionFilterSet, MissionParticipantFilterSet
from api.serializers.missions import MilestoneSerializer, MissionParticipantSerializer, MissionSerializer
from api.views.base import TIMESTAMPS, ResourceViewSet
from cooperation import models as m


class MissionViewSet(ResourceViewSet):
    queryset = m.Mission.objects.all()
    serializer_class = MissionSerializer
    filterset_class = MissionFilterSet
    ordering_fields = ("name", "slug", "kind", "status", "target", *TIMESTAMPS)
    ordering = ("name",)


class MissionParticipantViewSet(ResourceViewSet):
    queryset = m.MissionParticipant.objects.all()
    serializer_class = MissionParticipantSerializer
    filterset_class = MissionParticipantFilterSet
    ordering_fields = ("role", "joined_on", "left_on", *TIMESTAMPS)
    ordering = ("id",)
    search = False


class MilestoneViewSet(ResourceViewSet):
    queryset = m.Milestone.objects.all()
    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilterSet
    ordering_fields = ("date", "stated_on", "kind", "status", *TIMESTAMPS)
    ordering = ("date",)
    search = False
