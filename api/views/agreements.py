"""Agreements, their parties, signatories, relations and missions: their viewsets."""

from api.filtersets.agreements import (
    AgreementFilterSet,
    AgreementMissionFilterSet,
    AgreementPartyFilterSet,
    AgreementRelationFilterSet,
    SignatoryFilterSet,
)
from api.serializers.agreements import (
    AgreementMissionSerializer,
    AgreementPartySerializer,
    AgreementRelationSerializer,
    AgreementSerializer,
    SignatorySerializer,
)
from api.views.base import TIMESTAMPS, ResourceViewSet
from cooperation import models as m


class AgreementViewSet(ResourceViewSet):
    queryset = m.Agreement.objects.all()
    serializer_class = AgreementSerializer
    filterset_class = AgreementFilterSet
    ordering_fields = (
        "signed_on", "authorized_on", "entered_into_force_on", "title", "slug", "kind", "status", *TIMESTAMPS,
    )  # fmt: skip
    ordering = ("signed_on", "slug")


class AgreementPartyViewSet(ResourceViewSet):
    queryset = m.AgreementParty.objects.all()
    serializer_class = AgreementPartySerializer
    filterset_class = AgreementPartyFilterSet
    ordering_fields = ("role", "withdrawn_on", *TIMESTAMPS)
    ordering = ("id",)
    search = False


class SignatoryViewSet(ResourceViewSet):
    queryset = m.Signatory.objects.all()
    serializer_class = SignatorySerializer
    filterset_class = SignatoryFilterSet
    ordering_fields = ("title", *TIMESTAMPS)
    ordering = ("id",)
    search = False


class AgreementRelationViewSet(ResourceViewSet):
    queryset = m.AgreementRelation.objects.all()
    serializer_class = AgreementRelationSerializer
    filterset_class = AgreementRelationFilterSet
    ordering_fields = ("kind", *TIMESTAMPS)
    ordering = ("id",)
    search = False


class AgreementMissionViewSet(ResourceViewSet):
    queryset = m.AgreementMission.objects.all()
    serializer_class = AgreementMissionSerializer
    filterset_class = AgreementMissionFilterSet
    ordering_fields = ("role", *TIMESTAMPS)
    ordering = ("id",)
    search = False
